import pytest
from django.urls import reverse


def test_token_login_and_me(api_for, sales_a):
    api = api_for()
    response = api.post(reverse("api-token"), {"username": "sales_a", "password": "pass-1234"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get(reverse("api-me")).json()
    assert me["username"] == "sales_a"
    assert me["roles"] == ["salesperson"]
    assert me["team"]["full_name"].endswith("一组")


def test_token_with_wrong_password_has_error_shape(api_for, sales_a):
    response = api_for().post(reverse("api-token"), {"username": "sales_a", "password": "nope"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_anonymous_api_is_denied_with_error_shape(api_for):
    response = api_for().get(reverse("api-people"))
    assert response.status_code in (401, 403)
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_people_api_scoped_and_paginated(api_for, manager_a, sales_a, sales_b):
    data = api_for(manager_a).get(reverse("api-people")).json()
    names = {row["name"] for row in data["results"]}
    assert "张三" in names and "李四" not in names
    assert "count" in data


@pytest.mark.parametrize("query", ["page=", "page=0", "page=x", "page_size=", "page_size=0", "page_size=-3"])
def test_bad_paging_parameters_are_a_400_naming_the_parameter(api_for, manager_a, query):
    response = api_for(manager_a).get(f"/api/v1/people/?{query}")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {query.split("=")[0]}


def test_person_api_other_team_is_404(api_for, manager_a, sales_b):
    response = api_for(manager_a).get(reverse("api-person", args=[sales_b.id]))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_teams_api_scoped(api_for, manager_a, team_a, sub_team_a, team_b):
    ids = {row["id"] for row in api_for(manager_a).get(reverse("api-teams")).json()["results"]}
    assert ids == {team_a.id, sub_team_a.id}
    assert api_for(manager_a).get(reverse("api-team", args=[team_b.id])).status_code == 404


def test_schema_and_docs_served_locally(client, admin_user):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"Error" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
