"""A manager's score override is written to the audit log (issue 9)."""

import pytest
from django.urls import reverse

from lms.audit import AuditAction
from lms.models import AuditLog
from practice import services

pytestmark = pytest.mark.django_db


def test_override_from_the_page_is_audited_with_the_request(client_for, manager_a, finished_a):
    client_for(manager_a).post(
        reverse("practice:override", args=[finished_a.id]), {"close-score": "40", "close-reason": "答非所问"}
    )
    assert AuditLog.objects.filter(
        action=AuditAction.SCORE_OVERRIDE, actor=manager_a, object_id=str(finished_a.pk), ip_address__isnull=False
    ).exists()


def test_override_without_a_request_is_audited(manager_a, finished_a):
    services.score_override(
        session=finished_a, author=manager_a, changes={"discovery": {"score": 70, "reason": "复核"}}
    )
    entry = AuditLog.objects.get(action=AuditAction.SCORE_OVERRIDE)
    assert entry.details["from"] == 79 and entry.details["to"] == 88
    assert entry.details["dimensions"] == {"discovery": {"from": 13, "to": 70, "reason": "复核"}}
