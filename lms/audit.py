"""The audit log: `audit_log_record(...)` for every security-relevant or grading action.

Other apps call it from their services, e.g.::

    from lms.audit import AuditAction, audit_log_record
    audit_log_record(actor=user, action=AuditAction.SCORE_OVERRIDE, obj=attempt,
                     details={"from": 62, "to": 75, "reason": reason}, request=request)

`request` is optional (services called from views may pass it down, or leave it out: IP and user agent are then
empty). The log is append-only in the app: nothing edits or deletes rows.
"""

import ipaddress
import json
import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.dispatch import receiver

from lms.models import AuditLog, UserSession
from lms.security import IDLE_SESSION_KEY


class AuditAction:
    """The action names in use. Add yours here (and to the list in docs/security.md, "Audit log") rather than inventing spellings."""

    LOGIN = "auth.login"
    LOGOUT = "auth.logout"
    LOGIN_FAILED = "auth.login_failed"
    TOKEN_ISSUED = "auth.token_issued"  # noqa: S105 (an action name)
    LOGOUT_EVERYWHERE = "auth.logout_everywhere"
    LOCKOUT_RESET = "auth.lockout_reset"
    PASSWORD_RESET_MAIL_SENT = "auth.password_reset_mail_sent"  # noqa: S105 (an action name)
    PASSWORD_RESET = "auth.password_reset"  # noqa: S105 (an action name)
    ROLES_CHANGED = "person.roles_changed"
    PERSON_CHANGED = "person.changed"  # e-mail, team, name, staff flags: details {field: [before, after]}
    TEAM_MANAGERS_CHANGED = "team.managers_changed"
    TEAM_CHANGED = "team.changed"  # a team added, renamed or moved: details {field: [before, after]}
    PERSON_ANONYMISED = "person.anonymised"
    PEOPLE_IMPORT = "people.import"
    # For the other apps (plans, assessments, reports):
    SCORE_OVERRIDE = "grade.score_override"
    PLAN_PUBLISH = "plan.publish"
    PLAN_EDIT_AFTER_PUBLISH = "plan.edit_after_publish"
    QUIZ_NEW_VERSIONS = "quiz.new_versions"
    EXPORT = "export.download"
    ENROLLMENT_REASSIGN = "enrollment.reassign"  # details: course, from status, from/to due date, progress reset
    PROGRESS_RESET = "learning.progress_reset"  # details: course, lessons whose progress was deleted


def _client_ip(request) -> str | None:
    if request is None:
        return None
    raw = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _jsonable(details: dict | None) -> dict:
    if not details:
        return {}
    return json.loads(json.dumps(details, cls=DjangoJSONEncoder, default=str))


def audit_log_record(
    *,
    actor: Any = None,
    action: str,
    obj: models.Model | None = None,
    details: dict | None = None,
    request: Any = None,
) -> AuditLog:
    """Append one entry. `actor` may be None (system, failed login); `obj` any model instance."""
    entry = audit_log_entry(actor=actor, action=action, obj=obj, details=details, request=request)
    entry.save()
    return entry


def audit_log_record_many(*, actor: Any = None, action: str, changes: list[tuple[models.Model, dict]], request=None):
    """One entry per (object, details), written in one statement (an import that changes thousands of people)."""
    AuditLog.objects.bulk_create(
        [audit_log_entry(actor=actor, action=action, obj=o, details=d, request=request) for o, d in changes],
        batch_size=1000,
    )


def audit_log_entry(
    *,
    actor: Any = None,
    action: str,
    obj: models.Model | None = None,
    details: dict | None = None,
    request: Any = None,
) -> AuditLog:
    """The entry `audit_log_record` writes, unsaved."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditLog(
        actor=actor,
        actor_repr=(actor.get_username() if actor is not None else "")[:200],
        action=action[:64],
        details=_jsonable(details),
        ip_address=_client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
    )
    if obj is not None:
        entry.object_type = obj._meta.label_lower
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:200]
    return entry


# --- Signals: logins, logouts, failures; each login's session goes into the per-person session index. ---------


@receiver(user_logged_in, dispatch_uid="lms.audit.logged_in")
def _on_logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[IDLE_SESSION_KEY] = int(time.time())
        if not request.session.session_key:
            request.session.save()
        UserSession.objects.get_or_create(session_key=request.session.session_key, defaults={"user": user})
    audit_log_record(actor=user, action=AuditAction.LOGIN, obj=user, request=request)


@receiver(user_logged_out, dispatch_uid="lms.audit.logged_out")
def _on_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    audit_log_record(actor=user, action=AuditAction.LOGOUT, obj=user, request=request)


@receiver(user_login_failed, dispatch_uid="lms.audit.login_failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_log_record(actor=None, action=AuditAction.LOGIN_FAILED, details={"username": username}, request=request)
