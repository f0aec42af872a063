"""Writes of the `lms` app: ending sessions, resetting login lockouts."""

from importlib import import_module

from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from rest_framework.authtoken.models import Token

from lms.audit import AuditAction, audit_log_record
from lms.models import UserSession


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
