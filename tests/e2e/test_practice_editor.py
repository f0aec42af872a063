"""A trainer authors a scenario's script in the browser: adds a customer turn and branches with htmx, sees the
validator's message next to the field, fixes it and saves."""

import pytest
from playwright.sync_api import expect

from practice.models import Scenario

pytestmark = pytest.mark.django_db(transaction=True)


def test_trainer_adds_a_node_and_a_branch(page, login, screenshot, trainer):
    login(trainer.username)
    page.goto("/practice/manage/new/?mode=graph")
    page.locator("#id_code").fill("delivery-time")
    page.locator("#id_title").fill("交货期追问")
    page.locator("#id_persona_role").fill("采购经理")
    page.locator("#id_situation").fill("客户关心交货期")
    page.locator("#id_goal").fill("讲清交货安排")

    page.get_by_test_id("add-node").click()
    expect(page.get_by_test_id("node-2")).to_be_visible()
    expect(page.locator("#ed-nodes-2-id")).to_have_value("node3")
    page.locator("#ed-nodes-2-lines").fill("那你们的交货期是多久？")
    page.get_by_test_id("add-branch-2").click()
    expect(page.locator("#ed-nodes-2-branches-0-to")).to_be_visible()
    expect(page.locator("#ed-nodes-2-lines")).to_have_value("那你们的交货期是多久？")  # typed text kept
    page.locator("#ed-nodes-2-branches-0-to").fill("close")
    page.locator("#ed-nodes-2-branches-0-intents").fill("现货充足，下周就能到货")

    page.get_by_test_id("add-branch-0").click()
    expect(page.locator("#ed-nodes-0-branches-1-to")).to_be_visible()
    page.locator("#ed-nodes-0-branches-1-to").fill("node9")  # a typo
    page.locator("#ed-nodes-0-branches-1-keywords").fill("交货, 到货")

    # checking the script names the unknown node next to the field, and the new turn nobody reaches
    page.get_by_test_id("check-editor").click()
    expect(page.get_by_test_id("error-nodes-0-branches-1-to")).to_be_visible()
    expect(page.get_by_test_id("error-nodes-2-id")).to_be_visible()
    assert not Scenario.objects.filter(code="delivery-time").exists()
    screenshot("unknown-node")

    page.locator("#ed-nodes-0-branches-1-to").fill("node3")
    page.get_by_test_id("save-scenario").click()
    expect(page.get_by_test_id("mode-json")).to_be_visible()
    expect(page.get_by_test_id("editor-errors")).to_have_count(0)

    spec = Scenario.objects.get(code="delivery-time").spec
    node = next(n for n in spec["nodes"] if n["id"] == "node3")
    assert node["lines"] == ["那你们的交货期是多久？"]
    assert node["branches"] == [{"to": "close", "intents": ["现货充足，下周就能到货"], "keywords": []}]
    assert spec["nodes"][0]["branches"][1] == {"to": "node3", "intents": [], "keywords": ["交货", "到货"]}
    screenshot("saved")
    assert not [m for m in page.console_messages if m[0] == "error"]
