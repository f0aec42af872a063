"""Uploads: a size limit and a type allow-list decided by content, stored through the storage API."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import course_services
from courses.uploads import validate_upload

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _zip_without_office() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.exe", "MZ")
    return buf.getvalue()


@pytest.mark.parametrize(
    "name,content,kind",
    [
        ("手册.pdf", PDF, "file"),
        ("slides.docx", _docx(), "file"),
        ("clip.mp4", MP4, "video"),
        ("cover.png", PNG, "image"),
    ],
)
def test_allowed_types_pass(name, content, kind):
    validate_upload(SimpleUploadedFile(name, content), kind=kind)


@pytest.mark.parametrize(
    "name,content,kind",
    [
        ("slides.pdf", b"MZ\x90\x00 this is a windows executable", "file"),  # spoofed extension
        ("report.pdf", b"<html><script>alert(1)</script></html>", "file"),
        ("deck.pptx", _zip_without_office(), "file"),  # a zip that is not an Office file
        ("clip.mp4", PDF, "video"),  # a PDF named .mp4
        ("manual.exe", PDF, "file"),  # right content, wrong name
        ("cover.png", b"GIF89a" + b"\x00" * 20, "image"),  # content and name disagree
        ("empty.pdf", b"", "file"),
    ],
)
def test_spoofed_or_unknown_types_refused(name, content, kind):
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile(name, content), kind=kind)


def test_size_limit_has_a_clear_message(settings):
    settings.FILE_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile("big.pdf", PDF + b"0" * 200), kind="file")
    assert exc.value.code == "too_large"


def test_file_lesson_stored_through_storage(db, trainer):
    lesson = course_services.lesson_save(
        author=trainer, title="手册", kind="file", file=SimpleUploadedFile("手册.pdf", PDF)
    )
    assert lesson.file.name.startswith("lessons/files/")
    assert lesson.file.storage.exists(lesson.file.name)
    assert lesson.file_name == "手册.pdf"


def test_lesson_page_shows_upload_error_next_to_field(client_for, trainer, settings):
    settings.FILE_UPLOAD_MAX_BYTES = 50
    response = client_for(trainer).post(
        "/lessons/new/",
        {"title": "手册", "kind": "file", "estimated_minutes": 5, "file_upload": SimpleUploadedFile("a.pdf", PDF * 3)},
    )
    assert response.status_code == 200
    assert "file_upload" in response.context["form"].errors


def test_api_refuses_spoofed_upload_with_error_shape(api_for, trainer):
    response = api_for(trainer).post(
        "/api/v1/lessons/",
        {"title": "x", "kind": "file", "file": SimpleUploadedFile("x.pdf", b"MZ not a pdf")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]
