"""Settings for tests/bench/bench_notifications.py and the 2 Celery workers it starts: the test settings with tasks
really going through Redis (results kept, so the bench can wait for them), e-mails rendered but dropped (dummy
backend) and quiet hours off (the bench runs at any hour)."""

from lms.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = REDIS_URL  # noqa: F405
CELERY_TASK_IGNORE_RESULT = False
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
NOTIFICATIONS = {**NOTIFICATIONS, "QUIET_HOURS": ("00:00", "00:00")}  # noqa: F405
