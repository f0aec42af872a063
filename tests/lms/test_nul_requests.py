"""An address with a NUL character gets 400 and a message, never a 500 (PostgreSQL refuses NUL in any text)."""

import pytest

from tests.factories import make_salesperson

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "params",
    [
        {"q": "a\x00b"},  # the people search (was a 500 on PostgreSQL)
        {"plan_q": "\x00"},
        {"q": "x", "partial": "people"},  # a clean value next to a bad one below
    ],
)
def test_dashboard_search_with_nul_is_a_400_page(client_for, manager_a, team_a, params):
    params = {"team": team_a.id, **params}
    bad = any("\x00" in str(v) for v in params.values())
    response = client_for(manager_a).get("/dashboard/", params, HTTP_ACCEPT_LANGUAGE="en")
    if bad:
        assert response.status_code == 400
        body = response.content.decode()
        assert 'id="bad-request-message"' in body and "NUL" in body
    else:
        assert response.status_code == 200


def test_api_search_with_nul_is_a_400_in_the_error_shape(api_for, manager_a, team_a):
    make_salesperson(team=team_a, username="nul-check")
    api = api_for(manager_a)
    response = api.get(f"/api/v1/dashboards/teams/{team_a.id}/people/", {"q": "nul\x00check"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert api.get(f"/api/v1/dashboards/teams/{team_a.id}/people/", {"q": "nul-check"}).status_code == 200
    assert api.get("/api/v1/people/", {"q": "\x00"}).status_code == 400


def test_nul_in_the_path_is_a_400(client_for, manager_a):
    response = client_for(manager_a).get("/dashboard/%00/")
    assert response.status_code == 400


def test_the_page_is_in_the_visitors_language(client_for, manager_a, team_a):
    body = client_for(manager_a).get("/dashboard/", {"team": team_a.id, "q": "\x00"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert body.status_code == 400 and "NUL" in body.content.decode() and "请求" in body.content.decode()
