"""Writes of the `lms` app: ending sessions, resetting login lockouts, password reset mails."""

import datetime as dt
from importlib import import_module

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from lms.audit import AuditAction, audit_log_record
from lms.deferred import enqueue
from lms.models import UserSession
from lms.security import rate_limit_hit


@transaction.atomic
def sessions_end_all(*, user, actor=None, request=None) -> int:
    """Log `user` out everywhere: delete every indexed session and every API token. Returns the sessions ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    tokens = Token.objects.filter(user=user).delete()[0]
    audit_log_record(
        actor=actor or user,
        action=AuditAction.LOGOUT_EVERYWHERE,
        obj=user,
        details={"sessions": len(keys), "tokens": tokens},
        request=request,
    )
    return len(keys)


def login_lockout_reset(*, user, actor, request=None) -> int:
    """Forget the failed logins of this account (and of the IP the lockout came from, via the admin's list)."""
    removed = axes_reset(username=user.get_username())
    audit_log_record(
        actor=actor, action=AuditAction.LOCKOUT_RESET, obj=user, details={"attempts_removed": removed}, request=request
    )
    return removed


def password_reset_request(*, email: str, ip: str | None, language: str) -> bool:
    """Someone asks for a password reset link for `email`. The request is counted per address and per IP first;
    over either limit (settings PASSWORD_RESET_LIMIT_*) nothing is sent and the answer is False.

    Whether any account has this address is not looked at here: the mail task finds the accounts, so the request
    does the same work, and gets the same answer in the same time, for a known and an unknown address."""
    window = settings.PASSWORD_RESET_LIMIT_WINDOW
    email_allowed = rate_limit_hit(
        scope="password-reset-email",
        key=email.strip().casefold(),
        limit=settings.PASSWORD_RESET_LIMIT_PER_EMAIL,
        window=window,
    )
    ip_allowed = rate_limit_hit(
        scope="password-reset-ip", key=ip or "unknown", limit=settings.PASSWORD_RESET_LIMIT_PER_IP, window=window
    )
    if not (email_allowed and ip_allowed):
        return False
    # Nothing was written, so there is no commit to wait for. A broker outage keeps the task for the relay.
    enqueue("lms.tasks.password_reset_mail_send", kwargs={"email": email, "language": language})
    return True


def _password_reset_message(*, user, language: str) -> EmailMultiAlternatives:
    site_url = settings.SITE_URL.rstrip("/")
    with translation.override(language):
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        context = {
            "user": user,
            "username": user.get_username(),
            "site_name": _("Sales-training LMS"),
            "reset_url": site_url + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}),
            "login_url": site_url + reverse("login"),
            "valid_until": timezone.localtime(timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)),
            "time_zone": timezone.get_current_timezone_name(),
            "LANGUAGE_CODE": language,
        }
        subject = render_to_string("registration/email/password_reset_subject.txt", context)
        text = render_to_string("registration/email/password_reset.txt", context)
        html = render_to_string("registration/email/password_reset.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[user.email], headers={"Auto-Submitted": "auto-generated"}
    )
    message.attach_alternative(html, "text/html")
    return message


def password_reset_mail_send(*, email: str, language: str) -> int:
    """Send a reset link to each account Django's reset form would (PasswordResetForm.get_users: active, with a
    usable password, the address matching case-insensitively): none for an unknown address or an inactive account.
    The mail is in `language` (the one the request was made in). Returns how many mails went out."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    sent = 0
    for user in PasswordResetForm().get_users(email):
        _password_reset_message(user=user, language=language).send()
        audit_log_record(actor=None, action=AuditAction.PASSWORD_RESET_MAIL_SENT, obj=user)
        sent += 1
    return sent
