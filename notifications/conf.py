"""Notification settings, read when used (never at import), with defaults for anything not configured."""

import datetime as dt

from django.conf import settings

DEFAULTS = {
    "QUIET_HOURS": ("22:00", "08:00"),
    "MAX_ATTEMPTS": 5,
    "BACKOFF_BASE": 60,
    "BACKOFF_MAX": 1800,
    "LEASE_SECONDS": 600,
    "BATCH_SIZE": 200,
    "CHUNK_SIZE": 50000,  # a set-based rule runs 100,000 rows in well under a second: chunks are for spreading
    "SITE_URL": "http://127.0.0.1:8000",
    "CHANNELS": {},
    "MAILER": "default",
}


def get(name: str):
    return {**DEFAULTS, **getattr(settings, "NOTIFICATIONS", {})}[name]


def quiet_hours() -> tuple[dt.time, dt.time]:
    start, end = get("QUIET_HOURS")
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def visibility_timeout() -> int | None:
    """The Redis broker redelivers an unacknowledged task after this many seconds (None: not Redis)."""
    if not str(getattr(settings, "CELERY_BROKER_URL", "")).startswith(("redis://", "rediss://")):
        return None
    return int((getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get("visibility_timeout", 3600))


def max_countdown() -> int:
    """The longest countdown a task may carry: a longer ETA on Redis would be redelivered (run twice) early."""
    limit = int(get("BACKOFF_MAX"))
    vt = visibility_timeout()
    return min(limit, max(vt - 60, vt // 2)) if vt else limit
