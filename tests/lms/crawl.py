"""A crawler for the persona checks (tests/lms/test_crawl.py): from the home page, follow every link and GET form a
person can reach, in one language, with Django's test client; report dead ends, server errors and UI text left in
the other language.

What it follows: `<a href>` and GET `<form action>` (submitted with the values the form shows) on the same site,
except the admin (Django's own pages), the API, static and media files and the logout/language switch. At most
`PER_ROUTE` URLs of one URL pattern are opened (the 40 people pages of a team tell nothing the first three don't),
and at most `MAX_PAGES` in all. A POST form is checked, not sent: its action must be a URL of the project.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import polib
from django.urls import Resolver404, resolve

PER_ROUTE = 3
MAX_PAGES = 400
SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/i18n/", "/accounts/logout/", "/jsi18n/")
SKIP_TEXT_TAGS = {"script", "style", "code", "pre", "textarea", "kbd", "samp"}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Two English words in a row (a phrase of UI text), once the names of formats and products below are taken out.
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z][a-z]+(?:[ '-]+[A-Za-z][a-z]+)+\b")
# Words a Chinese page may show in Latin letters: file formats, products, standards, units, abbreviations.
LATIN_TERMS = re.compile(
    r"\b(?:Excel|Word|PDF|CSV|XLSX|DOCX|GIFT|Aiken|iCal|ICS|UTF-8|GBK|API|REST|JSON|OpenAPI|Swagger|Redoc|Django|"
    r"HTML|URL|QR|NPS|CRM|Ctrl|Enter|Shift|Tab|Esc|PostgreSQL|SQLite|Redis|Celery|Moodle|Chromium|Markdown|"
    r"Token|ID|AI|B2B|B2C|KPI|SMTP|TLS|MIME|IP|OK|Nginx|e-mail|email|Email|Bearer)\b",
)


@dataclass
class Page:
    links: list[str] = field(default_factory=list)
    get_forms: list[str] = field(default_factory=list)
    post_actions: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.page = Page()
        self._skip = 0
        self._no_translate = 0
        self._stack: list[tuple[str, bool, bool]] = []
        self._form: dict | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        skip = tag in SKIP_TEXT_TAGS
        # Marked as not UI text: translate="no", or a `lang` of its own (the language switcher names each language
        # in that language).
        no_translate = a.get("translate") == "no" or ("lang" in a and tag != "html")
        if tag not in {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col", "area", "base"}:
            self._stack.append((tag, skip, no_translate))
            self._skip += skip
            self._no_translate += no_translate
        for attr in ("title", "placeholder", "aria-label", "alt"):
            if a.get(attr) and not self._no_translate:
                self.page.texts.append(a[attr])
        if tag == "a" and a.get("href"):
            self.page.links.append(urljoin(self.base, a["href"]))
        elif tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = {"method": method, "action": urljoin(self.base, a.get("action") or self.base), "data": []}
        elif self._form is not None and tag in ("input", "button") and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "image", "reset"):
                self._form["data"].append((a["name"], a.get("value") or ""))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "first": None, "chosen": None}
        elif self._select is not None and tag == "option":
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"] = value

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            s = self._select
            value = s["chosen"] if s["chosen"] is not None else s["first"]
            if value is not None:
                self._form["data"].append((s["name"], value))
            self._select = None
        if tag == "form" and self._form is not None:
            form = self._form
            if form["method"] == "get":
                query = urlencode([(k, v) for k, v in form["data"] if v != ""])
                self.page.get_forms.append(form["action"].split("?")[0] + (f"?{query}" if query else ""))
            else:
                self.page.post_actions.append(form["action"])
            self._form = None
        while self._stack:
            name, skip, no_translate = self._stack.pop()
            self._skip -= skip
            self._no_translate -= no_translate
            if name == tag:
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skip and not self._no_translate:
            self.page.texts.append(text)


def parse(html: str, base: str) -> Page:
    parser = _Parser(base)
    parser.feed(html)
    parser.close()
    return parser.page


def same_site_path(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != "testserver"):
        return None
    path = parts.path or "/"
    if path.startswith(SKIP_PREFIXES):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def route_of(path: str) -> str | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


@dataclass
class Catalogue:
    """Our zh-hans catalogue: UI msgids and their Chinese, to tell UI text from data."""

    msgids: dict[str, str]  # English msgid -> Chinese

    @classmethod
    def load(cls, base: Path) -> Catalogue:
        po = polib.pofile(str(base / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
        pairs = {}
        for entry in po:
            if entry.obsolete or not entry.msgstr or "%" in entry.msgid or "{" in entry.msgid:
                continue
            pairs[entry.msgid.strip()] = entry.msgstr.strip()
        return cls(msgids=pairs)

    @property
    def chinese(self) -> set[str]:
        # Chinese of our UI strings; only those that never stand for data (more than one character).
        return {zh for en, zh in self.msgids.items() if len(zh) > 1 and zh != en}


def english_left(texts: list[str], catalogue: Catalogue) -> list[str]:
    """UI text in English on a Chinese page: a string of our catalogue shown untranslated, or an English phrase."""
    found = []
    for text in texts:
        if CJK.search(text):
            continue
        if text in catalogue.msgids and catalogue.msgids[text] != text:
            found.append(text)
            continue
        if ENGLISH_PHRASE.search(LATIN_TERMS.sub(" ", text)):
            found.append(text)
    return found


def chinese_left(texts: list[str], chinese_ui: set[str]) -> list[str]:
    """UI text in Chinese on an English page: the Chinese of one of our UI strings, shown as a whole text."""
    return [text for text in texts if text in chinese_ui]


def data_strings(limit_per_model: int = 20000) -> set[str]:
    """Every text stored in the database (names, titles, job titles, scenario texts, JSON leaves): what a page shows
    of these is data in whatever language it was written, not UI text."""
    from django.apps import apps
    from django.db import models

    found: set[str] = set()

    def add(value) -> None:
        if isinstance(value, str):
            text = " ".join(value.split())
            if text:
                found.add(text)
        elif isinstance(value, dict):
            for v in value.values():
                add(v)
        elif isinstance(value, list):
            for v in value:
                add(v)

    for model in apps.get_models():
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        if names:
            for row in model._default_manager.values_list(*names)[:limit_per_model]:
                for value in row:
                    add(value)
    return found


def is_data(text: str, data: set[str]) -> bool:
    """The text is stored data, or holds some (a title and a company joined by " · ")."""
    if text in data:
        return True
    return any(part.strip() in data for part in re.split(r" · |：|: |/|，|, ", text) if part.strip())


@dataclass
class Result:
    visited: dict[str, int] = field(default_factory=dict)  # path -> status
    problems: list[str] = field(default_factory=list)
    texts: dict[str, list[str]] = field(default_factory=dict)  # path -> UI texts of an HTML page


def crawl(client, *, start: str = "/", max_pages: int = MAX_PAGES, per_route: int = PER_ROUTE) -> Result:
    result = Result()
    queue: deque[tuple[str, str]] = deque([(start, "(start)")])
    seen: set[str] = {start}
    opened: dict[str, int] = {}
    while queue and len(result.visited) < max_pages:
        path, source = queue.popleft()
        route = route_of(path)
        if route is None:
            result.problems.append(f"{path}: no such URL (linked from {source})")
            continue
        opened[route] = opened.get(route, 0) + 1
        if opened[route] > per_route:
            continue
        response = client.get(path)
        status = response.status_code
        result.visited[path] = status
        if status in (301, 302, 303, 307, 308):
            target = same_site_path(urljoin(path, response["Location"]))
            if target and target not in seen and not target.startswith("/accounts/login/"):
                seen.add(target)
                queue.append((target, path))
            elif target and target.startswith("/accounts/login/"):
                result.problems.append(f"{path}: sends a signed-in person to the login page (from {source})")
            continue
        if status >= 400:
            result.problems.append(f"{path}: {status} (linked from {source})")
            continue
        content_type = response.get("Content-Type", "")
        if "text/html" not in content_type:
            if getattr(response, "streaming", False):
                response.close()
            continue
        html = response.content.decode(response.charset or "utf-8", "replace")
        if "technical_500" in html or "Traceback (most recent call last)" in html or 'id="traceback"' in html:
            result.problems.append(f"{path}: Django's debug page (from {source})")
        page = parse(html, path)
        result.texts[path] = page.texts
        for action in page.post_actions:
            target = same_site_path(action)
            if target and route_of(target) is None:
                result.problems.append(f"{path}: a form posts to {target}, which is no URL of the project")
        for url in page.links + page.get_forms:
            target = same_site_path(url.split("#")[0])
            if target and target not in seen:
                seen.add(target)
                queue.append((target, path))
    return result
