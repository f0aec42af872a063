"""E-mail rendering: HTML and plain text, in the recipient's language, each with a one-click unsubscribe link."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from notifications import conf
from notifications.kinds import get_kind
from notifications.tokens import unsubscribe_token


def absolute(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return conf.get("SITE_URL").rstrip("/") + path


def message_items(*, recipient, notifications: list) -> list[dict]:
    """What a message lists, in the active language. A digest lists the notifications it gathered."""
    items = []
    for n in notifications:
        members = list(n.digested.all()) if n.kind == "daily_digest" else [n]
        for m in members:
            items.append(
                {
                    "id": m.id,
                    "kind": m.kind,
                    "title": m.title,
                    "body": m.body,
                    "details": m.details,
                    "link": absolute(m.url),
                }
            )
    return items


def build_email(*, recipient, kind: str, notifications: list) -> EmailMultiAlternatives:
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        info = get_kind(kind)
        items = message_items(recipient=recipient, notifications=notifications)
        subject = notifications[0].title if len(items) == 1 and kind != "daily_digest" else str(info.label)
        if kind == "daily_digest":
            subject = notifications[0].title
        unsubscribe = ""
        if info.user_configurable:
            unsubscribe = absolute(
                reverse("notifications:unsubscribe", args=[unsubscribe_token(user_id=recipient.id, kind=kind)])
            )
        context = {
            "recipient": recipient,
            "kind": info,
            "subject": subject,
            "items": items,
            "unsubscribe_url": unsubscribe,
            "preferences_url": absolute(reverse("notifications:preferences")),
            "centre_url": absolute(reverse("notifications:list")),
        }
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    headers = {"Auto-Submitted": "auto-generated", "X-LMS-Notifications": ",".join(str(n.id) for n in notifications)}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[recipient.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message
