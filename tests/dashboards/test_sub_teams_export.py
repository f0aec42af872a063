"""The sub-teams table exports (CSV/XLSX, with the filters) like every other dashboard table; another team's
manager, a salesperson and a trainer get 404."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import services
from learning.models import Enrollment
from tests.factories import TeamFactory, make_salesperson

pytestmark = pytest.mark.django_db

START = reverse("dashboards:export_start")


def _setup(team_a, sub_team_a, courses):
    """Two sub-teams of team_a: sub_team_a (one completed, one overdue enrollment) and an empty one."""
    empty = TeamFactory(name="空白小组", parent=team_a)
    person = make_salesperson(sub_team_a)
    Enrollment.objects.create(user=person, course=courses[0], status=Enrollment.Status.COMPLETED, progress=100)
    Enrollment.objects.create(user=person, course=courses[1], status=Enrollment.Status.OVERDUE, progress=20)
    services.stats_repair()
    return empty


def _export(client, fmt, **params):
    response = client.post(START, {"table": "sub_teams", "format": fmt, **params})
    assert response.status_code == 302
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    raw = b"".join(client.get(reverse("dashboards:export_download", args=[job_id])).streaming_content)
    if fmt == "csv":
        assert raw.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    return [list(r) for r in load_workbook(io.BytesIO(raw), read_only=True).active.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_sub_teams_export_with_filters(client_for, manager_a, team_a, sub_team_a, courses, fmt):
    empty = _setup(team_a, sub_team_a, courses)
    client = client_for(manager_a)
    rows = _export(client, fmt, team=team_a.id)
    by_name = {r[0]: [str(v) if v is not None else "" for v in r] for r in rows[1:]}
    assert set(by_name) == {sub_team_a.name, empty.name}
    # people, enrollments, completed, completion %, overdue, people overdue, average progress %
    assert by_name[sub_team_a.name][2:9] == ["1", "2", "1", "50.0", "1", "1", "60.0"]
    assert by_name[empty.name][2:6] == ["0", "0", "0", ""]
    assert [r[0] for r in _export(client, fmt, team=team_a.id, overdue="on")[1:]] == [sub_team_a.name]
    assert [r[0] for r in _export(client, fmt, team=team_a.id, q="空白")[1:]] == [empty.name]
    page = client.get(reverse("dashboards:home"), {"team": team_a.id}).content.decode()
    assert 'data-testid="export-sub_teams"' in page


@pytest.mark.parametrize("who", ["manager_b", "sales_a", "trainer"])
def test_others_cannot_export_team_a_sub_teams(request, client_for, who, team_a, sub_team_a, courses):
    _setup(team_a, sub_team_a, courses)
    user = request.getfixturevalue(who)
    response = client_for(user).post(START, {"table": "sub_teams", "team": team_a.id, "format": "csv"})
    assert response.status_code == 404
