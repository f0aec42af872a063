"""The database is down (restart, failover, network): answer 503 with a clear message instead of a 500.

`DatabaseUnavailableMiddleware` turns a database connection error raised by a view into a 503; `server_error`
(handler500) does the same for one raised by a middleware (sessions, the signed-in user) or while saving the
session afterwards. Under /api/ the body is the API's error shape, elsewhere a standalone page that needs no
database (no navigation, no signed-in user). The failed request's transaction was rolled back by its atomic
block; the next request opens a fresh connection (CONN_HEALTH_CHECKS), so the app recovers by itself.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import server_error as default_server_error

from lms.errors import error_body

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def is_database_outage(exc: BaseException | None) -> bool:
    """True for a connection-level database error, also when another exception wraps it."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def unavailable_message() -> str:
    return _(
        "The database cannot be reached right now, so this request was not completed. Please try again in a minute."
    )


def unavailable_response(request: HttpRequest) -> HttpResponse:
    message = unavailable_message()
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("service_unavailable", message), status=503)
    else:
        html = render_to_string("503.html", {"message": message, "title": _("Service briefly unavailable")})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_outage(exception):
            return None
        logger.warning("Database unavailable: %s %s answered 503 (%s)", request.method, request.path, exception)
        return unavailable_response(request)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: a database outage raised outside a view is a 503 too; anything else is Django's 500."""
    if is_database_outage(sys.exc_info()[1]):
        return unavailable_response(request)
    return default_server_error(request, template_name=template_name)
