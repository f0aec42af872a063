"""Reads. A person only ever sees their own notifications: "not yours" and "does not exist" are the same 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from notifications import conf
from notifications.kinds import configurable_kinds
from notifications.models import Notification, NotificationPreference, QuietHours


def notifications_for_user(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user, show_in_app=True).order_by("-created_at", "-id")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def notification_get_for_user(*, user, notification_id: int) -> Notification:
    try:
        return notifications_for_user(user=user).get(id=notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None


def unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return notifications_for_user(user=user, unread_only=True).count()


def preferences_for_user(*, user) -> list[dict]:
    """Every configurable kind with the person's choice (or the default)."""
    saved = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    out = []
    for kind in configurable_kinds():
        pref = saved.get(kind.code)
        out.append(
            {
                "kind": kind.code,
                "label": str(kind.label),
                "in_app": pref.in_app if pref else True,
                "email": pref.email
                if pref
                else (
                    NotificationPreference.Email.IMMEDIATE if kind.email_default else NotificationPreference.Email.OFF
                ),
            }
        )
    return out


def quiet_hours_for_user(*, user) -> dict:
    """The person's quiet hours: mode "default" (the site's), "none" or "custom"; `start`/`end` are the hours in
    force ("HH:MM", None when none), `default_start`/`default_end` the site's."""
    site_start, site_end = conf.quiet_hours()
    site = (None, None) if site_start == site_end else (f"{site_start:%H:%M}", f"{site_end:%H:%M}")
    row = QuietHours.objects.filter(user=user).values_list("start", "end").first()
    if row is None:
        mode, (start, end) = "default", site
    elif row[0] is None:
        mode, start, end = "none", None, None
    else:
        mode, start, end = "custom", f"{row[0]:%H:%M}", f"{row[1]:%H:%M}"
    return {"mode": mode, "start": start, "end": end, "default_start": site[0], "default_end": site[1]}
