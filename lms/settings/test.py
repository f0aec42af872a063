"""Test settings: DATABASE_URL / REDIS_URL when given (CI), SQLite and in-memory equivalents otherwise."""

import os
import re
from urllib.parse import urlsplit

from .base import *  # noqa: F403

# Under pytest-xdist (`make test` runs the suite on every core) each worker gets its own test database (pytest-django
# suffixes the name) and here its own Redis database, so cache keys, throttles and broker queues never cross
# workers. The environment follows, for the worker processes some tests start.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_REDIS = REDIS_URL  # noqa: F405
# Once: a process started by a test inherits both the worker name and the already shifted REDIS_URL.
if _REDIS and re.fullmatch(r"gw\d+", _XDIST_WORKER) and os.environ.get("LMS_TEST_REDIS_PER_WORKER") != _REDIS:
    _url = urlsplit(_REDIS)
    _index = int(_url.path.strip("/") or 0)
    _per_worker = _url._replace(path=f"/{(_index + 1 + int(_XDIST_WORKER[2:])) % 16}").geturl()
    if CELERY_BROKER_URL == _REDIS:  # noqa: F405
        CELERY_BROKER_URL = _per_worker
    REDIS_URL = os.environ["REDIS_URL"] = os.environ["LMS_TEST_REDIS_PER_WORKER"] = _per_worker
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _per_worker}}

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run in process unless a test opts into the real broker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
if not REDIS_URL:  # noqa: F405
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
# One grading task per submit, whether or not REDIS_URL is set (tests of the shared run turn it on themselves).
ASSESSMENT_GRADING_SHARED_RUN = False
