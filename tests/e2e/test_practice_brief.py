"""A trainer builds a role-play from a description in zh: who the customer is, the situation, the opening line and
two objections with what a good answer contains; checks it (the result appears beside the button), saves, clicks
试一试 and plays two turns against the customer the form described. The form fits a 390 px phone."""

import re

import pytest
from playwright.sync_api import expect

from practice import spec_builder
from practice.models import PracticeSession, Scenario

pytestmark = pytest.mark.django_db(transaction=True)


def test_trainer_builds_a_scenario_from_a_description_and_tries_it(page, login, screenshot, trainer):
    login(trainer.username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/practice/manage/new/")
    expect(page.get_by_test_id("brief-form")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scroll on a phone
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator("#id_title").fill("电缆报价太贵")
    page.locator("#id_code").fill("cable-price")
    page.locator("#id_persona_role").fill("采购经理（李经理）")
    page.locator("#id_persona_temperament").fill("精打细算，喜欢压价")
    page.locator("#id_situation").fill("你上周给客户报了电缆的价格，客户回电话说比别家贵。")
    page.locator("#id_goal").fill("讲清综合成本，约下一步")
    page.locator("#bf-brief-opening").fill("你们的报价比别家贵了百分之十五，太贵了。")
    page.locator("#bf-brief-objections-0-says").fill("便宜的那家也说质量没问题。")
    page.locator("#bf-brief-objections-0-answer").fill("讲清铜材纯度和使用寿命的差别")
    page.locator("#bf-brief-objections-0-examples").fill("同样规格下我们的铜材纯度更高，使用寿命长很多")
    page.get_by_test_id("brief-add-objection").click()  # htmx: a second row, what was typed is kept
    expect(page.locator("#bf-brief-objections-1-says")).to_be_visible()
    expect(page.locator("#bf-brief-objections-0-says")).to_have_value("便宜的那家也说质量没问题。")
    page.locator("#bf-brief-objections-1-says").fill("你怎么证明？")
    page.locator("#bf-brief-objections-1-answer").fill("给出第三方检测报告或工程案例")
    page.locator("#bf-brief-key_points-0-point").fill("说明综合成本更低")

    check = page.get_by_test_id("brief-check")
    check.click()
    ok = page.get_by_test_id("brief-ok")
    expect(ok).to_be_visible()
    button_box, ok_box = check.bounding_box(), ok.bounding_box()
    assert abs(ok_box["y"] - button_box["y"]) < 120  # beside the button, not somewhere mid-page
    assert not Scenario.objects.exists()  # checking saves nothing
    screenshot("checked")

    page.get_by_test_id("brief-save").click()
    expect(page).to_have_url(re.compile(r"/practice/manage/\d+/$"))
    scenario = Scenario.objects.get(code="cable-price")
    assert spec_builder.brief_applies(scenario.spec) and scenario.status == Scenario.Status.DRAFT
    expect(page.get_by_test_id("brief-form")).to_be_visible()  # re-opened: the form with what was typed
    expect(page.locator("#bf-brief-objections-1-says")).to_have_value("你怎么证明？")

    page.get_by_test_id("try-scenario").click()
    transcript = page.get_by_test_id("transcript")
    expect(transcript).to_contain_text("太贵了")
    expect(page.get_by_test_id("trial-badge")).to_be_visible()
    page.get_by_test_id("reply-text").fill("李经理您好，理解您对价格的关注。")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("turn-customer")).to_have_count(2)
    expect(transcript).to_contain_text("便宜的那家也说质量没问题。")  # the first objection
    page.get_by_test_id("reply-text").fill("同样规格下我们的铜材纯度更高，使用寿命长很多。")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("turn-customer")).to_have_count(3)
    expect(transcript).to_contain_text("你怎么证明？")  # answered: the second objection
    assert PracticeSession.objects.get(user=trainer).is_trial
    screenshot("trial")
    assert not [m for m in page.console_messages if m[0] == "error"]
