"""Uploads: a size limit and a type allow-list decided by content, stored through the storage API."""

import io
import struct
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import course_services
from courses.uploads import validate_upload, video_duration_seconds

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


def tiny_mp4(seconds: float, timescale: int = 600) -> bytes:
    """A minimal MP4 built by hand: an `ftyp` box and a `moov` holding only the movie header (`mvhd`, version 0),
    which says how long the movie is. No ffmpeg needed."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = (
        b"\x00\x00\x00\x00"  # version 0, no flags
        + struct.pack(">IIII", 0, 0, timescale, round(seconds * timescale))  # created, modified, timescale, length
        + struct.pack(">IH", 0x10000, 0x100)  # rate 1.0, volume 1.0
        + b"\x00" * 10
        + matrix
        + b"\x00" * 24
        + struct.pack(">I", 2)  # next track id
    )
    return box(b"ftyp", b"mp42\x00\x00\x00\x00mp42isom") + box(b"moov", box(b"mvhd", mvhd))


def _video(name="clip.mp4", seconds=95.2):
    return SimpleUploadedFile(name, tiny_mp4(seconds), content_type="video/mp4")


def test_an_uploaded_mp4s_length_is_read_on_the_server(trainer):
    """Issue 18: the length comes from the file (rounded up to whole seconds) when the trainer gives none."""
    assert video_duration_seconds(_video(seconds=95.2)) == 96
    assert video_duration_seconds(SimpleUploadedFile("clip.mp4", MP4)) is None  # no movie header: unknown
    lesson = course_services.lesson_save(author=trainer, title="开场白", kind="video", video_file=_video())
    assert lesson.duration_seconds == 96


def test_the_trainers_length_wins_and_a_new_file_brings_its_own(trainer):
    lesson = course_services.lesson_save(
        author=trainer, title="开场白", kind="video", video_file=_video(), duration_seconds=120
    )
    assert lesson.duration_seconds == 120
    # the field left as it was while another file is uploaded: the new file's length
    lesson = course_services.lesson_save(lesson=lesson, video_file=_video(seconds=30), duration_seconds=120)
    assert lesson.duration_seconds == 30
    # a length typed with the upload is the trainer's
    lesson = course_services.lesson_save(lesson=lesson, video_file=_video(seconds=40), duration_seconds=45)
    assert lesson.duration_seconds == 45


@pytest.mark.parametrize(
    "fields",
    [
        {"video_file": SimpleUploadedFile("clip.mp4", MP4)},  # an MP4 whose length cannot be read
        {"video_file": SimpleUploadedFile("clip.webm", b"\x1a\x45\xdf\xa3" + b"\x00" * 64)},  # WebM is not read
        {"video_url": "https://video.example/a.mp4"},  # nothing to read
    ],
    ids=["unreadable mp4", "webm", "url"],
)
def test_a_video_whose_length_is_unknown_needs_the_trainer_to_give_it(trainer, fields):
    with pytest.raises(ValidationError) as exc:
        course_services.lesson_save(author=trainer, title="开场白", kind="video", **fields)
    assert "duration_seconds" in exc.value.message_dict
    ok = course_services.lesson_save(author=trainer, title="开场白", kind="video", duration_seconds=300, **fields)
    assert ok.duration_seconds == 300


def test_the_lesson_editor_asks_for_a_length_it_cannot_read(client_for, trainer):
    client = client_for(trainer)
    client.cookies["django_language"] = "en"
    data = {"title": "开场白", "kind": "video", "estimated_minutes": 5}
    response = client.post("/lessons/new/", {**data, "video_upload": SimpleUploadedFile("clip.mp4", MP4)})
    assert response.status_code == 200
    [message] = response.context["form"].errors["duration_seconds"]
    assert "could not be read from the file" in message
    response = client.post("/lessons/new/", {**data, "video_upload": _video()})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert 'data-testid="video-length"' in preview.text and "96 s" in preview.text


def test_the_api_reads_the_length_of_an_uploaded_video(api_for, trainer):
    api = api_for(trainer)
    created = api.post(
        "/api/v1/lessons/", {"title": "开场白", "kind": "video", "video_file": _video()}, format="multipart"
    )
    assert created.status_code == 201 and created.json()["duration_seconds"] == 96
    by_url = api.post("/api/v1/lessons/", {"title": "开场白", "kind": "video", "video_url": "https://v.example/a.mp4"})
    assert by_url.status_code == 400 and "duration_seconds" in by_url.json()["error"]["fields"]
