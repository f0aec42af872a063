"""The rich-text editor (lms.widgets.RichTextarea, Quill) in a real browser: a trainer types bold text and a
heading in a lesson body and adds an image from the toolbar; the lesson page shows <strong>, <h2> and the image;
no CSP violation (the autouse check in conftest); the toolbar wraps on a phone."""

import re
import struct
import zlib

import pytest

from courses.models import Lesson, RichTextImage
from tests.learning.factories import LessonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _png(path) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_trainer_writes_bold_text_and_an_image_and_the_lesson_shows_them(
    page, login, screenshot, trainer, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    image_path = tmp_path / "chart.png"
    _png(image_path)
    login(trainer.username)
    page.goto("/lessons/new/")
    assert page.locator("html").get_attribute("lang").startswith("zh")
    editor = page.locator(".richtext .ql-editor")
    editor.wait_for()
    assert page.locator("textarea[name=body]").is_hidden()
    page.locator("input[name=title]").fill("电话邀约的开场白")

    editor.click()
    page.locator(".richtext .ql-header[value='2']").click()
    page.keyboard.type("开场三句话")
    page.keyboard.press("Enter")
    page.locator(".richtext button.ql-bold").click()
    page.keyboard.type("电话邀约")
    page.locator(".richtext button.ql-bold").click()
    page.keyboard.type(" 先报公司名 and then ask")
    page.keyboard.press("Enter")
    with page.expect_file_chooser() as chooser:
        page.locator(".richtext button.ql-image").click()
    with page.expect_response(lambda r: "/richtext/images/" in r.url and r.request.method == "POST") as uploaded:
        chooser.value.set_files(str(image_path))
    assert uploaded.value.status == 201
    page.locator(".richtext .ql-editor img").wait_for()
    screenshot("editor")

    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/lessons/\d+/$"))
    lesson = Lesson.objects.get(title="电话邀约的开场白")
    assert "<strong>电话邀约</strong>" in lesson.body
    assert "<h2>开场三句话</h2>" in lesson.body
    assert "&nbsp;" not in lesson.body  # spaces stay spaces, so lines wrap
    image = RichTextImage.objects.get()
    assert f'src="/richtext/images/{image.key}/"' in lesson.body

    body = page.get_by_test_id("lesson-body")
    assert body.locator("strong").inner_text() == "电话邀约"
    assert body.locator("h2").inner_text() == "开场三句话"
    img = body.locator("img")
    img.wait_for()
    assert img.evaluate("el => el.complete && el.naturalWidth") == 4  # served behind login, and it loads
    screenshot("lesson")


def test_editing_plain_text_keeps_its_lines_and_a_bad_file_gets_a_message(page, login, trainer, tmp_path):
    lesson = LessonFactory(title="旧课时", body="**电话邀约**\n第二行", created_by=trainer)
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"this is not an image at all")
    login(trainer.username)
    page.goto(f"/lessons/{lesson.id}/edit/")
    editor = page.locator(".richtext .ql-editor")
    editor.wait_for()
    assert editor.locator("p").all_inner_texts() == ["**电话邀约**", "第二行"]
    with page.expect_file_chooser() as chooser:
        page.locator(".richtext button.ql-image").click()
    with page.expect_response(lambda r: "/richtext/images/" in r.url) as refused:
        chooser.value.set_files(str(bad))
    assert refused.value.status == 400
    status = page.locator(".richtext-status")
    status.filter(has_text="PNG").wait_for()
    assert "text-danger" in status.get_attribute("class")
    assert editor.locator("img").count() == 0
    assert RichTextImage.objects.count() == 0


def test_the_toolbar_wraps_on_a_phone(browser, live_server, trainer):
    from tests.e2e.conftest import ARTIFACTS, CSP_LISTENER, csp_violations

    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda msg: page.console_messages.append((msg.type, msg.text)))
    try:
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(trainer.username)
        page.get_by_label("密码").fill("pass-1234")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
        page.goto("/courses/new/")
        page.locator(".richtext .ql-editor").wait_for()
        toolbar = page.locator(".richtext .ql-toolbar").bounding_box()
        assert toolbar["x"] >= 0 and toolbar["x"] + toolbar["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        rights = page.locator(".richtext .ql-toolbar button").evaluate_all(
            "els => els.map(el => el.getBoundingClientRect().right)"
        )
        assert len(rights) == 12 and max(rights) <= 390  # every button on screen: the groups wrap
        editor = page.locator(".richtext .ql-editor").bounding_box()
        assert editor["x"] + editor["width"] <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "test_the_toolbar_wraps_on_a_phone.png"), full_page=True)
        assert csp_violations(page) == []
    finally:
        context.close()
