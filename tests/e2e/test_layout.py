"""Layout checks in Chromium over the demo data: on a 390 px phone no page a persona reaches scrolls sideways; at
1366 px the menu stays on one line; the phone menu opens and leads somewhere.

The pages are those the crawler (tests/lms/crawl.py) reaches from each persona's home page, one URL per pattern.
"""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from tests.lms import crawl
from trainees.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
# Sideways scroll of the document, in CSS pixels, that a page may have (sub-pixel rounding).
SLACK = 1


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _session_cookie(username: str, base_url: str) -> dict:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": base_url,
    }


def _pages_of(username: str) -> list[str]:
    client = Client()
    client.force_login(User.objects.get(username=username))
    result = crawl.crawl(client, per_route=1)
    return [path for path, status in result.visited.items() if status == 200 and path in result.texts]


def _context(browser, live_server, username, viewport, locale="zh-CN"):
    context = browser.new_context(
        base_url=live_server.url, locale=locale, timezone_id="Asia/Shanghai", viewport=viewport
    )
    context.set_default_timeout(15000)
    context.add_cookies([_session_cookie(username, live_server.url)])
    return context


WIDER_THAN_SCREEN = """() => {
  const SLACK = SLACK_PX;
  const doc = document.documentElement;
  if (doc.scrollWidth <= window.innerWidth + SLACK) return null;
  // The widest element that sticks out, to name in the failure.
  let worst = null;
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + SLACK && (!worst || r.right > worst.right)) {
      if (el.closest(".table-responsive, .overflow-auto, [data-scroll-x]") && getComputedStyle(el).position !== "absolute") continue;
      worst = {right: Math.round(r.right), tag: el.tagName.toLowerCase(), cls: el.className.toString().slice(0, 60),
               text: (el.innerText || "").trim().slice(0, 40)};
    }
  }
  return {scrollWidth: doc.scrollWidth, worst};
}""".replace("SLACK_PX", str(SLACK))


@pytest.mark.parametrize("username", ["sales01", "manager_a", "trainer"])
def test_no_page_scrolls_sideways_on_a_phone(demo, browser, live_server, username):
    pages = _pages_of(username)
    assert len(pages) >= 10, pages
    context = _context(browser, live_server, username, PHONE)
    page = context.new_page()
    wide = []
    for path in pages:
        page.goto(path)
        page.wait_for_load_state()
        found = page.evaluate(WIDER_THAN_SCREEN)
        if found:
            wide.append(f"{path}: {found}")
    context.close()
    assert not wide, f"{len(wide)} of {len(pages)} pages scroll sideways at 390 px:\n" + "\n".join(wide)


@pytest.mark.parametrize("username", ["admin", "trainer", "manager_a", "sales01"])
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_menu_fits_one_line_at_1366(demo, browser, live_server, username, locale):
    context = _context(browser, live_server, username, DESKTOP, locale=locale)
    page = context.new_page()
    if locale == "en-US":
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto("/")
    tops = page.eval_on_selector_all(
        "header .navbar-nav > .nav-item", "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )
    brand_top = page.eval_on_selector("header .navbar-brand", "e => e.getBoundingClientRect().top")
    height = page.eval_on_selector("header .navbar", "e => e.getBoundingClientRect().height")
    context.close()
    assert tops and max(tops) - min(tops) <= 4, tops
    assert height < 80, f"the menu is {height}px high: it wrapped"
    assert abs(brand_top - min(tops)) < 30


def test_the_phone_menu_opens_and_leads_to_a_page(demo, browser, live_server):
    context = _context(browser, live_server, "trainer", PHONE)
    page = context.new_page()
    page.goto("/")
    assert page.locator("[data-testid=home-todo]").is_visible()
    assert not page.locator("#main-nav").is_visible()
    page.locator(".navbar-toggler").click()
    page.locator("[data-nav-group=teaching] > a").click()
    item = page.locator("[data-nav-group=teaching] [data-nav='assessments:questions']")
    item.click()
    page.wait_for_load_state()
    assert page.url.endswith("/questions/")
    context.close()
