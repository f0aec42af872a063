"""A mail backend for worker subprocesses: one file per message, named after the notifications it carries.

When the file `block` exists in the mail directory and a message goes to victim@example.com, the backend removes
`block`, writes `reached` and hangs: the test then kills the worker in the middle of its batch."""

import time
import uuid
from pathlib import Path

from notifications import conf


class CountingFileBackend:
    def __init__(self, alias=None, **kwargs):
        self.dir = Path(conf.get("MAIL_DIR"))

    def send_messages(self, messages):
        for message in messages:
            block = self.dir / "block"
            if "victim@example.com" in message.to and block.exists():
                block.unlink()
                (self.dir / "reached").write_text("1")
                time.sleep(300)
            ids = message.extra_headers.get("X-LMS-Notifications", "")
            (self.dir / f"mail-{ids}-{uuid.uuid4().hex}.eml").write_text(message.message().as_string())
        return len(messages)
