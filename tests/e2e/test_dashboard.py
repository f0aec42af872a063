"""Issue 7 in a real browser: a manager opens the team dashboard, sees the charts drawn, drills into a person,
assigns a remedial course and exports the people table as XLSX."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.dashboards.factories import add_people
from tests.learning.factories import CourseFactory
from trainees.dashboards.services import stats_repair, stats_snapshot_week, week_start
from trainees.models import Enrollment

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_dashboard_drill_down_assign_and_export(
    page, login, screenshot, manager_a, team_a, sub_team_a, sales_a
):
    courses = [CourseFactory(title=f"课程{i}") for i in range(3)]
    remedial = CourseFactory(title="补救：需求挖掘")
    add_people(team_a, 6, courses=courses, seed=3)
    add_people(sub_team_a, 4, courses=courses, seed=4)
    stats_repair()
    stats_snapshot_week(week=week_start(timezone.localdate()) - timedelta(weeks=1))

    login(manager_a.username)
    page.goto("/dashboard/")
    assert team_a.name in page.get_by_test_id("team-name").inner_text()
    page.wait_for_selector("#chart-completion[data-rendered='1']")
    page.wait_for_selector("#chart-teams[data-rendered='1']")
    assert not [m for m in page.console_messages if m[0] == "error"]
    screenshot("dashboard")

    page.get_by_test_id("people-table").get_by_role("link", name="张三").click()
    page.wait_for_url(re.compile(r"/dashboard/people/\d+/"))
    assert page.get_by_test_id("person-name").inner_text() == "张三"
    page.get_by_test_id("assign-person").click()
    page.get_by_label("课程").select_option(label=remedial.title)
    page.get_by_label("截止日期").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    page.get_by_test_id("assign-submit").click()
    page.wait_for_url(re.compile(r"/dashboard/people/\d+/"))
    assert remedial.title in page.get_by_test_id("person-enrollments").inner_text()
    assert Enrollment.objects.filter(user=sales_a, course=remedial).count() == 1
    screenshot("person")

    page.goto(f"/dashboard/?team={team_a.id}")
    page.get_by_test_id("export-xlsx").click()
    page.wait_for_selector("[data-testid=export-status][data-job-status=done]")
    with page.expect_download() as info:
        page.get_by_test_id("export-download").click()
    assert info.value.suggested_filename.endswith(".xlsx")
