"""E-mail a developer can read: the console backend printing decoded text, and the reading of the messages the file
backend wrote (the local mailbox page, lms.mailbox). A message is parsed with the standard library's `email`
package (headers decoded, each part decoded by its transfer encoding and charset), never shown as HTML."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage as ParsedMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend
from django.utils.html import strip_tags
from django.utils.module_loading import import_string

# The file backend ends every message with a line of 79 dashes (django.core.mail.backends.filebased).
SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass
class ReadableMessage:
    subject: str
    sender: str
    to: str
    cc: str
    date: dt.datetime | None
    text: str
    attachments: list[str] = field(default_factory=list)
    from_html: bool = False  # the text is an HTML-only message's text with its tags removed


def _text_of(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeDecodeError, AssertionError):  # an unknown or wrong charset
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def readable_message(raw: bytes) -> ReadableMessage:
    """One RFC 5322 message (as the file backend stores it) -> its decoded headers and plain-text body. When there
    is no text/plain part, the HTML part's text without tags (never the HTML itself)."""
    message: ParsedMessage = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    text, from_html = "", False
    body = message.get_body(preferencelist=("plain",))
    if body is not None:
        text = _text_of(body)
    else:
        html = message.get_body(preferencelist=("html",))
        if html is not None:
            text, from_html = strip_tags(_text_of(html)), True
    attachments = [part.get_filename() or part.get_content_type() for part in message.iter_attachments()]
    return ReadableMessage(
        subject=str(message["Subject"] or ""),
        sender=str(message["From"] or ""),
        to=str(message["To"] or ""),
        cc=str(message["Cc"] or ""),
        date=date,
        text=text.strip(),
        attachments=attachments,
        from_html=from_html,
    )


def mailbox_folder() -> Path | None:
    """The folder the default mailer writes to when it is the file backend (or one derived from it); else None."""
    config = getattr(settings, "MAILERS", {}).get("default", {})
    try:
        backend = import_string(config.get("BACKEND", ""))
    except ImportError:
        return None
    if not (isinstance(backend, type) and issubclass(backend, FileEmailBackend)):
        return None
    path = config.get("OPTIONS", {}).get("file_path")
    return Path(path) if path else None


def mailbox_messages(*, folder: Path, limit: int = 500) -> list[ReadableMessage]:
    """The messages in the folder, newest first (by file, then by order in the file), at most `limit`: a
    developer's mailbox may grow for weeks, and only the latest matter."""
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.log"), key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    messages: list[ReadableMessage] = []
    for path in files:
        chunks = [c for c in path.read_bytes().split(SEPARATOR) if c.strip()]
        for chunk in reversed(chunks):
            messages.append(readable_message(chunk))
            if len(messages) >= limit:
                return messages
    return messages


class ReadableConsoleBackend(ConsoleEmailBackend):
    """The console backend, printing each message's decoded headers and text instead of its MIME source (base64
    for any non-ASCII text, i.e. every Chinese mail)."""

    def write_message(self, message):
        readable = readable_message(message.message().as_bytes())
        lines = [
            f"From: {readable.sender}",
            f"To: {readable.to}",
            *([f"Cc: {readable.cc}"] if readable.cc else []),
            f"Subject: {readable.subject}",
            f"Date: {readable.date.isoformat() if readable.date else ''}",
            *([f"Attachments: {', '.join(readable.attachments)}"] if readable.attachments else []),
            "",
            readable.text,
        ]
        self.stream.write("\n".join(lines) + "\n")
        self.stream.write("-" * 79)
        self.stream.write("\n")
