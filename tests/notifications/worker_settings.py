"""Settings for a real Celery worker started by the exactly-once tests (tests/notifications/test_exactly_once.py).

Same as the test settings, but tasks really go through Redis, e-mails are files (one per message) the test can
count, quiet hours are off (the test runs at any hour) and the lease and visibility timeout are seconds, not minutes.
"""

import os

from lms.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
# A dead worker's unacknowledged task comes back after 4 s; look for such tasks every second (not every 100 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 4,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
MAILERS = {"default": {"BACKEND": "tests.notifications.worker_backend.CountingFileBackend"}}
NOTIFICATIONS = {
    **NOTIFICATIONS,  # noqa: F405
    "QUIET_HOURS": ("00:00", "00:00"),
    "LEASE_SECONDS": 3,
    "BATCH_SIZE": 50,
    "MAIL_DIR": os.environ.get("NOTIFY_MAIL_DIR", "/tmp/notify-mail"),  # noqa: S108
}
