"""The script editor under the CSP: after a refused save, rows added and removed with htmx report no violation, even
when the trainer has dragged a textarea taller (the browser keeps that size as an inline style on the element; htmx
used to copy it onto the swapped-in field with setAttribute("style"), which the CSP refuses)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import csp_violations

pytestmark = pytest.mark.django_db(transaction=True)


def drag_taller(page, locator, by: int = 80) -> None:
    """Drag the textarea's resize handle (bottom-right corner) down, as a trainer does to see long lines."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] - 5, box["y"] + box["height"] - 5
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + by, steps=5)
    page.mouse.up()


def test_rows_added_and_removed_after_a_refused_save_report_no_csp_violation(page, login, screenshot, trainer):
    login(trainer.username)
    page.goto("/practice/manage/new/?mode=graph")
    page.locator("#id_code").fill("csp-editor")
    page.locator("#id_title").fill("交货期追问")
    page.locator("#id_persona_role").fill("采购经理")
    page.locator("#id_situation").fill("客户关心交货期")
    page.locator("#id_goal").fill("讲清交货安排")
    page.get_by_test_id("add-branch-0").click()
    expect(page.locator("#ed-nodes-0-branches-1-to")).to_be_visible()
    page.locator("#ed-nodes-0-branches-1-to").fill("node9")  # a typo: the save is refused

    page.get_by_test_id("save-scenario").click()
    expect(page.get_by_test_id("error-nodes-0-branches-1-to")).to_be_visible()
    assert csp_violations(page) == []

    lines = page.locator("#ed-nodes-0-lines")
    drag_taller(page, lines)
    assert "height" in (lines.get_attribute("style") or "")  # the browser's own resize, allowed by the CSP

    page.get_by_test_id("add-node").click()
    expect(page.get_by_test_id("node-2")).to_be_visible()
    page.get_by_test_id("add-objection").click()
    expect(page.locator("[data-testid^=objection-]")).not_to_have_count(0)
    drag_taller(page, page.locator("#ed-nodes-2-lines"))
    page.locator("[data-testid=branch-0-1] button[value=remove-branch-0-1]").click()
    expect(page.get_by_test_id("branch-0-1")).to_have_count(0)
    page.locator("[data-testid=node-2] button[value=remove-node-2]").click()
    expect(page.get_by_test_id("node-2")).to_have_count(0)
    page.get_by_test_id("check-editor").click()  # the new empty objection is reported next to its fields
    expect(page.get_by_test_id("editor-errors")).to_be_visible()
    screenshot("after-rows")
    assert csp_violations(page) == []
    assert page.evaluate("() => htmx.config.attributesToSettle.includes('style')") is False
