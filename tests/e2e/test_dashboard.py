"""Issue 7 in a real browser: a manager opens the team dashboard, sees the charts drawn, drills into a person,
assigns a remedial course and exports the people table as XLSX."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Category
from dashboards.models import PersonStats
from dashboards.selectors import PAGE_SIZE
from dashboards.services import stats_repair, stats_snapshot_week, week_start
from learning.models import Enrollment
from tests.dashboards.factories import add_people
from tests.dashboards.test_charts import give_scores
from tests.learning.factories import CourseFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_dashboard_drill_down_assign_and_export(
    page, login, screenshot, manager_a, team_a, sub_team_a, sales_a
):
    courses = [CourseFactory(title=f"课程{i}") for i in range(3)]
    remedial = CourseFactory(title="补救：需求挖掘")
    product_remedy = CourseFactory(title="补救：产品知识", category=Category.objects.get(code="product"))
    add_people(team_a, 6, courses=courses, seed=3)
    add_people(sub_team_a, 4, courses=courses, seed=4)
    stats_repair()
    give_scores(PersonStats.objects.filter(team__path__startswith=team_a.path).values_list("user_id", flat=True))
    stats_snapshot_week(week=week_start(timezone.localdate()) - timedelta(weeks=1))

    login(manager_a.username)
    page.goto("/dashboard/")
    assert team_a.name in page.get_by_test_id("team-name").inner_text()
    page.wait_for_selector("#chart-completion[data-rendered='1']")
    page.wait_for_selector("#chart-teams[data-rendered='1']")
    # the new charts are drawn, and their numbers are in the accessible tables next to them
    for chart in ("chart-distribution", "chart-radar-category", "chart-radar-competency"):
        expect(page.locator(f"#{chart}")).to_have_attribute("data-rendered", "1")
    expect(page.get_by_test_id("distribution-table").locator("tbody tr")).to_have_count(10)
    expect(page.get_by_test_id("mastery-table-category").locator("tbody tr")).to_have_count(6)
    expect(page.get_by_test_id("mastery-table-competency").locator("tbody tr")).to_have_count(4)
    scored = PersonStats.objects.filter(team__path__startswith=team_a.path, avg_score__isnull=False).count()
    # the lowest scores table loads through htmx when scrolled into view, a page (PAGE_SIZE) at a time
    page.locator("#lowest-title").scroll_into_view_if_needed()
    expect(page.get_by_test_id("lowest-table").locator("tbody tr")).to_have_count(min(scored, PAGE_SIZE))
    # filtered by a content category: people by their score in it, the export button carries the filter
    product = Category.objects.get(code="product")
    page.get_by_test_id("lowest-category").select_option("product")
    page.locator("form:has([data-testid=lowest-category])").get_by_role("button").click()
    expect(page.get_by_test_id("lowest-table").locator("thead")).to_contain_text(f"{product.name_zh}得分")
    expect(page.get_by_test_id("lowest-table").locator("tbody tr")).to_have_count(min(scored, PAGE_SIZE))
    expect(page.get_by_test_id("export-lowest_scores").locator("input[name=category]")).to_have_value("product")
    assert not [m for m in page.console_messages if m[0] == "error"]
    screenshot("dashboard")
    # the course table loads through htmx when scrolled into view, and sorts in place
    page.locator("#courses-title").scroll_into_view_if_needed()
    course_table = page.get_by_test_id("team-courses-table")
    expect(course_table.locator("tbody tr")).to_have_count(3)
    course_table.locator("thead a").nth(2).click()  # completion rate
    expect(page.get_by_test_id("team-courses-table").locator("tbody tr")).to_have_count(3)
    assert not [m for m in page.console_messages if m[0] == "error"]

    # team weak spot: product scores are low; one click assigns its remedy to the whole team
    weak = page.get_by_test_id("team-weak-spots")
    expect(weak).to_contain_text("补救：产品知识")
    weak.locator(f"[data-testid=weak-assign][data-course='{product_remedy.id}']").click()
    expect(page.get_by_test_id("team-name")).to_contain_text(team_a.name)
    members = PersonStats.objects.filter(team__path__startswith=team_a.path, is_active=True).count()
    assert Enrollment.objects.filter(course=product_remedy).count() == members
    assert (
        Enrollment.objects.filter(course=product_remedy, due_date=timezone.localdate() + timedelta(days=14)).count()
        == members
    )

    page.get_by_test_id("people-table").get_by_role("link", name="张三").click()
    page.wait_for_url(re.compile(r"/dashboard/people/\d+/"))
    assert page.get_by_test_id("person-name").inner_text() == "张三"
    expect(page.locator("#chart-radar-category")).to_have_attribute("data-rendered", "1")
    expect(page.get_by_test_id("mastery-table-competency").locator("tbody tr")).to_have_count(4)
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
