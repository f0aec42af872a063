"""The lowest scores table filtered by a content category or a competency (people by their score in it, from
PersonCategoryScore): the htmx partial, its API route and its export; and the team API's summary, whose
`lowest_scores` is now a preview from the same selector with a link to the full table."""

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Category, Competency
from dashboards import exports, selectors
from dashboards.models import PersonCategoryScore, PersonStats
from dashboards.services import stats_repair
from tests.dashboards.factories import add_people
from tests.dashboards.test_charts import give_scores
from tests.factories import TeamFactory, make_manager
from tests.learning.factories import CourseFactory

pytestmark = pytest.mark.django_db
HOME = reverse("dashboards:home")


def _lowest_url(team) -> str:
    return f"/api/v1/dashboards/teams/{team.id}/lowest-scores/"


def _members(team):
    return PersonStats.objects.filter(team__path__startswith=team.path, is_active=True)


@pytest.fixture
def area_team_a(filled_team_a):
    """Everyone in team_a's subtree has quiz figures and a score in every area; one person has no score in
    "market", one has practice results only (a "product" score but no quiz average)."""
    ids = list(_members(filled_team_a).order_by("user_id").values_list("user_id", flat=True))
    give_scores(ids, seed=3)
    PersonCategoryScore.objects.filter(user_id=ids[0], category__code="market").delete()
    PersonStats.objects.filter(user_id=ids[1]).update(attempts=0, passed=0, score_sum=0, avg_score=None)
    return filled_team_a


def _expected(team, axis: str, code: str) -> list[tuple[int, float]]:
    """(person, score in the area) lowest first, recomputed from the raw score rows."""
    members = set(_members(team).values_list("user_id", flat=True))
    rows = PersonCategoryScore.objects.filter(**{f"{axis}__code": code}, attempts__gt=0, user_id__in=members)
    return sorted(((r.user_id, r.score_sum / r.attempts) for r in rows), key=lambda p: (p[1], p[0]))


def _walk(api, url, params) -> list[dict]:
    rows, cursor = [], None
    for _ in range(100):
        data = api.get(url, params | ({"cursor": cursor} if cursor else {})).json()
        rows += data["results"]
        if not data["next"]:
            return rows
        nxt = parse_qs(urlsplit(data["next"]).query)
        assert {k: nxt[k][0] for k in params if k != "page_size"} == {
            k: str(v) for k, v in params.items() if k != "page_size"
        }
        cursor = nxt["cursor"][0]
    raise AssertionError("too many pages")


@pytest.mark.parametrize(("axis", "code"), [("category", "market"), ("category", "product"), ("competency", "ethics")])
def test_api_lists_people_by_their_score_in_the_area(api_for, manager_a, area_team_a, axis, code):
    api = api_for(manager_a)
    expected = _expected(area_team_a, axis, code)
    assert len(expected) > 3
    rows = _walk(api, _lowest_url(area_team_a), {axis: code, "page_size": 2})
    assert [r["id"] for r in rows] == [uid for uid, _score in expected]
    assert [r["area_score"] for r in rows] == pytest.approx([score for _uid, score in expected])
    assert all(r["area_attempts"] >= 1 for r in rows)
    # descending and by observations, every person once
    down = _walk(api, _lowest_url(area_team_a), {axis: code, "sort": "-avg_score", "page_size": 3})
    assert [r["id"] for r in down] == [uid for uid, _s in sorted(expected, key=lambda p: (-p[1], -p[0]))]
    by_n = _walk(api, _lowest_url(area_team_a), {axis: code, "sort": "-attempts", "page_size": 3})
    assert sorted(r["id"] for r in by_n) == sorted(uid for uid, _s in expected)
    assert [r["area_attempts"] for r in by_n] == sorted((r["area_attempts"] for r in by_n), reverse=True)


def test_area_filter_excludes_people_without_a_score_and_keeps_practice_only_people(api_for, manager_a, area_team_a):
    ids = list(_members(area_team_a).order_by("user_id").values_list("user_id", flat=True))
    api = api_for(manager_a)
    market = [r["id"] for r in _walk(api, _lowest_url(area_team_a), {"category": "market", "page_size": 50})]
    assert ids[0] not in market and ids[1] in market
    product = {r["id"]: r for r in _walk(api, _lowest_url(area_team_a), {"category": "product", "page_size": 50})}
    assert product[ids[1]]["avg_score"] is None and product[ids[1]]["area_score"] is not None
    # without a filter: only people with quiz results, no area figures
    plain = _walk(api, _lowest_url(area_team_a), {"page_size": 50})
    assert ids[1] not in {r["id"] for r in plain}
    assert all(r["area_score"] is None and r["area_attempts"] is None for r in plain)
    # search and area together
    someone = PersonStats.objects.select_related("user").get(user_id=ids[2]).user
    rows = api.get(_lowest_url(area_team_a), {"category": "product", "q": someone.employee_no}).json()["results"]
    assert [r["id"] for r in rows] == [someone.id]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "no-such"}, "category"),
        ({"competency": "product"}, "competency"),  # a category's code is not a competency
        ({"category": "ethics"}, "category"),
        ({"category": "x" * 500}, "category"),
        ({"category": "product", "competency": "ethics"}, "competency"),
        ({"category": "prod\x00uct"}, None),  # NUL: the whole address is refused (lms.security), no field named
    ],
)
def test_api_bad_area_is_a_json_error(api_for, manager_a, area_team_a, params, field):
    response = api_for(manager_a).get(_lowest_url(area_team_a), params)
    assert response.status_code == 400
    error = response.json()["error"]
    if field is None:
        assert error["code"] == "invalid" and error["fields"] == {} and "NUL" in error["message"]
        return
    assert error["code"] == "invalid" and list(error["fields"]) == [field] and error["fields"][field][0]


def test_partial_filters_by_area_and_carries_it_into_links_and_export(client_for, manager_a, area_team_a):
    client = client_for(manager_a)
    params = {"team": area_team_a.id, "partial": "lowest", "low_category": "product"}
    body = client.get(HOME, params | {"low_sort": "avg_score"}).content.decode()
    product = Category.objects.get(code="product")
    assert f"Score in {product.name_en}" in body or product.name_zh in body
    assert 'name="category" value="product"' in body  # the export button carries the filter
    expected = _expected(area_team_a, "category", "product")
    first = PersonStats.objects.select_related("user").get(user_id=expected[0][0]).user
    tbody = body.split("<tbody>")[1]
    assert tbody.index(str(first)) < len(tbody) and "low_category=product" in body
    # walking the partial's own next-page links: every person with a product score once
    new_ids = add_people(area_team_a, 30, courses=[CourseFactory()], seed=9)
    stats_repair()
    give_scores(new_ids, seed=4)
    seen, cursor = [], None
    for _ in range(50):
        page = client.get(HOME, params | ({"low_cursor": cursor} if cursor else {})).content.decode()
        seen += re.findall(r'<tr><td><a href="/dashboard/people/(\d+)/', page)
        match = re.search(r'hx-get="[^"]*low_cursor=([^"&]+)"', page)
        if match:
            assert "low_category=product" in match.group(0)
        cursor = match and unquote(match.group(1))
        if not cursor:
            break
    assert sorted(map(int, seen)) == sorted(uid for uid, _s in _expected(area_team_a, "category", "product"))


def test_partial_with_a_bad_area_shows_a_message(client_for, manager_a, area_team_a):
    client = client_for(manager_a)
    for params in (
        {"low_category": "nope"},
        {"low_competency": "<b>x</b>"},
        {"low_category": "product", "low_competency": "ethics"},
    ):
        response = client.get(HOME, {"team": area_team_a.id, "partial": "lowest"} | params)
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="lowest-filter-error"' in body and "<b>x</b>" not in body
        assert 'name="category"' not in body and 'name="competency"' not in body  # the export is not filtered


def test_dashboard_offers_every_category_and_competency(client_for, manager_a, area_team_a):
    body = client_for(manager_a).get(HOME, {"team": area_team_a.id, "low_competency": "ethics"}).content.decode()
    for axis, model in (("category", Category), ("competency", Competency)):
        select = body[body.index(f'data-testid="lowest-{axis}"') :].split("</select>")[0]
        assert set(re.findall(r'<option value="([^"]+)"', select)) == set(model.objects.values_list("code", flat=True))
    assert re.search(r'<option value="ethics" selected>', body)
    assert "low_competency=ethics" in body  # the placeholder loads the filtered table


def test_export_follows_the_area_filter(client_for, api_for, manager_a, area_team_a):
    from tests.dashboards.test_exports import START, _export

    client = client_for(manager_a)
    expected = _expected(area_team_a, "competency", "ethics")
    rows = _export(client, table="lowest_scores", team=area_team_a.id, format="csv", competency="ethics")
    assert len(rows) - 1 == len(expected)
    assert [float(r[9]) for r in rows[1:]] == pytest.approx([round(s, 1) for _uid, s in expected], abs=0.051)
    xlsx = _export(client, table="lowest_scores", team=area_team_a.id, format="xlsx", competency="ethics")
    assert [r[9] for r in xlsx[1:]] == pytest.approx([round(s, 1) for _uid, s in expected], abs=0.051)
    plain = _export(client, table="lowest_scores", team=area_team_a.id, format="csv")
    assert all(r[9] == "" and r[10] == "" for r in plain[1:])
    # a bad area: the form says why, the API answers with the error shape; nothing starts
    response = client.post(
        START, {"table": "lowest_scores", "team": area_team_a.id, "format": "csv", "category": "nope"}, follow=True
    )
    assert response.status_code == 200 and "nope" in response.content.decode()
    api = api_for(manager_a)
    body = {"table": "lowest_scores", "team": area_team_a.id, "format": "csv"}
    for bad, field in (({"category": "nope"}, "category"), ({"category": "x" * 41}, "category")):
        response = api.post("/api/v1/exports/", body | bad, format="json")
        assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert api.post("/api/v1/exports/", body | {"category": "product"}, format="json").status_code == 202
    params = exports.export_params({"category": "product", "sort": "-avg_score"})
    scores = list(exports._lowest_rows(scope=area_team_a, params=params).values_list("score_sort", flat=True))
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("who", ["manager_b", "sales_a", "trainer"])
def test_area_filter_is_refused_outside_scope(request, client_for, api_for, who, area_team_a):
    user = request.getfixturevalue(who)
    params = {"category": "product"}
    assert api_for(user).get(_lowest_url(area_team_a), params).status_code in (403, 404)
    page = {"team": area_team_a.id, "partial": "lowest", "low_category": "product"}
    assert client_for(user).get(HOME, page).status_code == 404
    # a bad filter does not tell an outsider anything either
    assert api_for(user).get(_lowest_url(area_team_a), {"category": "nope"}).status_code in (403, 404)


def test_area_filter_refuses_anonymous(client, area_team_a):
    from rest_framework.test import APIClient

    assert APIClient().get(_lowest_url(area_team_a), {"category": "product"}).status_code in (401, 403)
    response = client.get(HOME, {"team": area_team_a.id, "partial": "lowest", "low_category": "product"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _team_of(size, seed):
    team = TeamFactory(name=f"领域{size}")
    manager = make_manager(team, username=f"areamgr{size}")
    ids = add_people(team, size, courses=[CourseFactory(), CourseFactory()], seed=seed)
    stats_repair()
    give_scores(ids, seed=seed)
    return team, manager


def test_filtered_table_costs_the_same_queries_at_two_sizes(client_for, api_for):
    CourseFactory(title="产品知识补课", category=Category.objects.get(code="product"))
    results = []
    for size, seed in ((10, 1), (400, 2)):
        team, manager = _team_of(size, seed)
        client, api = client_for(manager), api_for(manager)
        counts = []
        for c, url, params in (
            (client, HOME, {"team": team.id, "partial": "lowest", "low_category": "product"}),
            (client, HOME, {"team": team.id, "partial": "lowest", "low_competency": "ethics", "low_sort": "-attempts"}),
            (client, HOME, {"team": team.id, "partial": "lowest", "low_category": "nope"}),
            (client, HOME, {"team": team.id, "low_category": "product"}),
            (api, _lowest_url(team), {"category": "market", "sort": "name"}),
            (api, _lowest_url(team), {"competency": "mindset", "sort": "-pass_rate", "q": "s"}),
            (api, f"/api/v1/dashboards/teams/{team.id}/", {"lowest_sort": "-attempts"}),
        ):
            with CaptureQueriesContext(connection) as ctx:
                response = c.get(url, params)
            assert response.status_code == 200
            counts.append(len(ctx.captured_queries))
        assert max(counts) <= 10
        results.append(counts)
    assert results[0] == results[1], results


# --- the team API's summary ------------------------------------------------------------------------------------


def test_team_summary_previews_the_table_and_links_to_it(api_for, manager_a, area_team_a):
    api = api_for(manager_a)
    for sort in ("avg_score", "-avg_score", "name", "-attempts", "pass_rate"):
        data = api.get(f"/api/v1/dashboards/teams/{area_team_a.id}/", {"lowest_sort": sort}).json()
        table = api.get(_lowest_url(area_team_a), {"sort": sort, "page_size": selectors.LOWEST_PREVIEW}).json()
        assert data["lowest_scores"] == table["results"], sort
        link = urlsplit(data["lowest_scores_url"])
        assert link.path == _lowest_url(area_team_a) and parse_qs(link.query) == {"sort": [sort]}
        assert api.get(f"{link.path}?{link.query}").json()["results"][: selectors.LOWEST_PREVIEW] == table["results"]
    members = _members(area_team_a).filter(avg_score__isnull=False).count()
    data = api.get(f"/api/v1/dashboards/teams/{area_team_a.id}/", {"lowest_sort": "; drop"}).json()
    assert len(data["lowest_scores"]) == min(members, selectors.LOWEST_PREVIEW)
    scores = [r["avg_score"] for r in data["lowest_scores"]]
    assert scores == sorted(scores) and "sort=avg_score" in data["lowest_scores_url"]
    assert set(data["lowest_scores"][0]) >= {"id", "name", "employee_no", "team", "avg_score", "attempts", "pass_rate"}


def test_team_summary_query_count_did_not_grow(client_for, area_team_a, manager_a):
    """Signed in by session: session, user, the team (with the scope and role checks), snapshots, the lowest
    scores preview, the weak spots' remedies. Six, as before the preview (the role query went into the team's)."""
    CourseFactory(title="产品知识补课", category=Category.objects.get(code="product"))
    client = client_for(manager_a)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/dashboards/teams/{area_team_a.id}/")
    assert response.status_code == 200 and response.json()["weak_spots"] and response.json()["lowest_scores"]
    assert len(ctx.captured_queries) <= 6, [q["sql"][:80] for q in ctx.captured_queries]


@pytest.mark.parametrize("who", ["manager_b", "sales_a", "trainer"])
def test_team_summary_refuses_others(request, api_for, who, area_team_a):
    response = api_for(request.getfixturevalue(who)).get(f"/api/v1/dashboards/teams/{area_team_a.id}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_team_summary_refuses_anonymous_and_a_manager_without_the_role(api_for, area_team_a, manager_a):
    from django.contrib.auth.models import Group
    from rest_framework.test import APIClient

    url = f"/api/v1/dashboards/teams/{area_team_a.id}/"
    assert APIClient().get(url).status_code in (401, 403)
    assert api_for(manager_a).get(url).status_code == 200
    manager_a.groups.remove(Group.objects.get(name="manager"))  # still listed as the team's manager
    manager_a.refresh_from_db()
    assert api_for(manager_a).get(url).status_code == 404


def test_schema_documents_the_summary_and_the_filter(client_for, admin_user):
    schema = client_for(admin_user).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "lowest_scores_url" in schema and "TeamDashboard" in schema
    assert "a content category's code" in schema and "a competency's code" in schema
