"""Publishing a plan and every edit after it are written to the audit log (issue 9)."""

import datetime as dt

import pytest
from django.urls import reverse

from courses import plan_services
from lms.audit import AuditAction
from lms.models import AuditLog
from tests.courses.plan_factories import *  # noqa: F403
from tests.courses.plan_factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_publish_from_the_page_is_audited(client_for, plan, trainer):
    SessionFactory(plan=plan)
    client_for(trainer).post(reverse("courses:plan_publish", args=[plan.pk]), {"confirm": "1"})
    assert AuditLog.objects.filter(action=AuditAction.PLAN_PUBLISH, actor=trainer, object_id=str(plan.pk)).exists()


def test_edits_after_publish_are_audited_but_draft_edits_are_not(plan, trainer):
    session = SessionFactory(plan=plan)
    plan_services.plan_update(plan=plan, user=trainer, venue="一号楼")  # a draft: not audited
    assert not AuditLog.objects.filter(action=AuditAction.PLAN_EDIT_AFTER_PUBLISH).exists()
    plan_services.plan_publish(plan=plan, user=trainer)
    plan_services.plan_update(plan=plan, user=trainer, venue="二号楼")
    plan_services.session_update(session=session, user=trainer, start_time=dt.time(8, 30), end_time=dt.time(10, 0))
    assert AuditLog.objects.filter(action=AuditAction.PLAN_EDIT_AFTER_PUBLISH, object_id=str(plan.pk)).count() == 2
