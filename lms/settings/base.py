"""Settings shared by every environment. Values that vary by deployment come from the environment."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from lms.env import env_bool, env_int, env_list, env_str, mailer_from_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "lms",
    # Ours, in dependency order: seed_demo runs each app's demo in this order.
    "trainees",
    "courses",
    "learning",
    "assessments",
    "practice",
    "dashboards",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"
ASGI_APPLICATION = "lms.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lms.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Waiting for the lock beats "database is locked" when the worker and the web app write at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "trainees.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Chinese first.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Redis is optional: without REDIS_URL the cache is per process and Celery uses the embedded broker.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery. The embedded default is the filesystem transport: a broker that needs no server.
CELERY_BROKER_DIR = Path(env_str("CELERY_BROKER_DIR", str(BASE_DIR / "var" / "broker")))
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # The exchange table; kombu's default is ./control, in whatever directory the worker was started.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Redis redelivers a task not acknowledged within this window; no ETA may exceed it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE: dict = {}

# E-mail from EMAIL_URL (console://, file:///path, smtp://user:pass@host:587?tls=true); the console by default
# (decoded text, lms.mail.ReadableConsoleBackend). local.py writes to var/mail/ when EMAIL_URL is not set.
MAILERS = {"default": mailer_from_url(env_str("EMAIL_URL", "console://"))}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "lms@localhost")
# The address of the site, for links in e-mails (reminders, password reset): never taken from a request's Host.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "lms.api.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "lms.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "lms.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "lms.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sales-training LMS API",
    "DESCRIPTION": "REST API of the sales-training LMS (销售培训管理平台). Errors share one shape: "
    '`{"error": {"code": ..., "message": ..., "fields": {...}}}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lms.api.schema.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Uploads (courses, imports): a clear error above this size.
FILE_UPLOAD_MAX_BYTES = env_int("FILE_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
# An image placed in rich text from the editor (courses.RichTextImage): smaller, it loads inside a page.
RICHTEXT_IMAGE_MAX_BYTES = env_int("RICHTEXT_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# Limits that hold before an import is parsed (lms/import_limits.py): rows besides a header (people, questions,
# enrollment CSVs; lines of GIFT and Aiken files), cells, and for Excel files the distinct texts (shared strings) and
# the size unpacked. Each covers its largest real use with room: a company's people list of 50,000, a question bank
# of 5,000 questions (14 columns, at most 70,000 texts, some 6 MB unpacked).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000)
IMPORT_MAX_CELLS = env_int("IMPORT_MAX_CELLS", 1_000_000)
IMPORT_MAX_SHARED_STRINGS = env_int("IMPORT_MAX_SHARED_STRINGS", 100_000)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000

# courses (training plans): name the objective-kind enum so it does not collide with Team.kind in the schema.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["ObjectiveKindEnum"] = "courses.models.plans.Objective.Kind"

# --- Learning (learning.services) ---
from celery.schedules import crontab  # noqa: E402

# Enrolling more people than this at once runs in Celery with a progress bar.
ENROLLMENT_SYNC_LIMIT = env_int("ENROLLMENT_SYNC_LIMIT", 300)
# A video lesson completes when this share of its length has been watched (credited from heartbeats).
VIDEO_COMPLETION_SHARE = float(env_str("VIDEO_COMPLETION_SHARE", "0.9"))
# The player sends a heartbeat this often while playing; one heartbeat never credits more than MAX_CREDIT s.
VIDEO_HEARTBEAT_INTERVAL = env_int("VIDEO_HEARTBEAT_INTERVAL", 10)
VIDEO_HEARTBEAT_MAX_CREDIT = env_int("VIDEO_HEARTBEAT_MAX_CREDIT", 20)
CELERY_BEAT_SCHEDULE["enrollments-mark-overdue"] = {
    # Every day at 00:10 Asia/Shanghai: open enrollments past their due date become overdue.
    "task": "learning.tasks.enrollments_mark_overdue",
    "schedule": crontab(hour=0, minute=10),
}
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["LessonKindEnum"] = "courses.models.content.Lesson.Kind"

# Enum names in the OpenAPI schema where several models have a field of the same name.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "PlanStatusEnum": "courses.models.plans.TrainingPlan.Status",
        "CourseStatusEnum": "courses.models.content.Course.Status",
    }
)

# --- practice (AI role-play) ---------------------------------------------------------------------------
# "auto" uses the sentence-embedding model when installed; "lexical" forces word matching only.
PRACTICE_SEMANTIC_BACKEND = env_str("PRACTICE_SEMANTIC_BACKEND", "auto")
# "scripted" (default, offline) or "openai" (an OpenAI-compatible chat endpoint such as vLLM or Ollama).
PRACTICE_CUSTOMER_BACKEND = env_str("PRACTICE_CUSTOMER_BACKEND", "scripted")
PRACTICE_LLM_BASE_URL = env_str("PRACTICE_LLM_BASE_URL", "")
PRACTICE_LLM_MODEL = env_str("PRACTICE_LLM_MODEL", "qwen2.5:7b-instruct")
PRACTICE_LLM_API_KEY = env_str("PRACTICE_LLM_API_KEY", "")
# Seconds per attempt; a call makes 1 + PRACTICE_LLM_RETRIES attempts at most (connection errors, timeouts, 429, 5xx).
PRACTICE_LLM_TIMEOUT = env_int("PRACTICE_LLM_TIMEOUT", 10)
PRACTICE_LLM_RETRIES = env_int("PRACTICE_LLM_RETRIES", 2)
# After this many failed calls in a row the endpoint is skipped (scripted lines, no judge) for the cool-down, seconds.
PRACTICE_LLM_BREAKER_FAILURES = env_int("PRACTICE_LLM_BREAKER_FAILURES", 3)
PRACTICE_LLM_BREAKER_COOLDOWN = env_int("PRACTICE_LLM_BREAKER_COOLDOWN", 60)
# "off" (default) or "openai": the same endpoint re-checks the scorer's borderline key point verdicts.
PRACTICE_JUDGE_BACKEND = env_str("PRACTICE_JUDGE_BACKEND", "off")
# Load the sentence model in a background thread when a process starts, so the first reply is not slow.
PRACTICE_PRELOAD_MODEL = env_bool("PRACTICE_PRELOAD_MODEL", False)

# assessments: close and grade attempts left open past their deadline, every minute.
CELERY_BEAT_SCHEDULE["assessments-close-overdue-attempts"] = {
    "task": "assessments.tasks.close_overdue_attempts",
    "schedule": 60.0,
}

# --- notifications: reminders and notifications (queues, limits, beat schedule) ---

NOTIFICATIONS = {
    # E-mails wait during quiet hours (local time); in-app notifications appear at once.
    "QUIET_HOURS": (env_str("NOTIFICATIONS_QUIET_START", "22:00"), env_str("NOTIFICATIONS_QUIET_END", "08:00")),
    "MAX_ATTEMPTS": env_int("NOTIFICATIONS_MAX_ATTEMPTS", 5),
    # Retry after 60 s, 120 s, 240 s, ... never more than BACKOFF_MAX (kept below the broker's visibility timeout).
    "BACKOFF_BASE": env_int("NOTIFICATIONS_BACKOFF_BASE", 60),
    "BACKOFF_MAX": env_int("NOTIFICATIONS_BACKOFF_MAX", 1800),
    # A row left "sending" longer than this (its worker died) goes back to "pending". Longer than the send task's
    # time limit, so a live worker always finishes before anyone takes its rows over.
    "LEASE_SECONDS": env_int("NOTIFICATIONS_LEASE_SECONDS", 600),
    "BATCH_SIZE": env_int("NOTIFICATIONS_BATCH_SIZE", 200),
    "CHUNK_SIZE": env_int("NOTIFICATIONS_CHUNK_SIZE", 50000),
    # Absolute links in e-mails.
    "SITE_URL": SITE_URL,
    # Pushed channels besides e-mail. Example (WeCom group robot), off by default:
    # "wecom": {"CLASS": "notifications.channels.WebhookChannel", "URL": "https://qyapi.weixin.qq.com/...",
    #           "ENABLED": True, "TIMEOUT": 5}
    "CHANNELS": {},
}
if env_str("NOTIFICATIONS_WEBHOOK_URL"):
    NOTIFICATIONS["CHANNELS"]["webhook"] = {
        "CLASS": "notifications.channels.WebhookChannel",
        "URL": env_str("NOTIFICATIONS_WEBHOOK_URL"),
        "ENABLED": env_bool("NOTIFICATIONS_WEBHOOK_ENABLED", True),
    }

# Scans go to "bulk", sends to "send": a long scan never holds up e-mails, and each can be scaled on its own.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "notifications.tasks.scan_due_reminders": {"queue": "bulk"},
    "notifications.tasks.run_rule_chunk": {"queue": "bulk"},
    "notifications.tasks.build_daily_digests": {"queue": "bulk"},
    "notifications.tasks.send_manager_weekly_digests": {"queue": "bulk"},
    "notifications.tasks.send_trainer_grading_digests": {"queue": "bulk"},
    "notifications.tasks.dispatch_notifications": {"queue": "send"},
}
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    # Every 15 minutes: run every registered reminder rule (due in 3 days / 1 day, overdue, session tomorrow...).
    "notifications-scan-due-reminders": {
        "task": "notifications.tasks.scan_due_reminders",
        "schedule": crontab(minute="*/15"),
    },
    # Every minute: send pending e-mails whose time has come (also picks up anything an enqueue failure left behind).
    "notifications-dispatch": {"task": "notifications.tasks.dispatch_notifications", "schedule": 60.0},
    # Every day at 08:05 Asia/Shanghai, just after quiet hours: one digest e-mail per person who chose digests.
    "notifications-daily-digest": {
        "task": "notifications.tasks.build_daily_digests",
        "schedule": crontab(hour=8, minute=5),
    },
    # Every Monday at 09:00 Asia/Shanghai: the weekly team digest for managers.
    "notifications-manager-weekly-digest": {
        "task": "notifications.tasks.send_manager_weekly_digests",
        "schedule": crontab(hour=9, minute=0, day_of_week="mon"),
    },
    # Every day at 09:30 Asia/Shanghai: trainers hear how many answers wait for grading.
    "notifications-trainer-grading-digest": {
        "task": "notifications.tasks.send_trainer_grading_digests",
        "schedule": crontab(hour=9, minute=30),
    },
}
TEMPLATES[0]["OPTIONS"]["context_processors"].append("notifications.context.unread_count")

# ---------------------------------------------------------------------------------------------------------------
# Security and reliability (issue 9): login throttling (django-axes), Content-Security-Policy, idle sessions.
import datetime as _dt  # noqa: E402

from django.utils.csp import CSP  # noqa: E402

INSTALLED_APPS.insert(INSTALLED_APPS.index("lms"), "axes")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "lms.security.IdleTimeoutMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last: turns a lockout into our 429 page / JSON error
# After the locale is chosen, before any view: an address with a NUL character gets 400 and a message.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1, "lms.security.NulCharacterMiddleware"
)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("django.template.context_processors.csp")

# Failed logins are counted per account and, separately, per IP; either reaching the limit locks for an hour.
# Admins reset a lockout in the admin ("Access attempts": delete, or "Reset login lockout" on a user).
AUTHENTICATION_BACKENDS = ["lms.security.LoginThrottleBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 100)
AXES_COOLOFF_TIME = _dt.timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "lms.security.lockout_response"
AXES_USERNAME_CALLABLE = "lms.security.login_username"
AXES_RESET_ON_SUCCESS = False
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None  # set to 1 behind one reverse proxy
AXES_VERBOSE = False

# Content-Security-Policy on every response. Page authors: see docs/security.md, "Rules for page authors".
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Sessions end after this many seconds without a request (default 8 hours); see lms.security.IdleTimeoutMiddleware.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 8 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Django's default, said here: no address of ours (a password reset link's token) is sent to another site.
SECURE_REFERRER_POLICY = "same-origin"

# Password reset by e-mail (lms.account_views, lms.services.password_reset_request): a link works once, for a day;
# requests are counted per e-mail address and per IP over PASSWORD_RESET_LIMIT_WINDOW seconds (lms.security).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 24 * 60 * 60)
PASSWORD_RESET_LIMIT_PER_EMAIL = env_int("PASSWORD_RESET_LIMIT_PER_EMAIL", 3)
PASSWORD_RESET_LIMIT_PER_IP = env_int("PASSWORD_RESET_LIMIT_PER_IP", 20)
PASSWORD_RESET_LIMIT_WINDOW = env_int("PASSWORD_RESET_LIMIT_WINDOW", 60 * 60)

# --- Dashboards (dashboards) ---
# Exports of more rows than this run in Celery with a progress bar.
DASHBOARD_EXPORT_SYNC_LIMIT = env_int("DASHBOARD_EXPORT_SYNC_LIMIT", 2000)
CELERY_BEAT_SCHEDULE["dashboard-stats-repair"] = {
    # Every minute: recompute the dashboard figures from enrollments (repairs drift; never more than 60 s stale)
    # and keep this week's snapshot current.
    "task": "dashboards.tasks.stats_repair",
    "schedule": 60.0,
}
# A person's category is a weak spot when their average quiz score there is below this (0-100).
DASHBOARD_WEAK_SCORE = env_int("DASHBOARD_WEAK_SCORE", 60)

# --- API (fixapi): JSON bodies only, so the schema documents one request content type per operation; a view
# that takes file uploads names its own parsers (multipart). Form-encoded bodies cannot express null or lists.
# Our JSON parser refuses (400) a NUL, a lone surrogate or a number past a float's range anywhere in the body.
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["lms.api.parsers.JSONParser"]

# --- Reliability (issue 9, load and outages) ---
# A database connection error answers 503 with a message (lms.outage), not a 500. A persistent connection is
# checked before reuse, so after a PostgreSQL restart the next request reconnects by itself.
MIDDLEWARE.append("lms.outage.DatabaseUnavailableMiddleware")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A request waits at most this long for a connection to an unreachable server before answering 503.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
# Tasks a request could not queue while the broker was down (lms.deferred) are sent from here once it is back.
CELERY_BEAT_SCHEDULE["lms-relay-deferred-tasks"] = {
    "task": "lms.tasks.relay_deferred_tasks",
    "schedule": float(env_int("DEFERRED_TASK_RELAY_SECONDS", 30)),
}

# --- Dashboards (dashviz): hourly recompute of category/competency mastery from quiz and practice results (the
# hooks keep it current; this repairs drift). Team weak spots are areas whose average is below DASHBOARD_WEAK_SCORE.
CELERY_BEAT_SCHEDULE["dashboard-mastery-repair"] = {
    "task": "dashboards.tasks.stats_refresh_mastery",
    "schedule": 3600.0,
}

# --- Assessments: the submits at the end of a quiz share one queued grading run (assessments.services.
# _queue_grading) while it waits, which needs a cache every process shares (Redis). Without Redis (`make run`:
# a per-process cache) each submit queues its own grading task.
ASSESSMENT_GRADING_SHARED_RUN = env_bool("ASSESSMENT_GRADING_SHARED_RUN", bool(REDIS_URL))
