"""The dashboard's overdue items and lowest scores tables: sortable, filterable, cursor-paged htmx partials of
/dashboard/ (`partial=overdue`, `partial=lowest`) and their API routes, with the same filters as the exports."""

import base64
import json
import random
import re
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboards import exports
from dashboards.models import PersonStats
from dashboards.services import stats_repair
from learning.models import Enrollment
from tests.dashboards.factories import add_people
from tests.factories import TeamFactory, make_manager

pytestmark = pytest.mark.django_db
HOME = reverse("dashboards:home")


def _overdue_ids(team):
    return set(exports._overdue_rows(scope=team, params=exports.export_params({})).values_list("id", flat=True))


def _give_scores(team, seed=0):
    rng = random.Random(seed)
    for s in PersonStats.objects.filter(team__path__startswith=team.path):
        attempts = rng.randint(1, 6)
        PersonStats.objects.filter(pk=s.pk).update(
            attempts=attempts, passed=rng.randint(0, attempts), avg_score=float(rng.choice([40, 55, 55, 70, 85]))
        )


def _walk(fetch):
    """Every row of a cursor-paged source, each page through fetch(cursor) -> (row keys, next cursor)."""
    seen, cursor, pages = [], None, 0
    while True:
        keys, cursor = fetch(cursor)
        seen += keys
        pages += 1
        if not cursor:
            return seen, pages


@pytest.fixture
def scored_team_a(filled_team_a):
    _give_scores(filled_team_a)
    return filled_team_a


def test_overdue_api_walks_every_overdue_item_once_in_each_sort(api_for, manager_a, filled_team_a):
    api = api_for(manager_a)
    url = f"/api/v1/dashboards/teams/{filled_team_a.id}/overdue/"
    expected = _overdue_ids(filled_team_a)
    assert len(expected) > 3
    for sort in ("due", "-due", "name", "-name", "course", "-course"):

        def fetch(cursor, sort=sort):
            data = api.get(url, {"sort": sort, "page_size": 2, **({"cursor": cursor} if cursor else {})}).json()
            nxt = data["next"] and parse_qs(urlsplit(data["next"]).query)["cursor"][0]
            return [r["id"] for r in data["results"]], nxt

        seen, pages = _walk(fetch)
        assert len(seen) == len(set(seen)) and set(seen) == expected, sort
        assert pages > 1
    first = api.get(url, {"sort": "due"}).json()["results"]
    dated = [r["due_date"] for r in first if r["due_date"]]
    assert dated == sorted(dated) and (not first[-1]["due_date"] or all(r["due_date"] for r in first))
    names = [r["name"] for r in api.get(url, {"sort": "-name", "page_size": 200}).json()["results"]]
    assert names == sorted(names, reverse=True)


def test_overdue_filters_search_and_days_overdue(api_for, manager_a, filled_team_a, courses):
    api = api_for(manager_a)
    url = f"/api/v1/dashboards/teams/{filled_team_a.id}/overdue/"
    rows = api.get(url, {"q": courses[1].title, "page_size": 200}).json()["results"]
    assert rows and {r["course"] for r in rows} == {courses[1].title}
    today = timezone.localdate()
    rows = api.get(url, {"min_days": 5, "page_size": 200}).json()["results"]
    assert all(r["days_overdue"] >= 5 for r in rows)
    assert {r["id"] for r in rows} == set(
        Enrollment.objects.filter(
            id__in=_overdue_ids(filled_team_a), due_date__lte=today - timedelta(days=5)
        ).values_list("id", flat=True)
    )
    # nonsense filters are ignored, not a 500
    assert api.get(url, {"min_days": "abc", "sort": "; drop"}).status_code == 200


def test_overdue_partial_sorts_filters_and_pages(client_for, manager_a, filled_team_a, courses):
    client = client_for(manager_a)
    params = {"team": filled_team_a.id, "partial": "overdue", "overdue_q": courses[0].title}
    body = client.get(HOME, params).content.decode()
    assert 'data-testid="overdue-table"' in body and courses[0].title in body
    assert courses[1].title not in body.split("<tbody>")[1]
    # the same filters feed the export buttons
    assert f'name="q" value="{courses[0].title}"' in body
    # cursor paging through the partial's own "next page" links: every item once, over several pages
    add_people(filled_team_a, 30, courses=courses, seed=7)
    stats_repair()
    seen, cursor, pages = [], None, 0
    for _ in range(50):
        pages += 1
        q = {"team": filled_team_a.id, "partial": "overdue", "overdue_sort": "-due"}
        body = client.get(HOME, q | ({"overdue_cursor": cursor} if cursor else {})).content.decode()
        tbody = body.split("<tbody>")[1].split("</tbody>")[0]
        seen += re.findall(r"<tr><td><a href=\"[^\"]+\">[^<]*</a></td><td>[^<]*</td><td>[^<]*</td>", tbody)
        match = re.search(r'hx-get="[^"]*overdue_cursor=([^"&]+)"', body)
        cursor = match and unquote(match.group(1))
        if not cursor:
            break
    assert len(seen) == len(_overdue_ids(filled_team_a)) > 0 and pages > 1


def test_lowest_api_sorts_filters_and_pages(api_for, manager_a, scored_team_a):
    api = api_for(manager_a)
    url = f"/api/v1/dashboards/teams/{scored_team_a.id}/lowest-scores/"
    expected = set(
        PersonStats.objects.filter(
            team__path__startswith=scored_team_a.path, is_active=True, avg_score__isnull=False
        ).values_list("user_id", flat=True)
    )
    for sort in ("avg_score", "-avg_score", "name", "pass_rate", "-pass_rate", "-attempts"):
        seen, cursor = [], None
        while True:
            data = api.get(url, {"sort": sort, "page_size": 3, **({"cursor": cursor} if cursor else {})}).json()
            seen += [r["id"] for r in data["results"]]
            if not data["next"]:
                break
            cursor = parse_qs(urlsplit(data["next"]).query)["cursor"][0]
        assert len(seen) == len(set(seen)) and set(seen) == expected, sort
    scores = [r["avg_score"] for r in api.get(url, {"page_size": 200}).json()["results"]]
    assert scores == sorted(scores)
    rates = [r["pass_rate"] for r in api.get(url, {"sort": "-pass_rate", "page_size": 200}).json()["results"]]
    assert rates == sorted(rates, reverse=True)
    someone = PersonStats.objects.filter(user_id__in=expected).select_related("user").first().user
    rows = api.get(url, {"q": someone.employee_no}).json()["results"]
    assert [r["id"] for r in rows] == [someone.id]


def test_lowest_partial_and_its_export_buttons(client_for, manager_a, scored_team_a):
    client = client_for(manager_a)
    body = client.get(HOME, {"team": scored_team_a.id, "partial": "lowest", "low_sort": "name"}).content.decode()
    assert 'data-testid="lowest-table"' in body and 'data-testid="export-lowest_scores"' in body
    assert 'name="sort" value="name"' in body
    first = PersonStats.objects.filter(team__path__startswith=scored_team_a.path, avg_score__isnull=False)
    name = str(first.select_related("user").order_by("user__display_name").first().user)
    assert name in body
    body = client.get(HOME, {"team": scored_team_a.id, "partial": "lowest", "low_q": "zz-nobody"}).content.decode()
    assert "zz-nobody" in body and name not in body


def test_export_follows_the_table_filters(scored_team_a, courses):
    today = timezone.localdate()
    params = exports.export_params({"min_days": "4", "q": courses[2].title, "sort": "-name"})
    rows = list(exports._overdue_rows(scope=scored_team_a, params=params).select_related("user", "course"))
    assert rows and all(r.course_id == courses[2].id and r.due_date <= today - timedelta(days=4) for r in rows)
    names = [r.user.display_name for r in rows]
    assert names == sorted(names, reverse=True)
    low = exports._lowest_rows(scope=scored_team_a, params=exports.export_params({"sort": "-attempts"}))
    attempts = list(low.values_list("attempts", flat=True))
    assert attempts == sorted(attempts, reverse=True)


@pytest.mark.parametrize("path", ["overdue/", "lowest-scores/"])
def test_other_team_manager_salesperson_and_anonymous_are_refused(
    path, client_for, api_for, manager_b, sales_a, filled_team_a
):
    from rest_framework.test import APIClient

    url = f"/api/v1/dashboards/teams/{filled_team_a.id}/{path}"
    assert api_for(manager_b).get(url).status_code == 404
    assert api_for(sales_a).get(url).status_code in (403, 404)
    assert APIClient().get(url).status_code in (401, 403)
    partial = "overdue" if path == "overdue/" else "lowest"
    assert client_for(manager_b).get(HOME, {"team": filled_team_a.id, "partial": partial}).status_code == 404
    assert client_for(sales_a).get(HOME, {"team": filled_team_a.id, "partial": partial}).status_code == 404


FORGED = [
    "not-base64!!",
    base64.urlsafe_b64encode(b"[1]").decode(),
    base64.urlsafe_b64encode(json.dumps(["not-a-date", 1]).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps([{"a": 1}, "x"]).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps(["2026-02-31", 5]).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps(["abc", 5]).encode()).decode(),
    "\x00",
]
# Text is a real position in a table sorted by name; for a date or number sort it cannot be one.
TEXT_POSITIONS = {FORGED[2], FORGED[4], FORGED[5]}


@pytest.mark.parametrize("cursor", FORGED)
def test_a_forged_cursor_is_a_400_not_a_500(cursor, client_for, api_for, manager_a, scored_team_a):
    """Every forged cursor is a 400 (the NUL one for the whole address, lms.security), on the API and the htmx
    partials, for every sort, except text where the sort is by name: a position like any other."""
    api = api_for(manager_a)
    client = client_for(manager_a)
    for sort in ("due", "-name"):
        ok = 200 if cursor in TEXT_POSITIONS and sort == "-name" else 400
        url = f"/api/v1/dashboards/teams/{scored_team_a.id}/overdue/"
        assert api.get(url, {"cursor": cursor, "sort": sort}).status_code == ok
        params = {"team": scored_team_a.id, "partial": "overdue", "overdue_cursor": cursor, "overdue_sort": sort}
        assert client.get(HOME, params).status_code == ok
    for sort in ("avg_score", "pass_rate", "name"):
        ok = 200 if cursor in TEXT_POSITIONS and sort == "name" else 400
        url = f"/api/v1/dashboards/teams/{scored_team_a.id}/lowest-scores/"
        assert api.get(url, {"cursor": cursor, "sort": sort}).status_code == ok
        params = {"team": scored_team_a.id, "partial": "lowest", "low_cursor": cursor, "low_sort": sort}
        assert client.get(HOME, params).status_code == ok


def _team_of(size, seed, courses):
    team = TeamFactory(name=f"规模{size}")
    manager = make_manager(team, username=f"lowmgr{size}")
    add_people(team, size, courses=courses, seed=seed)
    stats_repair()
    _give_scores(team, seed)
    return team, manager


def test_partials_and_routes_cost_the_same_queries_at_two_sizes(client_for, api_for, courses):
    results = []
    for size, seed in ((10, 1), (400, 2)):
        team, manager = _team_of(size, seed, courses)
        client, api = client_for(manager), api_for(manager)
        counts = []
        for c, url, params in (
            (client, HOME, {"team": team.id, "partial": "overdue"}),
            (client, HOME, {"team": team.id, "partial": "overdue", "overdue_sort": "-name", "overdue_days": "3"}),
            (client, HOME, {"team": team.id, "partial": "lowest"}),
            (client, HOME, {"team": team.id, "partial": "lowest", "low_sort": "-pass_rate", "low_q": "s"}),
            (api, f"/api/v1/dashboards/teams/{team.id}/overdue/", {"sort": "course"}),
            (api, f"/api/v1/dashboards/teams/{team.id}/lowest-scores/", {"sort": "-attempts"}),
        ):
            with CaptureQueriesContext(connection) as ctx:
                response = c.get(url, params)
            assert response.status_code == 200
            rows = response.content.decode().count("<tr>") if c is client else len(response.json()["results"])
            assert rows > 1
            counts.append(len(ctx.captured_queries))
        assert max(counts) <= 10
        results.append(counts)
    assert results[0] == results[1], results


def test_overdue_export_through_the_form_and_the_api_honours_min_days(client_for, api_for, manager_a, filled_team_a):
    from tests.dashboards.test_exports import START, _export

    today = timezone.localdate()
    client = client_for(manager_a)
    expected = Enrollment.objects.filter(
        id__in=_overdue_ids(filled_team_a), due_date__lte=today - timedelta(days=5)
    ).count()
    rows = _export(client, table="overdue", team=filled_team_a.id, format="csv", min_days="5")
    assert len(rows) - 1 == expected
    # a bad number is ignored by the form (every overdue item), refused by the JSON API with the error shape
    rows = _export(client, table="overdue", team=filled_team_a.id, format="csv", min_days="x")
    assert len(rows) - 1 == len(_overdue_ids(filled_team_a))
    api = api_for(manager_a)
    body = {"table": "overdue", "team": filled_team_a.id, "format": "csv", "min_days": -1}
    response = api.post("/api/v1/exports/", body, format="json")
    assert response.status_code == 400 and "min_days" in response.json()["error"]["fields"]
    assert api.post("/api/v1/exports/", body | {"min_days": 5}, format="json").status_code == 202
    assert client.post(START, {"table": "overdue", "team": filled_team_a.id, "format": "csv"}).status_code == 302
