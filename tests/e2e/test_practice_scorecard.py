"""The scorecard on a phone (390 px): quotes and reasons wrap as text, never one character per line; a manager opens
the numbers, the salesperson has none to open."""

import pytest

from tests.practice.cards import finished_session
from tests.practice.factories import ScenarioFactory

pytestmark = pytest.mark.django_db(transaction=True)

# the narrowest box a line of text gets on the scorecard: a few Chinese characters at least, not one
NARROWEST = """() => Math.min(...[...document.querySelectorAll(
  "[data-testid=key-points] li, [data-testid=compliance-hit], [data-testid^=dimension-] > div, [data-testid=recommendations] li"
)].map((el) => el.getBoundingClientRect().width))"""


@pytest.mark.parametrize("who", ["sales_a", "manager_a"])
def test_the_scorecard_reads_on_a_phone(request, page, login, screenshot, sales_a, who):
    session = finished_session(user=sales_a, scenario=ScenarioFactory(code="phone"))
    login(request.getfixturevalue(who).username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/practice/sessions/{session.id}/")
    assert page.get_by_test_id("key-points").is_visible()
    assert page.evaluate(NARROWEST) > 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing pushes the page sideways
    numbers = page.get_by_test_id("score-numbers")
    if who == "manager_a":
        numbers.locator("summary").click()
        assert page.get_by_test_id("customer-trace").is_visible()
    else:
        assert numbers.count() == 0
    screenshot("phone")
