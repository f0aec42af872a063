"""Practice on a 390 px phone (issue 19): the practice home, a coached scorecard and the team tables never scroll the
page sideways; the Ctrl+Enter hint shows only where there is a keyboard and a fine pointer."""

import pytest

from practice import demo, services
from practice.models import Scenario
from tests.factories import make_salesperson
from tests.practice.cards import finished_session
from tests.practice.factories import ScenarioFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "document.documentElement.scrollWidth"
# the narrowest cell of the practice tables: a name gets a few characters per line, never one
NARROWEST_NAME = """() => Math.min(...[...document.querySelectorAll(
  "[data-testid=team-summary] tbody td:first-child, [data-testid=team-sessions] tbody td:nth-child(2)"
)].map((el) => el.getBoundingClientRect().width))"""


def _phone_context(browser, live_server):
    """A phone: touch, no mouse (so `(hover: hover) and (pointer: fine)` does not match)."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=3,
    )
    context.set_default_timeout(15000)
    return context


def _login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").or_(page.get_by_label("Username")).fill(username)
    page.get_by_label("密码").or_(page.get_by_label("Password")).fill("pass-1234")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_practice_home_and_a_coached_scorecard_fit_a_phone(page, login, screenshot, sales_a, manager_a):
    demo.seed()
    Scenario.objects.update(status=Scenario.Status.PUBLISHED)
    session = finished_session(user=sales_a, scenario=ScenarioFactory(code="phone-coached"))
    services.comment_add(session=session, author=manager_a, body="开场很自然。下次先问清楚预算范围，再讲价值。" * 3)
    services.score_override(
        session=session,
        author=manager_a,
        changes={
            "close": {"score": 40, "reason": "没有约定具体的下一步时间，https://example.com/a/very/long/path/x" * 2}
        },
    )
    login(sales_a.username)
    page.set_viewport_size(PHONE)
    page.goto("/practice/")
    assert page.get_by_test_id("scenario-card").count() >= 2
    assert page.evaluate(PAGE_WIDTH) <= 390
    screenshot("home")
    page.goto(f"/practice/sessions/{session.id}/")
    assert page.get_by_test_id("adjusted-close").is_visible()
    assert page.get_by_test_id("comment").is_visible()
    assert page.evaluate(PAGE_WIDTH) <= 390
    screenshot("scorecard")
    page.goto("/practice/history/")
    assert page.evaluate(PAGE_WIDTH) <= 390


def test_team_tables_scroll_inside_their_box_with_readable_names(page, login, screenshot, team_a, manager_a):
    scenario = ScenarioFactory(code="phone-team", title="客户异议：价格太贵了，竞争对手便宜百分之十五")
    for i in range(3):
        person = make_salesperson(team_a, username=f"phone{i}", display_name=f"欧阳长名字{i}号")
        finished_session(user=person, scenario=scenario)
    login(manager_a.username)
    page.set_viewport_size(PHONE)
    page.goto("/practice/team/")
    assert page.get_by_test_id("team-summary").is_visible()
    assert page.evaluate(PAGE_WIDTH) <= 390
    assert page.evaluate(NARROWEST_NAME) >= 90  # at least 7rem: several characters per line
    assert page.get_by_test_id("team-summary").locator("xpath=..").evaluate("el => el.scrollWidth > el.clientWidth")
    screenshot("team")


def test_the_ctrl_enter_hint_shows_on_a_desktop_only(browser, live_server, page, login, sales_a):
    scenario = ScenarioFactory(code="phone-hint")
    session = services.session_start(user=sales_a, scenario=scenario)
    login(sales_a.username)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/practice/sessions/{session.id}/")
    assert page.evaluate("matchMedia('(hover: hover) and (pointer: fine)').matches")  # headless Chromium: a mouse
    assert page.get_by_test_id("kbd-hint").is_visible()
    context = _phone_context(browser, live_server)
    try:
        phone = context.new_page()
        _login(phone, sales_a.username)
        phone.goto(f"/practice/sessions/{session.id}/")
        assert phone.get_by_test_id("reply-text").is_visible()
        assert not phone.evaluate("matchMedia('(hover: hover) and (pointer: fine)').matches")
        assert phone.get_by_test_id("kbd-hint").is_hidden()
        assert phone.evaluate(PAGE_WIDTH) <= 390
    finally:
        context.close()
