"""One JSON shape for every API error: {"error": {"code": ..., "message": ..., "fields": {...}}}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from lms.errors import error_body


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def _messages(value) -> list[str]:
    """Plain messages from one field's errors, however DRF nested them."""
    if isinstance(value, dict):
        if value and all(isinstance(key, int) for key in value):  # a list field: errors by item index
            return [
                _("Item %(n)d: %(message)s") % {"n": index + 1, "message": message}
                for index, errors in value.items()
                for message in _messages(errors)
            ]
        return [f"{key}: {message}" for key, errors in value.items() for message in _messages(errors)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def _flatten(detail, prefix: str = "") -> dict:
    """Field name -> list of messages. A nested serializer's fields are named `parent.child` (`parent.0.child`
    inside a list of them); a list field's item errors say which item ("Item 3: ...")."""
    fields: dict[str, list[str]] = {}
    for key, value in detail.items():
        # A nested serializer's own errors (not of one of its fields) belong to the field that holds it.
        name = prefix.rstrip(".") if prefix and key == api_settings.NON_FIELD_ERRORS_KEY else f"{prefix}{key}"
        if isinstance(value, dict) and value and not all(isinstance(k, int) for k in value):
            fields.update(_flatten(value, prefix=f"{name}."))
        elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
            for index, item in enumerate(value):
                if item:
                    fields.update(_flatten(item, prefix=f"{name}.{index}."))
        else:
            fields[name] = _messages(value)
    return fields


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail) if isinstance(exc.detail, dict) else {}
        if isinstance(exc.detail, list):
            fields = {"non_field_errors": [str(m) for m in exc.detail]}
        response.data = error_body("invalid", _("The submitted data is not valid."), fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        message = str(detail) if not isinstance(detail, (dict, list)) else _("Request failed.")
        response.data = error_body(str(code), message)
    return response


def error_response(code: str, message: str, http_status: int, fields: dict | None = None) -> Response:
    return Response(error_body(code, message, fields), status=http_status)


def api_aware_page_not_found(request, exception=None):
    """handler404: under /api/ an unknown URL answers in the JSON error shape; elsewhere Django's 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return page_not_found(request, exception)
