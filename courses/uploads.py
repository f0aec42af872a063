"""Upload checks for course content: a size limit and a type allow-list decided by the file's first bytes.

The name's extension must also agree with what the content is, so `evil.exe` renamed to `slides.pdf` is refused.
Files are stored through Django's storage API (`FieldFile.save`), so S3-compatible storage plugs in by settings.
"""

import math
import os
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from mutagen import MutagenError
from mutagen.mp4 import MP4 as MP4File
from mutagen.oggopus import OggOpus
from mutagen.oggtheora import OggTheora
from mutagen.oggvorbis import OggVorbis


@dataclass(frozen=True)
class FileType:
    code: str
    extensions: tuple[str, ...]


PDF = FileType("pdf", (".pdf",))
OOXML = FileType("ooxml", (".docx", ".pptx", ".xlsx"))
OLE = FileType("ole", (".doc", ".ppt", ".xls"))
MP4 = FileType("mp4", (".mp4", ".m4v", ".mov"))
WEBM = FileType("webm", (".webm",))
OGG = FileType("ogg", (".ogv", ".ogg"))
PNG = FileType("png", (".png",))
JPEG = FileType("jpeg", (".jpg", ".jpeg"))
GIF = FileType("gif", (".gif",))
WEBP = FileType("webp", (".webp",))

ALLOWED = {
    "file": (PDF, OOXML, OLE),
    "video": (MP4, WEBM, OGG),
    "image": (PNG, JPEG, GIF, WEBP),
}
KIND_LABELS = {"file": "PDF, Word, PowerPoint, Excel", "video": "MP4, WebM, Ogg", "image": "PNG, JPEG, GIF, WebP"}


def sniff(head: bytes) -> FileType | None:
    """The type the first bytes announce, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return OOXML  # confirmed by _is_ooxml (a zip holding [Content_Types].xml)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    return None


def _is_ooxml(upload) -> bool:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)


def validate_upload(upload: UploadedFile, *, kind: str, max_bytes: int | None = None) -> None:
    """Raise ValidationError unless the upload is small enough (`max_bytes`, by default FILE_UPLOAD_MAX_BYTES) and
    its content is an allowed type for `kind`."""
    limit = max_bytes or settings.FILE_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if not upload.size:
        raise ValidationError(_("The file is empty."), code="empty")
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    found = sniff(head)
    allowed = ALLOWED[kind]
    ext = os.path.splitext(upload.name or "")[1].lower()
    if found is OOXML and not _is_ooxml(upload):
        found = None
    if found not in allowed or ext not in found.extensions:
        raise ValidationError(
            _("This file type is not allowed here. Allowed: %(types)s.") % {"types": KIND_LABELS[kind]},
            code="file_type",
        )


# The longest video a lesson's length may be (the player's heartbeat positions stop there too).
VIDEO_MAX_SECONDS = 24 * 3600


def video_duration_seconds(upload) -> int | None:
    """The length of an uploaded video in whole seconds (rounded up), read from the file on the server, or None
    when it cannot be read: MP4 (the movie header, or its sound track's) and Ogg (Theora, Vorbis, Opus) by mutagen
    (pure Python); WebM is not read. Call after validate_upload. Never raises: a file mutagen cannot make sense of
    is a video of unknown length, which the trainer then types in."""
    upload.seek(0)
    found = sniff(upload.read(64))
    upload.seek(0)
    readers = {MP4: (MP4File,), OGG: (OggTheora, OggVorbis, OggOpus)}.get(found, ())
    for reader in readers:
        try:
            length = reader(upload).info.length
        except MutagenError:  # not this codec, or not a file it can read
            length = 0
        except Exception:  # a hostile file may break the parser anywhere: its length is unknown, never a 500
            length = 0
        finally:
            upload.seek(0)
        if length and math.isfinite(length) and 0 < length <= VIDEO_MAX_SECONDS:
            return max(1, math.ceil(length))
    return None


def lesson_file_response(lesson) -> FileResponse:
    """A lesson's file or video from whatever storage is configured; the caller has checked access."""
    field = lesson.video_file if lesson.kind == lesson.Kind.VIDEO else lesson.file
    if not field:
        raise Http404
    name = lesson.file_name or field.name.rsplit("/", 1)[-1]
    return FileResponse(field.open("rb"), as_attachment=lesson.kind == lesson.Kind.FILE, filename=name)
