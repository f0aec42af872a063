"""A certificate replaced by a renewal (the person took the course again and a newer certificate was issued) is
history: the dashboards' valid and expiring figures, the expiring list, exports, API and the expiring notice no
longer count it. Until the new certificate is issued, the old one still counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import selectors
from dashboards.models import PersonStats, TeamStats
from dashboards.services import stats_repair
from learning import services as learning_services
from learning.models import Certificate
from tests.learning.factories import course_with_lessons

pytestmark = pytest.mark.django_db


@pytest.fixture
def renew_course(trainer):
    return course_with_lessons(2, owners=[trainer], title="合规复训", certificate_valid_days=365, self_enroll=True)


def _finish(user, course) -> Certificate:
    for item in course.items.all():
        learning_services.lesson_complete(user=user, lesson_id=item.lesson_id)
    return Certificate.objects.get(user=user, course=course, enrollment__isnull=False)


def _certified(user, course, *, trainer, expires_in: int) -> Certificate:
    learning_services.enrollment_create(user=user, course=course, enrolled_by=trainer)
    cert = _finish(user, course)
    Certificate.objects.filter(id=cert.id).update(expires_on=timezone.localdate() + dt.timedelta(days=expires_in))
    return cert


@pytest.fixture
def renewed(renew_course, sales_a, trainer):
    """sales_a: a certificate expiring in 30 days, renewed and completed again (a new one for 365 days)."""
    old = _certified(sales_a, renew_course, trainer=trainer, expires_in=30)
    learning_services.enrollment_renew(user=sales_a, course=renew_course)
    new = _finish(sales_a, renew_course)
    assert new.id != old.id
    return old, new


def _expiring_ids(team) -> set[int]:
    team = type(team).objects.select_related("stats").get(id=team.id)
    return {c["id"] for c in selectors.team_expiring_certificates(team=team)}


def test_a_replaced_certificate_is_neither_valid_twice_nor_expiring(renewed, sales_a, team_a):
    old, new = renewed
    stats_repair()
    stats = PersonStats.objects.get(user=sales_a)
    assert (stats.certs_valid, stats.certs_expiring) == (1, 0)
    team = TeamStats.objects.get(team=team_a)
    assert (team.certs_valid, team.certs_expiring) == (1, 0)
    assert old.id not in _expiring_ids(team_a) and not _expiring_ids(team_a)


def test_only_an_old_certificate_still_counts(renewed, renew_course, sales_a, team_a, trainer):
    """Another person of the team renewed but has not finished again: their certificate is still the one in force
    (and still expiring); sales_a's replaced one is not."""
    from tests.factories import make_salesperson

    other = make_salesperson(team_a, username="renewing")
    waiting = _certified(other, renew_course, trainer=trainer, expires_in=20)
    learning_services.enrollment_renew(user=other, course=renew_course)
    stats_repair()
    assert (PersonStats.objects.get(user=other).certs_valid, PersonStats.objects.get(user=other).certs_expiring) == (
        1,
        1,
    )
    assert _expiring_ids(team_a) == {waiting.id}
    team = TeamStats.objects.get(team=team_a)
    assert (team.certs_valid, team.certs_expiring) == (2, 1)


def test_the_hooks_keep_the_figures_current_through_a_renewal(
    renew_course, sales_a, team_a, trainer, django_capture_on_commit_callbacks
):
    """No repair in between: renewal and the new completion refresh the figures through their own hooks."""
    with django_capture_on_commit_callbacks(execute=True):
        old = _certified(sales_a, renew_course, trainer=trainer, expires_in=10)
    stats_repair()
    assert PersonStats.objects.get(user=sales_a).certs_expiring == 1
    assert _expiring_ids(team_a) == {old.id}
    with django_capture_on_commit_callbacks(execute=True):
        learning_services.enrollment_renew(user=sales_a, course=renew_course)
    assert PersonStats.objects.get(user=sales_a).certs_expiring == 1  # the old one is still in force
    with django_capture_on_commit_callbacks(execute=True):
        _finish(sales_a, renew_course)
    stats = PersonStats.objects.get(user=sales_a)
    assert (stats.certs_valid, stats.certs_expiring) == (1, 0)
    assert _expiring_ids(team_a) == set()


def test_page_api_and_export_agree(renewed, client_for, api_for, manager_a, sales_a, team_a):
    from tests.dashboards.test_exports import _export

    old, new = renewed
    stats_repair()
    body = client_for(manager_a).get(reverse("dashboards:home"), {"team": team_a.id}).content.decode()
    expiring = body[body.index('data-testid="expiring-table"') :].split("</table>")[0]
    assert "合规复训" not in expiring
    data = api_for(manager_a).get(f"/api/v1/dashboards/teams/{team_a.id}/").json()
    assert (data["figures"]["certs_valid"], data["figures"]["certs_expiring"]) == (1, 0)
    person = api_for(manager_a).get(f"/api/v1/dashboards/people/{sales_a.id}/").json()
    assert [(c["code"], c["replaced"]) for c in person["certificates"]] == [(new.code, False), (old.code, True)]
    assert (person["figures"]["certs_valid"], person["figures"]["certs_expiring"]) == (1, 0)
    page = client_for(manager_a).get(reverse("dashboards:person", args=[sales_a.id])).content.decode()
    assert page.count('data-testid="certificate-replaced"') == 1
    rows = _export(client_for(manager_a), table="people", team=team_a.id, format="csv", q=sales_a.employee_no)
    assert len(rows) == 2
    assert (rows[1][7], rows[1][8]) == ("1", "0")  # valid certificates, expiring in 30 days


def test_no_expiring_notice_for_a_replaced_certificate(renewed, renew_course, sales_a, sales_b, trainer):
    """The notice goes 30 days before expiry: sales_a's old certificate expires then but was replaced (nothing to
    renew); sales_b's, expiring the same day and not replaced, still gets it."""
    from notifications import domain_rules
    from notifications.models import Notification

    _certified(sales_b, renew_course, trainer=trainer, expires_in=30)
    domain_rules.rule_certificate_expiring(now=timezone.now())
    notices = Notification.objects.filter(kind="certificate_expiring")
    assert list(notices.values_list("recipient_id", flat=True)) == [sales_b.id]


def test_a_renewed_but_unfinished_course_is_still_noticed(renew_course, sales_a, trainer):
    from notifications import domain_rules
    from notifications.models import Notification

    _certified(sales_a, renew_course, trainer=trainer, expires_in=30)
    learning_services.enrollment_renew(user=sales_a, course=renew_course)
    domain_rules.rule_certificate_expiring(now=timezone.now())
    assert Notification.objects.filter(recipient=sales_a, kind="certificate_expiring").count() == 1


def test_the_newest_of_two_issued_at_the_same_moment_is_in_force(sales_a, team_a, renew_course):
    """Certificates issued at the same moment (bulk imports): the higher id replaces the lower."""
    today = timezone.localdate()
    now = timezone.now()
    made = [
        Certificate.objects.create(
            user=sales_a,
            course=renew_course,
            code=f"SAME{i}",
            holder_name="x",
            course_title="x",
            issued_at=now,
            expires_on=today + dt.timedelta(days=days),
        )
        for i, days in enumerate((5, 200))
    ]
    stats_repair()
    stats = PersonStats.objects.get(user=sales_a)
    assert (stats.certs_valid, stats.certs_expiring) == (1, 0)
    assert made[0].id not in _expiring_ids(team_a)
