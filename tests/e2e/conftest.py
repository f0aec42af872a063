"""Playwright (the pip package) driving Debian's Chromium against pytest-django's live server.

Never `playwright install`: the browser is /usr/bin/chromium (or $CHROMIUM_PATH). Without it these tests skip
with a reason; CI installs it, so there they run. Screenshots go to test-artifacts/.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test itself are still
# plain synchronous code, so Django's async guard is lifted for the e2e tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium package to run e2e tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


# Every CSP violation is reported on the console: Chromium's own "Refused to ... Content Security Policy ..." line, and
# ours from a `securitypolicyviolation` listener added to every document before its scripts run.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("Content Security Policy violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " in " + e.sourceFile + ":" + e.lineNumber);
});
"""


def csp_violations(page) -> list[str]:
    """The CSP violations reported so far on this page (console messages naming the Content Security Policy)."""
    return [text for _type, text in page.console_messages if "content security policy" in text.lower()]


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15000)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda msg: page.console_messages.append((msg.type, msg.text)))
    request.node.e2e_page = page  # read by _no_csp_violations after the test
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _no_csp_violations(request):
    """After every e2e test that used a page: no Content-Security-Policy violation was reported."""
    yield
    page = getattr(request.node, "e2e_page", None)
    if page is None:
        return
    violations = csp_violations(page)
    assert not violations, "CSP violations reported in the browser console:\n" + "\n".join(violations)


@pytest.fixture
def login(page):
    """login(username, password) through the real login form."""

    def do(username: str, password: str = "pass-1234"):
        page.goto("/accounts/login/")
        page.get_by_label("用户名").or_(page.get_by_label("Username")).fill(username)
        page.get_by_label("密码").or_(page.get_by_label("Password")).fill(password)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
        return page

    return do


@pytest.fixture
def screenshot(page, request):
    def shot(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot
