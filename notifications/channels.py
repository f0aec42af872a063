"""Delivery channels. In-app is the Notification row itself (shown at once in the notification centre); the pushed
channels below are delivered by the dispatcher. E-mail is always on; more channels (WeCom, DingTalk, Feishu...) are
added in settings, no code change:

    NOTIFICATIONS = {"CHANNELS": {"wecom": {"CLASS": "notifications.channels.WebhookChannel",
                                            "URL": "https://...", "ENABLED": True, "TIMEOUT": 5}}}

A channel's `deliver` raises on failure; the dispatcher then retries the channels that have not delivered yet.
A person's e-mail preference for a kind (off / each time / digest) also governs the webhook channels.
"""

from __future__ import annotations

import json
import logging
import urllib.request

from django.core.mail import mailers
from django.utils.module_loading import import_string

from notifications import conf
from notifications.emails import build_email, message_items

logger = logging.getLogger(__name__)


class Channel:
    name: str = ""

    def __init__(self, name: str, **options):
        self.name = name
        self.options = options

    def deliver(self, *, recipient, kind: str, notifications: list) -> None:
        raise NotImplementedError

    def open(self) -> None:
        """Called once before a batch of deliveries (e.g. to open one connection for the whole batch)."""

    def close(self) -> None:
        """Called once after the batch, whatever happened."""


class EmailChannel(Channel):
    """One e-mail (HTML and plain text, in the recipient's language) for a group of notifications of one kind.
    Between `open` and `close` every message of the batch goes through one connection to the mail server."""

    _mailer = None

    def _new_mailer(self):
        return mailers[self.options.get("MAILER") or conf.get("MAILER")]

    def open(self) -> None:
        mailer = self._new_mailer()
        if not hasattr(mailer, "open"):  # not a Django backend class: each message handles its own connection
            return
        try:
            mailer.open()
        except Exception:  # server down: each message then connects on its own (and fails, and is retried)
            logger.warning("Could not open the mail connection for a batch.", exc_info=True)
            return
        self._mailer = mailer

    def close(self) -> None:
        mailer, self._mailer = self._mailer, None
        if mailer is not None:
            try:
                mailer.close()
            except Exception:
                logger.warning("Closing the mail connection failed.", exc_info=True)

    def deliver(self, *, recipient, kind: str, notifications: list) -> None:
        message = build_email(recipient=recipient, kind=kind, notifications=notifications)
        mailer = self._mailer or self._new_mailer()
        try:
            accepted = mailer.send_messages([message])
        except Exception:
            self.close()  # the connection may be broken: the rest of the batch connects message by message
            raise
        if accepted != 1:
            raise RuntimeError("The mail backend did not accept the message.")


class WebhookChannel(Channel):
    """POSTs JSON to a URL (a WeCom/DingTalk/Feishu robot, or a bridge that routes per person). A non-2xx answer or
    a network error is a failure, retried like an SMTP failure."""

    def payload(self, *, recipient, kind: str, notifications: list) -> dict:
        items = message_items(recipient=recipient, notifications=notifications)
        text = "\n".join(f"{i['title']} {i['body']} {i['link']}".strip() for i in items)
        return {
            "msgtype": "text",
            "text": {"content": text},
            "kind": kind,
            "recipient": {
                "username": recipient.username,
                "employee_no": recipient.employee_no,
                "email": recipient.email,
                "phone": recipient.phone,
            },
            "items": items,
        }

    def deliver(self, *, recipient, kind: str, notifications: list) -> None:
        body = json.dumps(self.payload(recipient=recipient, kind=kind, notifications=notifications)).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL comes from settings, not from users
            self.options["URL"], data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=float(self.options.get("TIMEOUT", 5))) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise RuntimeError(f"Webhook answered {response.status}")


BUILTIN = {"email": {"CLASS": "notifications.channels.EmailChannel", "ENABLED": True}}


def pushed_channels() -> list[Channel]:
    """E-mail first, then every enabled channel from settings (disabled by default)."""
    configured = {**BUILTIN, **conf.get("CHANNELS")}
    channels = []
    for name, options in configured.items():
        options = dict(options)
        if not options.pop("ENABLED", False):
            continue
        cls = import_string(options.pop("CLASS", "notifications.channels.WebhookChannel"))
        channels.append(cls(name, **options))
    return channels
