"""The embedded default for `make run`: SQLite, the filesystem broker, e-mail written to files under var/mail
(read them at /dev/mailbox/ as staff) unless EMAIL_URL says otherwise."""

from lms.env import env_bool, env_str

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)

# Without EMAIL_URL the mails go to var/mail/ (one .log file per sending connection), where the local mailbox page
# (lms.mailbox) shows them decoded; EMAIL_URL=console:// prints them decoded in the worker log instead.
if not env_str("EMAIL_URL"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(BASE_DIR / "var" / "mail")},  # noqa: F405
        }
    }
