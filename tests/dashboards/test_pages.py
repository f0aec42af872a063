"""Dashboard pages and API: scope (404 outside), query budget at two sizes, cursor pagination."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards.services import stats_repair
from tests.dashboards.factories import add_people
from tests.factories import TeamFactory, make_manager, make_trainer

pytestmark = pytest.mark.django_db

HOME = reverse("dashboards:home")


def person_url(pid):
    return reverse("dashboards:person", args=[pid])


def test_manager_sees_own_team_dashboard(client_for, manager_a, filled_team_a, sub_team_a):
    response = client_for(manager_a).get(HOME)
    assert response.status_code == 200
    body = response.content.decode()
    assert filled_team_a.name in body
    assert 'id="dashboard-data"' in body and "chart.umd.min.js" in body
    assert "<script>" not in body.replace('<script id="dashboard-data" type="application/json">', "")
    assert client_for(manager_a).get(HOME, {"team": sub_team_a.id}).status_code == 200


@pytest.mark.parametrize("who", ["manager_b", "sales_a", "trainer"])
def test_others_get_404_for_team_a(request, client_for, who, filled_team_a):
    client = client_for(request.getfixturevalue(who))
    assert client.get(HOME, {"team": filled_team_a.id}).status_code == 404


def test_salesperson_and_trainer_have_no_dashboard(client_for, sales_a, trainer):
    assert client_for(sales_a).get(HOME).status_code == 404
    assert client_for(trainer).get(HOME).status_code == 404


def test_anonymous_is_sent_to_login(client, filled_team_a, sales_a):
    for url in (HOME, person_url(sales_a.id), reverse("dashboards:assign") + f"?person={sales_a.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admin_sees_any_team(client_for, admin_user, filled_team_a, team_b):
    assert client_for(admin_user).get(HOME, {"team": team_b.id}).status_code == 200


def test_person_page_scope(client_for, manager_a, manager_b, sales_a, sales_b, filled_team_a):
    response = client_for(manager_a).get(person_url(sales_a.id))
    assert response.status_code == 200
    assert "张三" in response.content.decode()
    assert client_for(manager_a).get(person_url(sales_b.id)).status_code == 404
    assert client_for(manager_b).get(person_url(sales_a.id)).status_code == 404
    assert client_for(sales_a).get(person_url(sales_a.id)).status_code == 404
    assert client_for(manager_a).get(person_url(999999)).status_code == 404


def _team_of(size, seed):
    team = TeamFactory(name=f"规模{size}")
    manager = make_manager(team, username=f"mgr{size}")
    from tests.learning.factories import CourseFactory

    courses = [CourseFactory(), CourseFactory()]
    ids = add_people(team, size, courses=courses, seed=seed)
    _plans_and_weak_spots(ids, courses)
    stats_repair()
    return team, manager


def _plans_and_weak_spots(ids, courses):
    """Every table and list of the page has rows: the people take part in two plans, and a few score low in a
    category that has a remedy course (so the weak-spot remedies are looked up too: the page's worst case)."""
    from courses.models import Category
    from dashboards.models import PersonCategoryScore
    from learning.models import Enrollment
    from tests.courses.plan_factories import PlanFactory, SessionFactory

    for n, course in enumerate(courses):
        plan = PlanFactory()
        SessionFactory(plan=plan, day=1, course=course)
        Enrollment.objects.bulk_create([Enrollment(user_id=uid, plan=plan) for uid in ids[n::2]], batch_size=2000)
    category = Category.objects.order_by("id").first()
    type(courses[0]).objects.filter(id=courses[0].id).update(category=category, status="published")
    PersonCategoryScore.objects.bulk_create(
        [PersonCategoryScore(user_id=uid, category=category, attempts=1, score_sum=20) for uid in ids[:5]]
    )


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _counts(client_for, team, manager, django_assert_max_num_queries):
    from rest_framework.test import APIClient

    client = client_for(manager)  # the fixture's one client, logged in as this manager
    api = APIClient()
    api.force_authenticate(manager)
    counts = []
    for c, url, params in (
        (client, HOME, {"team": team.id}),
        (client, HOME, {}),
        (client, HOME, {"team": team.id, "sort": "name", "overdue": "1"}),
        (client, HOME, {"team": team.id, "plan_sort": "-participants", "plan_q": "培训"}),
        (api, f"/api/v1/dashboards/teams/{team.id}/", {}),
        (api, f"/api/v1/dashboards/teams/{team.id}/people/", {"sort": "name"}),
        (api, f"/api/v1/dashboards/teams/{team.id}/plans/", {"sort": "title"}),
        (client, HOME, {"team": team.id, "partial": "courses", "course_sort": "-overdue", "course_q": "课"}),
        (api, f"/api/v1/dashboards/teams/{team.id}/courses/", {"sort": "completion"}),
        (client, HOME, {"team": team.id, "partial": "overdue", "overdue_sort": "-due", "overdue_q": "课"}),
        (client, HOME, {"team": team.id, "partial": "overdue", "overdue_days": "2", "overdue_sort": "name"}),
        (client, HOME, {"team": team.id, "partial": "lowest", "low_sort": "pass_rate", "low_q": "s"}),
        (api, f"/api/v1/dashboards/teams/{team.id}/overdue/", {"sort": "course"}),
        (api, f"/api/v1/dashboards/teams/{team.id}/lowest-scores/", {"sort": "-attempts"}),
    ):
        with django_assert_max_num_queries(10):
            counts.append(_count(c, url, params))
    return counts


def test_query_count_is_the_same_for_10_and_1000_people(client_for, django_assert_max_num_queries):
    small = _counts(client_for, *_team_of(10, 1), django_assert_max_num_queries)
    big = _counts(client_for, *_team_of(1000, 2), django_assert_max_num_queries)
    assert small == big
    # the page with plans, weak spots (their remedies) and every list filled; the overdue items, lowest scores
    # and course tables come through their htmx partials (counted above)
    assert small[0] == 9


def test_people_table_walks_every_person_once_by_cursor(api_for, manager_a, filled_team_a):
    seen, url = [], f"/api/v1/dashboards/teams/{filled_team_a.id}/people/?sort=-overdue&page_size=3"
    api = api_for(manager_a)
    while url:
        data = api.get(url).json()
        seen.extend((r["overdue"], r["id"]) for r in data["results"])
        url = data["next"]
    assert len(seen) == len(set(seen)) == 9  # 4 + 3 + sales_a + manager_a
    assert seen == sorted(seen, key=lambda r: (-r[0], -r[1]))


def test_people_table_filters_and_htmx_partial(client_for, manager_a, filled_team_a):
    client = client_for(manager_a)
    response = client.get(HOME, {"team": filled_team_a.id, "overdue": "1", "partial": "people"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<div id="people-table"')
    response = client.get(HOME, {"team": filled_team_a.id, "q": "张三"})
    assert "张三" in response.content.decode()
    # a broken cursor is a 400 page that says so and links to the first page (it used to show the first page)
    broken = client.get(HOME, {"team": filled_team_a.id, "q": "张三", "cursor": "!!!"}, HTTP_ACCEPT_LANGUAGE="en")
    assert broken.status_code == 400
    assert "This page link is not valid" in broken.text
    assert f'href="{HOME}?team={filled_team_a.id}&amp;q=%E5%BC%A0%E4%B8%89"' in broken.text


def test_api_team_and_person(api_for, manager_a, manager_b, sales_a, sales_b, filled_team_a):
    api = api_for(manager_a)
    data = api.get(f"/api/v1/dashboards/teams/{filled_team_a.id}/").json()
    assert data["figures"]["people"] == 9
    assert {h["key"] for h in data["headline"]} >= {"people", "completion_rate", "overdue", "avg_score"}
    assert data["children"][0]["figures"]["people"] == 3
    person = api.get(f"/api/v1/dashboards/people/{sales_a.id}/")
    assert person.status_code == 200 and person.json()["name"] == "张三"
    other = api_for(manager_b)
    for url in (
        f"/api/v1/dashboards/teams/{filled_team_a.id}/",
        f"/api/v1/dashboards/teams/{filled_team_a.id}/people/",
        f"/api/v1/dashboards/people/{sales_a.id}/",
    ):
        response = other.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"]
    assert api.get(f"/api/v1/dashboards/people/{sales_b.id}/").status_code == 404


def test_api_refuses_salesperson_and_anonymous(api_for, sales_a, filled_team_a):
    from rest_framework.test import APIClient

    for url in (f"/api/v1/dashboards/teams/{filled_team_a.id}/", f"/api/v1/dashboards/people/{sales_a.id}/"):
        assert api_for(sales_a).get(url).status_code in (403, 404)
        assert APIClient().get(url).status_code in (401, 403)


def test_person_page_and_api_query_budget(client_for, api_for, manager_a, team_a, django_assert_max_num_queries):
    from tests.learning.factories import CourseFactory

    courses = [CourseFactory() for _ in range(30)]
    [pid] = add_people(team_a, 1, courses=courses, seed=9)
    stats_repair()
    client = client_for(manager_a)
    with django_assert_max_num_queries(10):
        assert client.get(person_url(pid)).status_code == 200
    api = api_for(manager_a)
    with django_assert_max_num_queries(10):
        data = api.get(f"/api/v1/dashboards/people/{pid}/").json()
    assert len(data["enrollments"]) == 30


def test_person_page_lists_weak_spots_with_remedy(client_for, manager_a, sales_a, django_capture_on_commit_callbacks):
    from courses.models import Category
    from dashboards.services import dashboards_record_attempt
    from tests.learning.factories import CourseFactory

    weak = Category.objects.get(code="product")
    strong = Category.objects.get(code="market")
    remedy = CourseFactory(title="产品知识补课", category=weak)
    dashboards_record_attempt(user_id=sales_a.id, score=50, passed=False, category_scores={weak.id: 40, strong.id: 90})
    response = client_for(manager_a).get(person_url(sales_a.id))
    body = response.content.decode()
    section = body[body.index('data-testid="weak-spots"') :]
    section = section[: section.index("</table>")]
    assert remedy.title in section and str(weak) in section and str(strong) not in section
    assert f"course={remedy.id}" in section


def test_trainer_sees_completion_of_own_courses_only(
    client_for, trainer, manager_a, sales_a, django_capture_on_commit_callbacks
):
    from learning import services as learning_services
    from tests.learning.factories import CourseFactory

    mine = CourseFactory(title="我的课程", owners=[trainer])
    other = CourseFactory(title="别人的课程")
    with django_capture_on_commit_callbacks(execute=True):
        learning_services.enroll_users(user_ids=[sales_a.id], course=mine)
    url = reverse("dashboards:courses")
    body = client_for(trainer).get(url).content.decode()
    assert "我的课程" in body and other.title not in body
    assert mine.stats.enrollments == 1
    assert client_for(manager_a).get(url).status_code == 404
    assert client_for(sales_a).get(url).status_code == 404


def test_trainer_course_table_sorts_filters_and_pages(client_for, trainer, courses, filled_team_a):
    from tests.learning.factories import CourseFactory

    for c in courses:
        c.owners.add(trainer)
    extra = [CourseFactory(title=f"额外课程{i}", owners=[trainer]) for i in range(30)]
    stats_repair()
    client = client_for(trainer)
    url = reverse("dashboards:courses")
    seen, params = [], {"sort": "-completion"}
    while True:
        body = client.get(url, params).content.decode()
        table = body[body.index('data-testid="course-stats"') :]
        table = table[: table.index("</table>")]
        present = [t for t in [c.title for c in courses + extra] if f"<td>{t}</td>" in table]
        seen += sorted(present, key=lambda t: table.index(f"<td>{t}</td>"))
        if 'data-testid="courses-next-page"' not in body:
            break
        cursor = body.split('data-testid="courses-next-page" href="', 1)[1].split("cursor=", 1)[1].split('"', 1)[0]
        from urllib.parse import unquote

        params = {"sort": "-completion", "cursor": unquote(cursor.replace("&amp;", "&"))}
    assert sorted(seen) == sorted(c.title for c in courses + extra)  # every course once, over two pages
    assert seen[0] in {c.title for c in courses}  # highest completion first: a course people completed
    partial = client.get(url, {"partial": "courses", "q": "额外课程1"}, headers={"HX-Request": "true"}).content.decode()
    assert "额外课程1" in partial and "额外课程2" not in partial and "<html" not in partial


@pytest.mark.parametrize("who", ["manager_a", "admin_user"])
@pytest.mark.parametrize("huge", [2**63, 9961665306969566726848512])
def test_ids_past_64_bits_are_404_not_500(request, client_for, api_for, who, huge, filled_team_a):
    """SQLite cannot bind an integer past 64 bits (OverflowError): such an id matches nothing, so it is a 404."""
    user = request.getfixturevalue(who)
    assert client_for(user).get(HOME, {"team": huge}).status_code == 404
    assert client_for(user).get(person_url(huge)).status_code == 404
    assert api_for(user).get(f"/api/v1/dashboards/teams/{huge}/").status_code == 404
    assert api_for(user).get(f"/api/v1/dashboards/people/{huge}/").status_code == 404


def _forged(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


FORGED_RAW = [
    "[Infinity, 1]",
    "[1e400, 1]",
    "[-Infinity, 1]",
    "[NaN, 1]",
    "[1, 1e400]",
    "[1, 9223372036854775808]",
    "[99999999999999999999999, 1]",
    "[1, 1.5]",
    "[true, 1]",
    "[null, 1]",
    '["\\u0000", 1]',
    '["\\ud800", 1]',
    "[1, 2, 3]",
    "[" * 5000,
]


@pytest.mark.parametrize("raw", FORGED_RAW)
def test_forged_cursors_are_a_400_not_500_nor_a_silent_first_page(api_for, client_for, manager_a, filled_team_a, raw):
    """Issue 18: a cursor holding Infinity or 1e400 was a 500 on every page and API table; then it started the
    table from its first page as if nothing were wrong. Cursors are validated (finite numbers, 64-bit integers,
    storable text), else 400: the API names `cursor`, the page says so and links to the first page."""
    cursor = _forged(raw)
    api = api_for(manager_a)
    for table in ("people", "plans", "courses", "overdue", "lowest-scores"):
        for sort in ("", "-overdue", "completion", "name"):
            response = api.get(
                f"/api/v1/dashboards/teams/{filled_team_a.id}/{table}/",
                {"cursor": cursor, "sort": sort},
                HTTP_ACCEPT_LANGUAGE="en",
            )
            assert response.status_code == 400, (table, sort, response.status_code)
            error = response.json()["error"]
            assert error["code"] == "invalid" and "This page link is not valid" in error["fields"]["cursor"][0]
    client = client_for(manager_a)
    client.cookies["django_language"] = "en"
    for name in ("cursor", "plan_cursor", "course_cursor", "overdue_cursor", "low_cursor"):
        page = client.get(HOME, {"team": filled_team_a.id, name: cursor, "sort": "-overdue"})
        assert page.status_code == 400, name
        assert 'data-testid="invalid-cursor"' in page.text
        assert f'href="{HOME}?team={filled_team_a.id}&amp;sort=-overdue"' in page.text
    trainer_page = client_for(make_trainer(username="cursor-trainer")).get(
        reverse("dashboards:courses"), {"cursor": cursor}
    )
    assert trainer_page.status_code == 400


def test_a_forged_cursor_in_a_table_loaded_by_htmx_shows_the_message_in_its_place(client_for, manager_a, filled_team_a):
    """The next page of a table comes through htmx: the 400 carries a message for the table's place (dashboard.js
    swaps it in) that keeps the table's id and links to the dashboard's first page."""
    params = {"team": filled_team_a.id, "partial": "people", "cursor": _forged("[Infinity, 1]")}
    response = client_for(manager_a).get(HOME, params, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="people-table")
    assert response.status_code == 400 and response["X-Invalid-Cursor"] == "1"
    assert response.text.startswith('<div id="people-table" class="alert alert-warning" role="alert"')
    assert f'href="{HOME}?team={filled_team_a.id}"' in response.text


def test_a_cursor_of_the_wrong_kind_for_the_sort_is_a_400(api_for, client_for, manager_a, filled_team_a):
    """A well-formed cursor whose value does not fit the sort (text for a number, a day that does not exist) is
    found when the table is read, with the same answer."""
    api = api_for(manager_a)
    url = f"/api/v1/dashboards/teams/{filled_team_a.id}/people/"
    text = base64.urlsafe_b64encode(b'["abc", 5]').decode()
    assert api.get(url, {"cursor": text, "sort": "-overdue"}).status_code == 400
    assert api.get(url, {"cursor": text, "sort": "name"}).status_code == 200  # a name is text: a real position
    page = client_for(manager_a).get(HOME, {"team": filled_team_a.id, "cursor": text, "sort": "-overdue"})
    assert page.status_code == 400 and 'data-testid="invalid-cursor"' in page.text


def test_cursors_we_write_are_read_back_on_every_table_and_sort(api_for, manager_a, filled_team_a):
    """The validation refuses nothing the tables write: every next link of every sort is followed to the end."""
    from dashboards import selectors

    api = api_for(manager_a)
    tables = {
        "people": selectors.SORTS,
        "plans": selectors.PLAN_SORTS,
        "courses": selectors.COURSE_SORTS,
        "overdue": selectors.OVERDUE_SORTS,
        "lowest-scores": selectors.LOWEST_PAGE_SORTS,
    }
    for table, sorts in tables.items():
        for sort in [*sorts, *(f"-{s}" for s in sorts)]:
            url = f"/api/v1/dashboards/teams/{filled_team_a.id}/{table}/?sort={sort}&page_size=1"
            while url:
                response = api.get(url)
                assert response.status_code == 200, (table, sort)
                url = response.json()["next"]
