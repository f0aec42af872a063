"""The notification centre in a real browser: the unread badge, mark read with htmx, mark all read."""

import pytest

from notifications.services import notify

pytestmark = pytest.mark.django_db(transaction=True)


def test_reading_notifications_updates_the_badge(page, login, screenshot, sales_a, sales_b):
    for subject in ("a", "b"):
        notify(recipient=sales_a, kind="welcome", subject=subject)
    notify(recipient=sales_b, kind="welcome", subject="theirs")
    login(sales_a.username)
    badge = page.locator("#nav-unread-badge")
    assert badge.get_attribute("data-count") == "2"

    page.locator("[data-nav='notifications:list']").click()
    page.wait_for_load_state()
    assert page.locator("[data-unread]").count() == 2  # not sales_b's
    page.get_by_test_id("mark-read").first.click()  # htmx: the row and the badge change in place
    page.locator("[data-unread='0']").first.wait_for()
    assert page.locator("#nav-unread-badge").get_attribute("data-count") == "1"
    screenshot("one-read")

    page.get_by_test_id("read-all").click()
    page.wait_for_load_state()
    assert page.locator("[data-unread='1']").count() == 0
    assert page.locator("#nav-unread-badge").get_attribute("data-count") == "0"
