"""The practice journey in a real browser: a salesperson talks with the virtual customer (htmx), finishes and
reads the scorecard; their manager opens the transcript and adds a coaching comment."""

import pytest
from playwright.sync_api import expect

from practice.scenario_library import TOO_EXPENSIVE
from tests.practice.conftest import GOOD_REPLIES
from tests.practice.factories import ScenarioFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_practise_finish_and_manager_comments(page, login, screenshot, sales_a, manager_a):
    ScenarioFactory(code="too-expensive", title=TOO_EXPENSIVE["title"], spec=TOO_EXPENSIVE["spec"])
    login(sales_a.username)
    page.goto("/practice/")
    page.get_by_test_id("start-too-expensive").click()
    transcript = page.get_by_test_id("transcript")
    assert "太贵了" in transcript.inner_text()  # the customer speaks first

    for n, text in enumerate(GOOD_REPLIES[:3], start=1):
        page.get_by_test_id("reply-text").fill(text)
        page.get_by_test_id("send").click()
        expect(page.get_by_test_id("turn-customer")).to_have_count(n + 1)
        assert page.get_by_test_id("reply-text").input_value() == ""
    assert "质量好谁都会说" in transcript.inner_text()

    # a blank reply (bypassing the browser's own check) shows the server's message and keeps the transcript
    page.evaluate("document.getElementById('reply-text').removeAttribute('required')")
    page.get_by_test_id("reply-text").fill("   ")
    page.get_by_test_id("send").click()
    page.locator("#reply-error [role=alert]").wait_for()
    assert page.locator("[data-testid=turn-customer]").count() == 4

    page.reload()  # nothing lost on reload
    assert GOOD_REPLIES[2] in page.get_by_test_id("transcript").inner_text()

    page.get_by_test_id("reply-text").fill("")
    page.get_by_test_id("finish").click()
    page.wait_for_load_state()
    scorecard = page.get_by_test_id("scorecard")
    assert scorecard.is_visible()
    assert int(page.get_by_test_id("overall-score").inner_text()) > 0
    assert page.get_by_test_id("dimension-key_points").is_visible()
    assert "检测报告" in page.get_by_test_id("dimension-key_points").inner_text()
    assert page.get_by_test_id("drill").is_visible()
    screenshot("scorecard")
    session_url = page.url

    page.context.clear_cookies()
    login(manager_a.username)
    page.goto("/practice/team/")
    page.get_by_test_id("open-session").first.click()
    page.wait_for_load_state()
    assert page.url == session_url
    page.get_by_label("辅导评语").or_(page.get_by_label("Coaching comment")).fill("异议处理不错，下次记得约下一步。")
    page.get_by_test_id("add-comment").click()
    page.wait_for_load_state()
    assert "异议处理不错，下次记得约下一步。" in page.get_by_test_id("comments").inner_text()
    screenshot("manager-comment")
    assert not [m for m in page.console_messages if m[0] == "error"]
