"""Login throttling (django-axes), request rate limits (password reset), idle session timeout, "log out
everywhere", and addresses with NUL refused."""

import logging
import time

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from lms.errors import error_body

logger = logging.getLogger(__name__)

IDLE_SESSION_KEY = "_last_seen"
# The last-seen time is written at most this often, so ordinary requests do not write the session.
IDLE_REFRESH_SECONDS = 60


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a locked-out account or IP before any password check (django-axes).

    Calls without a request (the test client's `login()`, scripts) are not counted: every login form and the API
    token endpoint of the app pass the request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username django-axes counts failures under (AXES_USERNAME_CALLABLE).

    Cut to the longest username an account can have: a longer one belongs to nobody, and the full string would
    not fit axes' own column (a fuzzed 400-character name was a database error, so a 500, on PostgreSQL)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field)
    else:
        value = getattr(request, "data", request.POST).get(field)
    if value is None:
        return None

    limit = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length
    return str(value).replace("\x00", "")[:limit]


def lockout_message() -> str:
    return _(
        "Too many failed login attempts for this account or from this network. Try again in an hour, "
        "or ask an administrator to unlock the account."
    )


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What a locked-out login attempt gets: 429 with the API error shape under /api/, else the login page
    with the message (also 429)."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("too_many_login_attempts", lockout_message()), status=429)
    form = AuthenticationForm(request)
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": lockout_message(), "next": request.POST.get("next", "")},
        status=429,
    )


def client_ip(request: HttpRequest) -> str | None:
    """The client's address the way login throttling sees it (django-axes; AXES_PROXY_COUNT behind a proxy)."""
    return get_client_ip_address(request)


def rate_limit_hit(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one request for `key` under `scope` in the shared cache; True while at most `limit` were counted in the
    window. Windows are fixed, `window` seconds long and aligned on the clock (the application's clock, not the cache
    server's: the count is keyed by the window it falls in, and the cache's expiry only cleans up). Every call counts,
    allowed or not.

    The key is stored as a keyed hash, so an e-mail address is not readable in Redis. If the cache cannot be reached
    the request is allowed (and logged): an outage must not lock everyone out of a password reset. Without Redis
    (`make run`) the cache, and so the count, is per process."""
    digest = salted_hmac("lms.security.rate_limit", key, algorithm="sha256").hexdigest()
    cache_key = f"ratelimit:{scope}:{int(timezone.now().timestamp()) // window}:{digest}"
    try:
        if cache.add(cache_key, 1, timeout=window):
            return limit >= 1
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add() and incr()
            cache.add(cache_key, 1, timeout=window)
            count = 1
    except Exception:  # noqa: BLE001 - Redis down: allow, and say so
        logger.warning("Rate limit %s not checked: the cache cannot be reached.", scope, exc_info=True)
        return True
    return count <= limit


def password_reset_limited_message() -> str:
    return _(
        "Too many password reset requests for this address or from this network. Try again in an hour, "
        "or use the link in the last e-mail you received."
    )


class IdleTimeoutMiddleware:
    """Logs a signed-in person out after `SESSION_IDLE_SECONDS` without a request.

    The last-seen time is stored in the session at login (see lms.signals) and refreshed at most once a minute, so
    most requests do not write the session; each refresh also pushes the session's expiry (SESSION_COOKIE_AGE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(IDLE_SESSION_KEY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_SECONDS:
                logout(request)
            elif last is None or now - int(last) >= IDLE_REFRESH_SECONDS:
                request.session[IDLE_SESSION_KEY] = now
        return self.get_response(request)


class NulCharacterMiddleware:
    """Answers 400 with a message to an address carrying a NUL character (`%00`) in its query string or path.

    PostgreSQL refuses NUL in any text, so such a value reaching a search or a lookup was a 500 (the dashboard's
    people and plan searches, the people API's `q`). No field of ours can hold one, so refusing the request up front
    loses nothing; JSON in the API's error shape under /api/, a page elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path_info:
            message = _("The address contains a NUL character, which no search, filter or name can contain.")
            if request.path_info.startswith("/api/"):
                return JsonResponse(error_body("invalid", message), status=400)
            # Without the request: its user is not loaded yet (this runs before authentication).
            return HttpResponseBadRequest(render_to_string("400.html", {"title": _("Bad request"), "message": message}))
        return self.get_response(request)
