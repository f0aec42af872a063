"""Exports of every dashboard table (people, overdue items, lowest scores, courses): content, filters, encoding,
scope (404 outside it), bad input (400 in the error shape), the Celery path with progress, bounded queries."""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dashboards import exports
from dashboards.models import PersonStats
from dashboards.services import dashboards_record_attempt, stats_repair
from learning.models import Enrollment
from lms.models import Job
from tests.dashboards.factories import add_people
from tests.factories import make_trainer

pytestmark = pytest.mark.django_db

START = reverse("dashboards:export_start")
API = "/api/v1/exports/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _job_id(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(response["Location"].rstrip("/").rsplit("/", 1)[-1])


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _download(client, job_id, fmt: str | None = None) -> bytes:
    response = client.get(reverse("dashboards:export_download", args=[job_id]))
    assert response.status_code == 200
    if fmt:  # as the API schema documents it, whatever the machine's mime.types says
        assert response["Content-Type"] == CONTENT_TYPES[fmt]
    return b"".join(response.streaming_content)


def _csv(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads Chinese correctly
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _xlsx(raw: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(raw), read_only=True).active
    return list(ws.iter_rows(values_only=True))


def _export(client, **data) -> list:
    response = client.post(START, data)
    raw = _download(client, _job_id(response), data["format"])
    return _csv(raw) if data["format"] == "csv" else _xlsx(raw)


def _overdue_q(team):
    today = timezone.localdate()
    from django.db.models import Q

    return (
        Enrollment.objects.filter(
            user__team__path__startswith=team.path,
            user__is_active=True,
            course__isnull=False,
            unenrolled_at__isnull=True,
        )
        .exclude(status=Enrollment.Status.COMPLETED)
        .filter(Q(status=Enrollment.Status.OVERDUE) | Q(due_date__lt=today))
    )


# --- content and filters -------------------------------------------------------------------------------------


def test_people_csv_filters_search_and_sort(manager_a, team_a, filled_team_a):
    client = _client(manager_a)
    rows = _export(client, table="people", team=team_a.id, format="csv", sort="name", q="s1")
    expected = list(
        PersonStats.objects.filter(team__path__startswith=team_a.path, is_active=True, user__username__contains="s1")
        .order_by("user__display_name", "user_id")
        .values_list("user__display_name", flat=True)
    )
    assert expected and [r[1] for r in rows[1:]] == expected
    assert len(rows[0]) == len(exports.TABLES["people"].columns)


def test_people_xlsx_has_header_and_rows(manager_a, team_a, filled_team_a):
    rows = _export(_client(manager_a), team=team_a.id, format="xlsx", overdue="on")  # `table` defaults to people
    assert rows[0][0] in ("Employee number", "工号", "员工编号")
    expected = PersonStats.objects.filter(team__path__startswith=team_a.path, is_active=True, overdue__gt=0)
    assert len(rows) - 1 == expected.count() > 0
    assert all(r[5] > 0 for r in rows[1:])  # numbers stay numbers


def test_overdue_items_export_lists_every_overdue_enrollment_of_the_subtree(
    manager_a, team_a, sub_team_a, team_b, courses, filled_team_a
):
    add_people(team_b, 3, courses=courses, seed=9)  # another team's overdue items stay out
    rows = _export(_client(manager_a), table="overdue", team=team_a.id, format="csv")
    expected = _overdue_q(team_a)
    assert len(rows) - 1 == expected.count() > 0
    names = {r[1] for r in rows[1:]}
    assert any(n.startswith(f"t{sub_team_a.id}") for n in names)  # sub-teams included
    assert not any(n.startswith(f"t{team_b.id}") for n in names)
    due = [r[4] for r in rows[1:]]
    dated = [d for d in due if d]
    assert due == sorted(dated) + [""] * (len(due) - len(dated))  # by due date, undated last

    only = _export(_client(manager_a), table="overdue", team=team_a.id, format="xlsx", q=courses[0].title)
    assert len(only) - 1 == expected.filter(course=courses[0]).count()
    assert {r[3] for r in only[1:]} == {courses[0].title}


def test_lowest_scores_export_sorts_people_by_average_score(manager_a, team_a, sales_a, filled_team_a):
    people = list(PersonStats.objects.filter(team__path__startswith=team_a.path).values_list("user_id", flat=True))
    scores = {people[0]: 35, people[1]: 90, people[2]: 60}
    for uid, score in scores.items():
        dashboards_record_attempt(user_id=uid, score=score, passed=score >= 60)
    dashboards_record_attempt(user_id=people[1], score=70, passed=True)  # average 80
    rows = _export(_client(manager_a), table="lowest_scores", team=team_a.id, format="xlsx")
    assert [r[3] for r in rows[1:]] == [35, 60, 80]  # only people with results, lowest first
    assert rows[1][4:7] == (1, 0, 0)  # attempts, passed, pass rate
    csv_rows = _export(_client(manager_a), table="lowest_scores", team=team_a.id, format="csv")
    assert [r[3] for r in csv_rows[1:]] == ["35.0", "60.0", "80.0"]


def test_courses_export_lists_the_trainers_own_courses(trainer, courses, filled_team_a):
    courses[0].owners.add(trainer)
    courses[1].owners.add(make_trainer(username="other_trainer"))
    stats_repair()
    client = _client(trainer)
    assert client.get(reverse("dashboards:courses")).status_code == 200
    rows = _export(client, table="courses", format="csv")
    assert [r[0] for r in rows[1:]] == [courses[0].title]
    stats = courses[0].stats
    assert rows[1][2:5] == [str(stats.enrollments), str(stats.completed), str(stats.completion_rate)]
    assert _export(client, table="courses", format="xlsx", q="不存在")[1:] == []


def test_csv_guards_formulas_and_xlsx_drops_control_characters(manager_a, team_a, courses):
    ids = add_people(team_a, 2, courses=courses, seed=5)
    from trainees.models import User

    User.objects.filter(id=ids[0]).update(display_name="=HYPERLINK(1)")
    User.objects.filter(id=ids[1]).update(display_name="坏\x01名字")
    stats_repair()
    client = _client(manager_a)
    names = {r[1] for r in _export(client, table="people", team=team_a.id, format="csv")[1:]}
    assert "'=HYPERLINK(1)" in names
    names = {r[1] for r in _export(client, table="people", team=team_a.id, format="xlsx")[1:]}
    assert "坏名字" in names and "=HYPERLINK(1)" in names  # an inline string, never a formula


def test_page_buttons_post_the_current_filters(manager_a, team_a, filled_team_a):
    client = _client(manager_a)
    page = client.get(reverse("dashboards:home"), {"team": team_a.id, "q": "s1", "overdue": "1"})
    html = page.content.decode()
    assert 'data-testid="export-people"' in html
    assert 'name="q" value="s1"' in html and 'name="overdue" value="on"' in html
    # the overdue table's buttons come with its htmx partial, and carry that table's own filters
    params = {"team": team_a.id, "partial": "overdue", "overdue_q": "s1", "overdue_days": "3", "overdue_sort": "name"}
    html = client.get(reverse("dashboards:home"), params).content.decode()
    assert 'data-testid="export-overdue"' in html
    assert 'name="q" value="s1"' in html and 'name="min_days" value="3"' in html and 'name="sort" value="name"' in html


# --- scope and bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["people", "overdue", "lowest_scores"])
def test_other_manager_gets_404_on_start_status_and_download(table, manager_a, manager_b, team_a, filled_team_a):
    other = _client(manager_b)
    assert other.post(START, {"table": table, "team": team_a.id, "format": "csv"}).status_code == 404
    job_id = _job_id(_client(manager_a).post(START, {"table": table, "team": team_a.id, "format": "csv"}))
    assert other.get(reverse("dashboards:export", args=[job_id])).status_code == 404
    assert other.get(reverse("dashboards:export_download", args=[job_id])).status_code == 404
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(manager_b)
    assert api.post(API, {"table": table, "team": team_a.id, "format": "csv"}, format="json").status_code == 404
    assert api.get(f"{API}{job_id}/").status_code == 404
    assert api.get(f"{API}{job_id}/download/").status_code == 404


def test_salesperson_and_manager_get_404_where_they_have_no_scope(
    client, api_for, manager_a, sales_a, team_a, filled_team_a
):
    sales = _client(sales_a)
    for table in ("people", "courses"):
        assert sales.post(START, {"table": table, "team": team_a.id, "format": "csv"}).status_code == 404
        assert api_for(sales_a).post(API, {"table": table, "team": team_a.id, "format": "x"}).status_code == 404
    # A manager who is not a trainer has no course table.
    assert _client(manager_a).post(START, {"table": "courses", "format": "csv"}).status_code == 404
    assert api_for(manager_a).post(API, {"table": "courses", "format": "csv"}, format="json").status_code == 404
    assert client.post(START, {"table": "people", "team": team_a.id, "format": "csv"}).status_code == 302  # login
    assert api_for(None).post(API, {"table": "people", "team": team_a.id, "format": "csv"}).status_code in (401, 403)
    assert not Job.objects.exists()


def test_unknown_table_or_format_is_400(api_for, manager_a, team_a, filled_team_a):
    api = api_for(manager_a)
    cases = [
        ({"table": "salaries", "team": team_a.id, "format": "csv"}, "table"),
        ({"table": "people", "team": team_a.id, "format": "pdf"}, "format"),
        ({"table": "people", "team": team_a.id, "format": "csv", "q": "长" * 101}, "q"),
        ({"table": "people", "team": team_a.id, "format": "csv", "sort": 0}, "sort"),  # JSON types as documented
        ({"table": "plans", "team": str(team_a.id), "format": "csv"}, "team"),
    ]
    for body, field in cases:
        response = api.post(API, body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()["error"]["fields"]
    assert api.post(API, {"table": "overdue", "format": "csv"}, format="json").status_code == 404  # no team
    # The page answers with a message, not a 500, and starts nothing.
    response = _client(manager_a).post(START, {"table": "salaries", "team": team_a.id, "format": "csv"})
    assert response.status_code == 302 and f"team={team_a.id}" in response["Location"]
    response = _client(manager_a).post(START, {"table": "people", "team": team_a.id, "format": "pdf"})
    assert response.status_code == 302
    assert not Job.objects.exists()


# --- the Celery path, progress and query counts --------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_large_export_runs_in_celery_with_progress(
    fmt, manager_a, team_a, filled_team_a, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.DASHBOARD_EXPORT_SYNC_LIMIT = 2
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 3)
    advances = []
    import lms.jobs

    real = lms.jobs.job_advance
    monkeypatch.setattr(lms.jobs, "job_advance", lambda **kw: advances.append(kw["by"]) or real(**kw))
    client = _client(manager_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(START, {"table": "overdue", "team": team_a.id, "format": fmt})
    job_id = _job_id(response)
    job = Job.objects.get(id=job_id)
    total = _overdue_q(team_a).count()
    assert job.status == Job.Status.PENDING and job.total == total > 3
    page = client.get(reverse("dashboards:export", args=[job_id]), headers={"HX-Request": "true"})
    assert b"hx-trigger" in page.content  # keeps polling while pending
    assert len(callbacks) == 1
    callbacks[0]()  # Celery runs eagerly in tests
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.done == total and job.result["rows"] == total
    assert sum(advances) == total
    if connection.vendor != "postgresql":
        assert len(advances) == -(-total // 3)  # every 3 rows, not every row
    else:
        assert len(advances) == 1  # COPY streams without a pause for queries: progress once, at the end
    raw = _download(client, job_id)
    assert len(_xlsx(raw) if fmt == "xlsx" else _csv(raw)) - 1 == total
    poll = _client(manager_a).get(reverse("dashboards:export", args=[job_id]), headers={"HX-Request": "true"})
    assert b"hx-trigger" not in poll.content and b"export-download" in poll.content


def test_worker_refuses_when_the_owner_lost_the_team(
    manager_a, team_a, filled_team_a, settings, django_capture_on_commit_callbacks
):
    settings.DASHBOARD_EXPORT_SYNC_LIMIT = 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job_id = _job_id(_client(manager_a).post(START, {"table": "people", "team": team_a.id, "format": "csv"}))
    team_a.managers.remove(manager_a)
    callbacks[0]()
    job = Job.objects.get(id=job_id)
    # no file; the result keeps only what the export page shows (its table and team, for the title and way back)
    assert job.status == Job.Status.FAILED and "file" not in job.result


@pytest.mark.parametrize("table", ["people", "overdue", "lowest_scores"])
def test_export_queries_do_not_grow_with_rows(table, manager_a, team_a, courses, settings):
    settings.DASHBOARD_EXPORT_SYNC_LIMIT = 10**6
    counts = []
    for n, seed in ((3, 11), (60, 12)):
        ids = add_people(team_a, n, courses=courses, seed=seed)
        stats_repair()
        for uid in ids:
            dashboards_record_attempt(user_id=uid, score=50 + uid % 40, passed=True)
        user = type(manager_a).objects.get(id=manager_a.id)  # no role cache carried over
        with CaptureQueriesContext(connection) as ctx:
            job = exports.export_start(user=user, table=table, fmt="csv", params={"team": team_a.id})
        assert job.status == Job.Status.DONE and job.result["rows"] > 0
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 12
