"""Issue 7 for trainers, in a real browser: a trainer opens /dashboard/courses/ and sees the headline figures of the
courses and plans they own and the charts drawn, each with its table alternative."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dashboards.models import OwnerSnapshot, OwnerStats
from dashboards.services import stats_repair
from tests.dashboards.test_trainer_dashboard import _world

pytestmark = pytest.mark.django_db(transaction=True)


def test_trainer_sees_headline_figures_and_charts(page, login, screenshot, team_a):
    mine, _theirs = _world(team_a, people=8, seed=21, attempts=30)
    stats_repair()
    row = OwnerStats.objects.get(owner_key=mine.id)
    OwnerSnapshot.objects.create(
        owner_key=mine.id,
        day=timezone.localdate() - timedelta(days=7),
        people=max(0, row.people - 2),
        enrollments=row.enrollments,
        completed=max(0, row.completed - 1),
    )

    login(mine.username)
    page.goto("/dashboard/courses/")
    headline = page.get_by_test_id("headline")
    expect(headline.locator("[data-key=people]")).to_have_text(str(row.people))
    expect(headline.locator("[data-key=active]")).to_have_text(str(row.enrollments - row.completed))
    expect(headline).to_contain_text("较上周 +2")
    for chart in ("chart-completion", "chart-distribution", "chart-radar-category", "chart-radar-competency"):
        canvas = page.locator(f"#{chart}")
        expect(canvas).to_have_attribute("data-rendered", "1")
        box = canvas.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 50, chart
    # the numbers of every chart are in a table next to it
    expect(page.get_by_test_id("completion-table").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("distribution-table").locator("tbody tr")).to_have_count(10)
    expect(page.get_by_test_id("mastery-table-category").locator("tbody tr")).to_have_count(6)
    expect(page.get_by_test_id("mastery-table-competency").locator("tbody tr")).to_have_count(4)
    page.get_by_test_id("distribution-table").locator("xpath=ancestor::details/summary").click()
    expect(page.get_by_test_id("distribution-table")).to_be_visible()
    # the course and plan tables are still there
    expect(page.get_by_test_id("course-stats")).to_be_visible()
    assert not [m for m in page.console_messages if m[0] == "error"]
    screenshot("trainer-dashboard")
