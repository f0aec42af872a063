"""Page templates stay CSP-clean: the policy (settings.SECURE_CSP) refuses inline styles, inline event handlers and
scripts without the request nonce, so no page template may contain them. Dynamic widths use `data-progress`
(static/js/progress.js). E-mail templates are exempt: they are not served under the policy."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
EXEMPT = ("notifications/email/", "registration/email/")

INLINE_STYLE = re.compile(r"""\sstyle\s*=""", re.I)
EVENT_HANDLER = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*)\s*=""", re.I)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
STYLE_TAG = re.compile(r"<style\b([^>]*)>", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def page_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        rel = path.relative_to(TEMPLATES).as_posix()
        if not rel.startswith(EXEMPT):
            yield rel


def problems(text: str) -> list[str]:
    found = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if INLINE_STYLE.search(line):
            found.append(f"{lineno}: inline style attribute")
        if EVENT_HANDLER.search(line):
            found.append(f"{lineno}: inline event handler")
        if JS_URL.search(line):
            found.append(f"{lineno}: javascript: URL")
        for name, tag in (("script", SCRIPT_TAG), ("style", STYLE_TAG)):
            for m in tag.finditer(line):
                attrs = m.group(1)
                if "src=" not in attrs and "nonce=" not in attrs:
                    found.append(f"{lineno}: inline <{name}> without the request nonce")
    return found


@pytest.mark.parametrize("name", list(page_templates()))
def test_template_has_nothing_the_csp_refuses(name):
    assert problems((TEMPLATES / name).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "snippet",
    [
        '<div class="progress-bar" style="width: 40%"></div>',
        '<button onclick="go()">x</button>',
        '<div hx-on:click="go()">x</div>',
        "<script>go()</script>",
        "<style>p{color:red}</style>",
        '<a href="javascript:go()">x</a>',
    ],
)
def test_the_check_catches_what_the_csp_refuses(snippet):
    assert problems(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        '<div class="progress-bar" data-progress="40"></div>',
        '<script src="/static/js/progress.js"></script>',
        '<script nonce="{{ csp_nonce }}">x()</script>',
        '<button data-action="go">x</button>',
    ],
)
def test_the_check_lets_csp_clean_markup_through(snippet):
    assert problems(snippet) == []
