"""A trainer builds a six-day plan from a template in Chromium, drags a session to another day, sees a trainer
clash warning, publishes, and downloads the .ics."""

import datetime as dt

import icalendar
import pytest
from playwright.sync_api import expect

from courses import plan_demo
from courses.models import Session, TrainingPlan
from tests.courses.plan_factories import PlanFactory, SessionFactory, t
from tests.factories import make_trainer

pytestmark = pytest.mark.django_db(transaction=True)

START = dt.date(2026, 12, 7)


def test_trainer_builds_publishes_and_exports_a_plan(page, login, screenshot, trainer):
    plan_demo.seed_templates()
    general = TrainingPlan.objects.get(is_template=True, title__contains="六日")
    # Another trainer's published plan already books our trainer on the first morning.
    colleague = make_trainer(username="colleague", display_name="吴海涛")
    busy = PlanFactory(owners=[colleague], start_date=START, status=TrainingPlan.Status.PUBLISHED, title="大客户研讨")
    SessionFactory(plan=busy, day=1, start_time=t("09:30"), end_time=t("11:00"), trainer=trainer, title="大客户案例")

    login(trainer.username)
    page.goto("/plans/new/")
    page.locator("#id_template").select_option(str(general.pk))
    page.locator("#id_title").fill("华东区新人六日培训")
    page.locator("#id_start_date").fill(START.isoformat())
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/edit/")
    plan = TrainingPlan.objects.get(title="华东区新人六日培训")
    assert plan.sessions.count() == general.sessions.count() and plan.days == 6
    screenshot("builder")

    # Drag the last session of day 1 (team building, outdoors) to day 2 by its handle.
    moved = plan.sessions.filter(day=1).order_by("-start_time").first()
    card = page.get_by_test_id(f"session-{moved.pk}")
    handle = card.locator(".drag-handle")
    target = page.get_by_test_id("day-2").locator(".day-list")
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    tbox = target.bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + 5, steps=5)
    page.mouse.move(tbox["x"] + tbox["width"] / 2, tbox["y"] + tbox["height"] - 10, steps=25)
    with page.expect_response(lambda r: f"/sessions/{moved.pk}/move/" in r.url):
        page.mouse.up()
    page.get_by_test_id("day-2").get_by_test_id(f"session-{moved.pk}").wait_for()
    moved.refresh_from_db()
    assert moved.day == 2
    screenshot("after-drag")

    # The keyboard alternative: "move to day N". Into a room already taken at that time: refused, with a message.
    clashing = plan.sessions.filter(day=2).order_by("start_time").first()
    clashing_card = page.get_by_test_id(f"session-{clashing.pk}")
    clashing_card.locator("select[name=day]").select_option("3")
    with page.expect_response(lambda r: f"/sessions/{clashing.pk}/move/" in r.url):
        clashing_card.locator("form button[type=submit]").click()
    page.get_by_test_id("board-error").wait_for()
    clashing.refresh_from_db()
    assert clashing.day == 2
    # Into a free room: moved.
    other = plan.sessions.get(day=2, start_time=t("13:30"))
    other_card = page.get_by_test_id(f"session-{other.pk}")
    other_card.locator("select[name=day]").select_option("3")
    with page.expect_response(lambda r: f"/sessions/{other.pk}/move/" in r.url):
        other_card.locator("form button[type=submit]").click()
    page.get_by_test_id("day-3").get_by_test_id(f"session-{other.pk}").wait_for()
    # Focus follows the moved session, so keyboard users keep their place.
    # (A locator assertion, not wait_for_function with a string: that is evaluated with eval(), which our CSP
    # rightly refuses.)
    expect(page.get_by_test_id(f"session-{other.pk}")).to_be_focused()

    # Give the first session of day 1 to our trainer: they are booked elsewhere then, so a warning shows.
    first = plan.sessions.filter(day=1).order_by("start_time").first()
    page.get_by_test_id(f"session-{first.pk}").locator("button[hx-get*='/edit/']").click()
    form = page.get_by_test_id("session-form")
    form.locator("#session_trainer").select_option(str(trainer.pk))
    form.locator("button[type=submit]").click()
    page.get_by_test_id("saved-with-warning").wait_for()
    warning = page.get_by_test_id(f"clash-{first.pk}")
    warning.wait_for()
    assert "大客户案例" in warning.inner_text()
    screenshot("clash-warning")

    # A bad edit shows its message next to the field and saves nothing.
    page.get_by_test_id(f"session-{first.pk}").locator("button[hx-get*='/edit/']").click()
    form = page.get_by_test_id("session-form")
    form.locator("#session_end_time").fill("08:00")
    form.locator("button[type=submit]").click()
    page.locator("[data-field-error=end_time]").wait_for()
    first.refresh_from_db()
    assert first.end_time > first.start_time

    # Publishing asks first: what it does, the checklist, and the conflicts (the trainer clash above) to accept.
    page.get_by_test_id("publish").click()
    page.wait_for_url(f"**/plans/{plan.pk}/publish/")
    assert page.get_by_test_id("conflict-trainer").count() >= 1
    plan.refresh_from_db()
    assert plan.status == "draft"
    screenshot("publish-confirm")
    page.locator("#accept-conflicts").check()
    page.get_by_test_id("publish-confirm").click()
    page.wait_for_url(f"**/plans/{plan.pk}/")
    plan.refresh_from_db()
    assert plan.status == "published"
    screenshot("published")

    with page.expect_download() as download_info:
        page.get_by_test_id("ics-link").click()
    path = download_info.value.path()
    cal = icalendar.Calendar.from_ical(open(path, "rb").read())  # noqa: SIM115
    events = cal.walk("VEVENT")
    assert len(events) == Session.objects.filter(plan=plan).count()
    assert {e.decoded("DTSTART").date() for e in events} <= {START + dt.timedelta(days=i) for i in range(6)}
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert not [m for m in page.console_messages if m[0] == "error"]
