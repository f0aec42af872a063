"""Reads. A person only ever sees their own notifications: "not yours" and "does not exist" are the same 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from trainees.notifications.kinds import configurable_kinds
from trainees.notifications.models import Notification, NotificationPreference


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
