"""The editor's image upload (trainers) and the images' own address (anyone signed in)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from courses.richtext_selectors import richtext_image_get
from courses.richtext_services import richtext_image_create
from lms.errors import error_body
from lms.permissions import role_required
from lms.roles import TRAINER


@login_required
@role_required(TRAINER)
@require_POST
def richtext_image_upload(request):
    """POST a multipart `image`; 201 {"url": ...} or 400 with the error shape and a message the editor shows."""
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse(error_body("required", _("Choose an image to upload.")), status=400)
    try:
        image = richtext_image_create(user=request.user, upload=upload)
    except ValidationError as exc:
        return JsonResponse(error_body(exc.error_list[0].code or "invalid", " ".join(exc.messages)), status=400)
    return JsonResponse({"url": reverse("courses:richtext_image", args=[image.key])}, status=201)


@login_required
@require_GET
def richtext_image(request, key):
    image = richtext_image_get(key=key)
    response = FileResponse(image.file.open("rb"))
    response["Cache-Control"] = "private, max-age=86400"
    return response
