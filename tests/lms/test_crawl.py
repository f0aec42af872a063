"""Every persona, in Chinese and in English, follows every link and form reachable from their home page on the demo
data: no dead end (4xx), no server error, no Django debug page, no UI text left in the other language.

The crawler is in tests/lms/crawl.py (what it follows and what it skips). A failure lists every problem found, per
persona and language, with the page that linked to it.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from tests.lms import crawl
from trainees.models import User

BASE = Path(settings.BASE_DIR)
PERSONAS = ("sales01", "trainer", "manager_a", "admin")
LANGUAGES = ("zh-hans", "en")


@pytest.fixture(scope="module")
def catalogue():
    return crawl.Catalogue.load(BASE)


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def _client(username: str, language: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_every_persona_walks_every_page_without_a_dead_end_in_both_languages(demo, catalogue):
    problems: list[str] = []
    walked: dict[tuple[str, str], int] = {}
    chinese_ui = catalogue.chinese
    data = crawl.data_strings()
    for username in PERSONAS:
        for language in LANGUAGES:
            result = crawl.crawl(_client(username, language))
            walked[(username, language)] = len(result.visited)
            problems += [f"[{username} {language}] {p}" for p in result.problems]
            for path, texts in result.texts.items():
                left = (
                    crawl.english_left(texts, catalogue)
                    if language == "zh-hans"
                    else crawl.chinese_left(texts, chinese_ui)
                )
                left = [t for t in dict.fromkeys(left) if not crawl.is_data(t, data)]
                problems += [f"[{username} {language}] {path}: untranslated {t!r}" for t in left]
    # The walk reached the pages of each role (a crawl stuck on the home page would pass vacuously).
    for (username, language), count in walked.items():
        assert count >= 15, f"{username} {language}: only {count} pages reached"
    Path("/tmp/crawl_problems.txt").write_text("\n".join(problems), encoding="utf-8")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_crawler_finds_links_forms_and_text():
    html = """<html><body><nav><a href="/quizzes/">测验</a><a href="https://example.com/">x</a>
    <a href="/admin/">admin</a></nav>
    <form method="get" action="/people/"><input name="q" value="张"><select name="team"><option value="">- all -</option>
    <option value="3" selected>A</option></select><button type="submit">搜索</button></form>
    <form method="post" action="/nowhere/"><input type="hidden" name="csrfmiddlewaretoken" value="x"></form>
    <p>Save changes</p><script>var a = "Hello world";</script><input placeholder="Search people">
    <span translate="no">Alice Smith</span></body></html>"""
    page = crawl.parse(html, "/")
    assert [crawl.same_site_path(u) for u in page.links] == ["/quizzes/", None, None]
    assert page.get_forms == ["/people/?q=%E5%BC%A0&team=3"]
    assert page.post_actions == ["/nowhere/"]
    assert "Save changes" in page.texts and "Search people" in page.texts
    assert not any("Hello" in t for t in page.texts)
    assert "Alice Smith" not in page.texts


def test_english_and_chinese_left_behind_are_caught():
    catalogue = crawl.Catalogue(msgids={"Sessions": "练习次数", "Save": "保存", "PDF": "PDF"})
    texts = ["Sessions", "保存", "- Select an option -", "导出 Excel", "PDF", "Excel CSV", "销售01", "sales01"]
    assert crawl.english_left(texts, catalogue) == ["Sessions", "- Select an option -"]
    assert crawl.chinese_left(["保存", "Save", "张三"], catalogue.chinese) == ["保存"]


@pytest.mark.django_db
def test_the_crawler_reports_a_dead_link_and_a_server_error(client, monkeypatch, admin_user):
    client.force_login(admin_user)
    monkeypatch.setattr(crawl, "route_of", lambda path: "x" if path != "/nowhere/" else None)
    pages = {
        "/": '<a href="/a/">a</a><a href="/nowhere/">n</a><a href="/gone/">g</a>',
        "/a/": "<p>ok</p>",
    }

    class Fake:
        def get(self, path):
            from django.http import HttpResponse, HttpResponseNotFound

            return HttpResponse(pages[path]) if path in pages else HttpResponseNotFound("no")

    result = crawl.crawl(Fake())
    assert result.visited == {"/": 200, "/a/": 200, "/gone/": 404}
    assert any("/nowhere/: no such URL" in p for p in result.problems)
    assert any("/gone/: 404 (linked from /)" in p for p in result.problems)
