"""Reads for images placed in rich text."""

from django.http import Http404

from courses.models import RichTextImage


def richtext_image_get(*, key) -> RichTextImage:
    """The image by its key, for any signed-in person (the caller checks login); 404 when there is none."""
    image = RichTextImage.objects.filter(key=key).first()
    if image is None or not image.file:
        raise Http404
    return image
