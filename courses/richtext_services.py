"""Writes for images placed in rich text from the editor (lms.widgets.RichTextarea)."""

import os

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from courses.models import RichTextImage
from courses.uploads import validate_upload


@transaction.atomic
def richtext_image_create(*, user, upload: UploadedFile) -> RichTextImage:
    """Check the upload (an image by its first bytes, its extension agreeing, at most RICHTEXT_IMAGE_MAX_BYTES) and
    store it through the configured storage under its random key. Raises ValidationError with a message to show."""
    validate_upload(upload, kind="image", max_bytes=settings.RICHTEXT_IMAGE_MAX_BYTES)
    image = RichTextImage(uploaded_by=user)
    ext = os.path.splitext(upload.name or "")[1].lower()
    image.file.save(f"{image.key.hex}{ext}", upload, save=False)
    image.save()
    return image
