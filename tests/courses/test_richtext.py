"""Rich text that is rich (issue 20): the editor widget, its image upload, and how stored text is shown.

The editor itself (typing bold text, the toolbar on a phone, no CSP violation) is driven in tests/e2e/test_richtext.py.
"""

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from assessments.forms import QuestionForm
from courses.course_forms import CourseForm, LessonForm
from courses.models import RichTextImage
from courses.templatetags.course_tags import rich_text
from tests.learning.factories import CourseFactory, LessonFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
UPLOAD = "/richtext/images/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, name="chart.png", content=PNG):
    return client.post(UPLOAD, {"image": SimpleUploadedFile(name, content)})


# --- the widget --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form,field", [(LessonForm(), "body"), (CourseForm(), "description"), (QuestionForm(), "stem")]
)
def test_rich_fields_render_the_editor_over_a_plain_textarea(form, field):
    html = str(form[field])
    assert "data-richtext" in html
    assert f'name="{field}"' in html and "<textarea" in html
    # Without JavaScript the textarea is the field: it is not hidden by the markup, only the editor's parts are.
    textarea = html[html.index("<textarea") : html.index(">", html.index("<textarea"))]
    assert "hidden" not in textarea and "d-none" not in textarea
    assert '<div class="richtext-editor" hidden>' in html
    assert "/static/js/richtext.js" in html and "/static/vendor/quill-2.0.3/quill.js" in html
    assert f'data-upload-url="{UPLOAD}"' in html
    assert "style=" not in html and "onclick" not in html


def test_the_editor_assets_are_vendored_with_their_licence():
    for path in (
        "vendor/quill-2.0.3/quill.js",
        "vendor/quill-2.0.3/quill.snow.css",
        "vendor/quill-2.0.3/LICENSE",
        "vendor/quill-2.0.3/BUNDLED-LICENSES.txt",
        "js/richtext.js",
        "css/richtext.css",
    ):
        assert finders.find(path), path


def test_the_widget_keeps_the_value_escaped_in_the_textarea():
    html = str(LessonForm(initial={"body": "<p>x</p></textarea><script>alert(1)</script>"})["body"])
    assert "</textarea><script>" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html


@pytest.mark.parametrize("url", ["/lessons/new/", "/courses/new/", "/questions/new/"])
def test_trainer_pages_load_the_editor(client_for, trainer, url):
    response = client_for(trainer).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "data-richtext" in page and "js/richtext.js" in page
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_a_lesson_saved_without_the_editor_is_sanitised(client_for, trainer):
    response = client_for(trainer).post(
        "/lessons/new/",
        {
            "title": "开场白",
            "kind": "text",
            "estimated_minutes": 5,
            "body": '<p><strong>电话邀约</strong></p><script>alert(1)</script><img src="x" onerror="alert(1)">',
        },
    )
    assert response.status_code == 302
    lesson = LessonFactory._meta.model.objects.get(title="开场白")
    assert "<strong>电话邀约</strong>" in lesson.body
    assert "script" not in lesson.body and "onerror" not in lesson.body


# --- image upload --------------------------------------------------------------------------------------------


def test_trainer_uploads_an_image_and_anyone_signed_in_sees_it(client_for, trainer, sales_b):
    response = _upload(client_for(trainer))
    assert response.status_code == 201
    image = RichTextImage.objects.get()
    assert response.json() == {"url": f"/richtext/images/{image.key}/"}
    assert image.uploaded_by == trainer
    assert image.file.name.endswith(f"{image.key.hex}.png")  # the stored name is the key, not the uploaded one
    shown = client_for(sales_b).get(response.json()["url"])
    assert shown.status_code == 200
    assert b"".join(shown.streaming_content) == PNG
    assert shown["Content-Type"] == "image/png"
    assert "private" in shown["Cache-Control"]


def test_images_are_behind_login(client_for, trainer):
    url = _upload(client_for(trainer)).json()["url"]
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_an_unknown_image_is_404(client_for, sales_a):
    assert client_for(sales_a).get("/richtext/images/00000000-0000-4000-8000-000000000000/").status_code == 404
    assert client_for(sales_a).get("/richtext/images/not-a-key/").status_code == 404


def test_salesperson_cannot_upload(client_for, sales_a):
    assert _upload(client_for(sales_a)).status_code == 404
    assert RichTextImage.objects.count() == 0


def test_anonymous_cannot_upload():
    response = _upload(Client())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert RichTextImage.objects.count() == 0


def test_upload_needs_the_csrf_token(trainer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainer)
    assert _upload(client).status_code == 403
    assert RichTextImage.objects.count() == 0


def test_upload_is_post_only(client_for, trainer):
    assert client_for(trainer).get(UPLOAD).status_code == 405


@pytest.mark.parametrize(
    "name,content",
    [
        ("notes.png", b"just some text, not an image"),
        ("chart.png", JPEG),  # content and name disagree
        ("slides.pdf", b"%PDF-1.4\n%%EOF\n"),  # not an image at all
        ("page.svg", b"<svg onload=alert(1)></svg>"),  # SVG can carry script: never accepted
    ],
)
def test_upload_of_a_wrong_type_gets_a_clear_message(client_for, trainer, name, content):
    response = _upload(client_for(trainer), name=name, content=content)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "file_type"
    assert "PNG, JPEG, GIF, WebP" in error["message"]
    assert RichTextImage.objects.count() == 0


def test_upload_of_a_too_big_image_gets_a_clear_message(client_for, trainer, settings):
    settings.RICHTEXT_IMAGE_MAX_BYTES = 1024
    response = _upload(client_for(trainer), content=PNG + b"\x00" * 2000)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert "1.0" in error["message"]  # the limit, in words ("1.0 KB")
    assert RichTextImage.objects.count() == 0


def test_upload_without_a_file_or_with_an_empty_one_gets_a_message(client_for, trainer):
    client = client_for(trainer)
    missing = client.post(UPLOAD, {})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "required"
    empty = _upload(client, content=b"")
    assert empty.status_code == 400 and empty.json()["error"]["message"]


def test_an_uploaded_image_shows_in_the_lesson_body(client_for, trainer):
    url = _upload(client_for(trainer)).json()["url"]
    lesson = LessonFactory(body=f'<p>图表</p><p><img src="{url}"></p>', created_by=trainer)
    page = client_for(trainer).get(f"/lessons/{lesson.id}/").content.decode()
    assert f'<img src="{url}">' in page


def test_showing_images_runs_the_same_queries_however_many_there_are(
    client_for, trainer, django_assert_max_num_queries
):
    client = client_for(trainer)
    urls = [_upload(client).json()["url"] for _ in range(30)]
    with django_assert_max_num_queries(12):  # the session, the user and axes; one for the image
        assert client.get(urls[0]).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(urls[-1]).status_code == 200


# --- how stored text is shown ---------------------------------------------------------------------------------


def test_plain_text_is_shown_as_text_with_paragraphs_and_line_breaks():
    html = str(rich_text("**电话邀约**\n先报公司名\n\n第二段"))
    assert html == "<p>**电话邀约**<br>先报公司名</p>\n\n<p>第二段</p>"


def test_plain_text_with_special_characters_is_escaped_once():
    # What the sanitiser stored for a plain "A < B & C" typed in a textarea: shown as those characters.
    assert str(rich_text("A &lt; B &amp; C")) == "<p>A &lt; B &amp; C</p>"
    assert str(rich_text("A > B")) == "<p>A &gt; B</p>"


def test_escaped_markup_in_plain_text_never_becomes_markup():
    html = str(rich_text("&lt;script&gt;alert(1)&lt;/script&gt;"))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_html_is_still_sanitised_on_render():
    html = str(rich_text('<p onclick="x()">好</p><script>alert(1)</script><a href="javascript:alert(1)">链接</a>'))
    assert html.startswith("<p>好</p>")
    assert "script" not in html and "onclick" not in html and "javascript" not in html


def test_empty_values_render_nothing():
    assert str(rich_text("")) == "" and str(rich_text(None)) == ""


def test_course_page_shows_a_plain_description_as_text(client_for, trainer, sales_a):
    course = CourseFactory(description="**电话邀约**\n三步走", status="published", owners=[trainer])
    page = client_for(sales_a).get(reverse("learning:course_detail", args=[course.id])).content.decode()
    assert "<p>**电话邀约**<br>三步走</p>" in page


@pytest.mark.parametrize(
    "value,shown",
    [("<p><strong>好</strong></p>", "<p><strong>好</strong></p>"), ("一行\n两行", "<p>一行<br>两行</p>")],
)
def test_the_filter_in_a_template_marks_its_output_safe(value, shown):
    assert Template("{% load course_tags %}{{ v|rich_text }}").render(Context({"v": value})) == shown
