"""Settings for the gunicorn and Celery processes of the load and outage benches (tests/bench/bench_weekday.py,
tests/bench/bench_outages.py): the local settings with DEBUG off, static files by plain URL (the benches request no
static file, so no collectstatic manifest is needed) and, with BENCH_MAIL_DIR, one file per e-mail and no quiet
hours, so the outage bench can count every message sent."""

import os

from lms.settings.local import *  # noqa: F403

DEBUG = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

if os.environ.get("BENCH_MAIL_DIR"):
    MAILERS = {"default": {"BACKEND": "tests.notifications.worker_backend.CountingFileBackend"}}
    NOTIFICATIONS = {
        **NOTIFICATIONS,  # noqa: F405
        "QUIET_HOURS": ("00:00", "00:00"),
        "MAIL_DIR": os.environ["BENCH_MAIL_DIR"],
    }
