"""`seed_demo` gives every demo manager a dashboard with plan rows, and a second run changes nothing."""

import io

import pytest
from django.core.management import call_command

from dashboards import selectors
from dashboards.models import TeamCourseStats, TeamPlanStats
from learning.models import Enrollment
from trainees.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_gives_managers_b_and_c_plan_and_course_rows_idempotently():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Enrollment.objects.count(), TeamPlanStats.objects.count(), TeamCourseStats.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Enrollment.objects.count(), TeamPlanStats.objects.count(), TeamCourseStats.objects.count()) == counts
    for username in ("manager_a", "manager_b", "manager_c"):
        manager = User.objects.get(username=username)
        team = selectors.dashboard_root_teams(user=manager)[0]
        plans = list(selectors.team_plans(team=team))
        assert plans and all(row.participants > 0 for row in plans), username
        assert selectors.team_courses(team=team).exists(), username
