"""The unread count in the navigation: at most one small COUNT per page, and none unless the nav is drawn.

`unread_count` (a context processor) remembers a lazy counter for the request being rendered; the nav item's label
(`UnreadNavLabel`, called by the template) reads it and adds the badge. The base template stays untouched."""

from __future__ import annotations

import contextvars

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from notifications import selectors

_current: contextvars.ContextVar[UnreadCounter | None] = contextvars.ContextVar("notifications_unread", default=None)


class UnreadCounter:
    def __init__(self, user):
        self.user = user
        self._value: int | None = None
        self.badge_shown = False

    @property
    def value(self) -> int:
        if self._value is None:
            self._value = selectors.unread_count(user=self.user)
        return self._value

    def __str__(self) -> str:
        return str(self.value)


def unread_count(request) -> dict:
    counter = UnreadCounter(getattr(request, "user", None))
    _current.set(counter)
    return {"notifications_unread": counter}


def badge_html(count: int) -> str:
    """The badge, with an id so htmx responses can refresh it out of band."""
    if count:
        return format_html(
            '<span id="nav-unread-badge" class="badge rounded-pill text-bg-danger ms-1" data-count="{}">{}</span>',
            count,
            count if count < 100 else "99+",
        )
    return mark_safe('<span id="nav-unread-badge" data-count="0"></span>')  # noqa: S308 - a constant


class UnreadNavLabel:
    """A nav label that renders as "Notifications" plus the unread badge. Templates call it; str() is the text."""

    def __str__(self) -> str:
        return gettext("Notifications")

    def __call__(self) -> str:
        counter = _current.get()
        badge = badge_html(counter.value if counter else 0)
        if counter is not None:
            if counter.badge_shown:  # the label again (home page shortcuts): no second element with the id
                badge = mark_safe(badge.replace(' id="nav-unread-badge"', "", 1))  # noqa: S308 - our own html
            counter.badge_shown = True
        return format_html("{}{}", gettext("Notifications"), badge)
