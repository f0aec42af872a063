"""Quiet hours: when a person's e-mails wait. In-app notifications are never held.

A window is (start, end) in local time (the site's time zone, Asia/Shanghai; users have no time zone of their own),
or None for "no quiet hours". Each person has the site's window (NOTIFICATIONS["QUIET_HOURS"]) unless they chose their
own (`QuietHours` row: their times, or both empty for none). A site window whose start equals its end means none.

Set-based: people are grouped by window (there are only a handful of distinct ones), so deferring everyone's e-mails
is one UPDATE with one CASE branch per window that is quiet right now, never one query per person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.db.models import Exists, OuterRef, Q, Value
from django.utils import timezone

from notifications import conf
from notifications.models import QuietHours

Window = tuple[dt.time, dt.time] | None
SITE = object()  # "the site's window" (a person without their own row)


def site_window() -> Window:
    start, end = conf.quiet_hours()
    return None if start == end else (start, end)


def _local_moment(day: dt.date, at: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, at), timezone.get_current_timezone())


def quiet_until(now: dt.datetime, window: Window | object = SITE) -> dt.datetime | None:
    """When `now` falls in `window` (local time), the moment it ends; else None."""
    window = site_window() if window is SITE else window
    if window is None:
        return None
    start, end = window
    local = timezone.localtime(now)
    t = local.time()
    in_quiet = (start <= t or t < end) if start > end else (start <= t < end)
    if not in_quiet:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return _local_moment(day, end)


def next_morning(now: dt.datetime, window: Window | object = SITE) -> dt.datetime:
    """The first moment of the next local day at which an e-mail may go out (an e-mail held for "tomorrow"): midnight,
    or the end of the quiet hours it falls in."""
    midnight = _local_moment(timezone.localtime(now).date() + dt.timedelta(days=1), dt.time(0))
    return quiet_until(midnight, window) or midnight


def window_of(row: tuple[dt.time | None, dt.time | None] | None) -> Window:
    """A person's window from their (start, end) row, or the site's when they have no row."""
    if row is None:
        return site_window()
    start, end = row
    return None if start is None or end is None else (start, end)


def windows_for(*, user_ids: Iterable[int]) -> dict[int, Window]:
    """Each person's window (one query). Everyone in `user_ids` is in the answer."""
    ids = set(user_ids)
    own = {u: (s, e) for u, s, e in QuietHours.objects.filter(user_id__in=ids).values_list("user_id", "start", "end")}
    return {u: window_of(own.get(u)) for u in ids}


def deferral(*, now: dt.datetime, recipient: str) -> tuple[Q, models.Expression] | None:
    """For rows whose `recipient` field holds a person id: (a filter for the people in quiet hours at `now`, an
    expression giving when their quiet hours end). None when nobody is in quiet hours now. One query (the distinct
    windows people chose)."""
    whens = []
    own = QuietHours.objects.filter(user_id=OuterRef(recipient))
    default_end = quiet_until(now)
    if default_end is not None:
        whens.append((~Exists(own), default_end))
    chosen = QuietHours.objects.filter(start__isnull=False).values_list("start", "end").distinct().order_by()
    for start, end in chosen:
        until = quiet_until(now, (start, end))
        if until is not None:
            whens.append((Exists(own.filter(start=start, end=end)), until))
    if not whens:
        return None
    in_quiet = Q()
    for condition, _until in whens:
        in_quiet |= Q(condition)
    until = models.Case(
        *[models.When(condition, then=Value(moment)) for condition, moment in whens],
        output_field=models.DateTimeField(),
    )
    return in_quiet, until
