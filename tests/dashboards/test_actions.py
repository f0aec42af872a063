"""Remediation (assign, nudge) and exports: idempotent, scoped, with field errors for bad input."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards.models import Nudge, PersonStats
from learning.models import Enrollment

pytestmark = pytest.mark.django_db

ASSIGN = reverse("dashboards:assign")
NUDGE = reverse("dashboards:nudge")
EXPORT = reverse("dashboards:export_start")


def _due(days=7):
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_assign_course_to_person_is_idempotent(client_for, manager_a, sales_a, courses, filled_team_a):
    client = client_for(manager_a)
    assert client.get(ASSIGN, {"person": sales_a.id}).status_code == 200
    for _ in range(2):
        response = client.post(ASSIGN, {"person": sales_a.id, "course": courses[0].id, "due_date": _due()})
        assert response.status_code == 302
    assert Enrollment.objects.filter(user=sales_a, course=courses[0]).count() == 1
    assert Enrollment.objects.get(user=sales_a, course=courses[0]).due_date.isoformat() == _due()


def test_assign_course_to_team_enrolls_subtree(
    client_for, manager_a, team_a, sub_team_a, courses, filled_team_a, django_capture_on_commit_callbacks
):
    from dashboards.services import stats_repair
    from tests.learning.factories import CourseFactory

    course = CourseFactory(title="补救课程")
    client = client_for(manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert client.post(ASSIGN, {"team": team_a.id, "course": course.id, "due_date": _due()}).status_code == 302
    members = PersonStats.objects.filter(team__path__startswith=team_a.path, is_active=True).count()
    assert Enrollment.objects.filter(course=course).count() == members
    enrolled_stats = PersonStats.objects.get(user_id=Enrollment.objects.filter(course=course).first().user_id)
    stats_repair()
    enrolled_stats_after = PersonStats.objects.get(user_id=enrolled_stats.user_id)
    assert enrolled_stats.enrollments == enrolled_stats_after.enrollments  # the hook already refreshed it


def test_assign_refuses_past_due_date_and_missing_course(client_for, manager_a, sales_a, courses):
    client = client_for(manager_a)
    response = client.post(ASSIGN, {"person": sales_a.id, "course": courses[0].id, "due_date": _due(-1)})
    assert response.status_code == 200
    assert "截止日期不能早于今天" in response.content.decode()
    response = client.post(ASSIGN, {"person": sales_a.id, "due_date": _due()})
    assert response.status_code == 200
    assert not Enrollment.objects.filter(user=sales_a).exists()


@pytest.mark.parametrize("who", ["manager_b", "sales_a"])
def test_assign_and_nudge_refused_outside_scope(request, client_for, who, sales_a, team_a, courses):
    client = client_for(request.getfixturevalue(who))
    assert client.get(ASSIGN, {"person": sales_a.id}).status_code == 404
    assert client.post(ASSIGN, {"team": team_a.id, "course": courses[0].id, "due_date": _due()}).status_code == 404
    assert client.post(NUDGE, {"team": team_a.id}).status_code == 404
    assert not Enrollment.objects.exists()


def test_nudge_overdue_once_a_day(client_for, manager_a, team_a, filled_team_a):
    overdue = PersonStats.objects.filter(team__path__startswith=team_a.path, overdue__gt=0).count()
    assert overdue > 0
    client = client_for(manager_a)
    client.post(NUDGE, {"team": team_a.id})
    client.post(NUDGE, {"team": team_a.id})
    assert Nudge.objects.filter(day=timezone.localdate()).count() == overdue


def _download(client, job_url):
    page = client.get(job_url)
    assert page.status_code == 200
    job_id = int(job_url.rstrip("/").rsplit("/", 1)[-1])
    return client.get(reverse("dashboards:export_download", args=[job_id]))


def test_csv_export_has_bom_and_respects_filters(client_for, manager_a, team_a, filled_team_a):
    client = client_for(manager_a)
    response = client.post(EXPORT, {"team": team_a.id, "format": "csv", "overdue": "on", "sort": "name"})
    assert response.status_code == 302
    download = _download(client, response["Location"])
    raw = b"".join(download.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    expected = PersonStats.objects.filter(team__path__startswith=team_a.path, is_active=True, overdue__gt=0)
    assert len(rows) - 1 == expected.count()
    assert all(int(r[5]) > 0 for r in rows[1:])
    assert rows[0][0] in ("Employee number", "工号", "员工编号")


def test_xlsx_export_runs_in_celery_above_the_limit(
    client_for, manager_a, team_a, filled_team_a, settings, django_capture_on_commit_callbacks
):
    from openpyxl import load_workbook

    from lms.models import Job

    settings.DASHBOARD_EXPORT_SYNC_LIMIT = 2
    client = client_for(manager_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(EXPORT, {"team": team_a.id, "format": "xlsx"})
    assert response.status_code == 302
    assert len(callbacks) == 1  # queued after commit; Celery runs eagerly in tests
    assert Job.objects.get(kind="dashboard_export").status == Job.Status.DONE
    download = _download(client, response["Location"])
    ws = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert ws.max_row - 1 == PersonStats.objects.filter(team__path__startswith=team_a.path, is_active=True).count()


def test_export_refused_for_other_manager(client_for, manager_a, manager_b, team_a, filled_team_a):
    assert client_for(manager_b).post(EXPORT, {"team": team_a.id, "format": "csv"}).status_code == 404
    response = client_for(manager_a).post(EXPORT, {"team": team_a.id, "format": "csv"})
    job_url = response["Location"]
    other = client_for(manager_b)
    assert other.get(job_url).status_code == 404
    assert other.get(job_url + "download/").status_code == 404


def test_export_api_start_poll_download(api_for, manager_a, manager_b, sales_a, team_a, filled_team_a):
    api = api_for(manager_a)
    bad = api.post("/api/v1/exports/", {"team": team_a.id, "format": "pdf"}, format="json")
    assert bad.status_code == 400 and "format" in bad.json()["error"]["fields"]
    response = api.post("/api/v1/exports/", {"team": team_a.id, "format": "csv"}, format="json")
    assert response.status_code == 202
    job = response.json()
    poll = api.get(f"/api/v1/exports/{job['id']}/").json()
    assert poll["status"] == "done" and poll["download"]
    file = api.get(f"/api/v1/exports/{job['id']}/download/")
    assert file.status_code == 200
    assert b"".join(file.streaming_content).startswith(b"\xef\xbb\xbf")
    assert api_for(manager_b).get(f"/api/v1/exports/{job['id']}/").status_code == 404
    assert (
        api_for(manager_b).post("/api/v1/exports/", {"team": team_a.id, "format": "csv"}, format="json").status_code
        == 404
    )
    assert api_for(sales_a).post(
        "/api/v1/exports/", {"team": team_a.id, "format": "csv"}, format="json"
    ).status_code in (403, 404)
