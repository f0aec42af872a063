"""Renewal: taking a completed course again when its certificate expired or expires within 30 days."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dashboards.models import PersonStats
from learning import services
from learning.models import Certificate, Enrollment, LessonProgress
from tests.learning.factories import course_with_lessons


@pytest.fixture
def renew_course(trainer):
    return course_with_lessons(2, owners=[trainer], title="合规复训", certificate_valid_days=365, self_enroll=True)


def _finish(user, course):
    for item in course.items.all():
        services.lesson_complete(user=user, lesson_id=item.lesson_id)
    return Certificate.objects.get(user=user, course=course, enrollment__isnull=False)


@pytest.fixture
def completed(renew_course, sales_a, trainer):
    services.enrollment_create(user=sales_a, course=renew_course, enrolled_by=trainer)
    return _finish(sales_a, renew_course)


def _expire_in(cert, days):
    Certificate.objects.filter(id=cert.id).update(expires_on=timezone.localdate() + dt.timedelta(days=days))


@pytest.mark.parametrize("days", [30, 1, 0, -5])
def test_renew_allowed_when_expiring_or_expired(completed, renew_course, sales_a, days):
    _expire_in(completed, days)
    result = services.enrollment_renew(user=sales_a, course=renew_course)
    assert result.renewed
    e = Enrollment.objects.get(user=sales_a, course=renew_course)
    assert (e.status, e.progress, e.completed_at, e.started_at) == (Enrollment.Status.NOT_STARTED, 0, None, None)
    completed.refresh_from_db()
    assert completed.enrollment_id is None  # kept as history
    assert Certificate.objects.filter(user=sales_a, course=renew_course).count() == 1


def test_renew_resets_lesson_progress(completed, renew_course, sales_a):
    _expire_in(completed, 10)
    services.enrollment_renew(user=sales_a, course=renew_course)
    lesson_ids = renew_course.items.values_list("lesson_id", flat=True)
    assert not LessonProgress.objects.filter(user=sales_a, lesson_id__in=lesson_ids, completed_at__isnull=False)


def test_renew_refused_while_certificate_valid_for_long(completed, renew_course, sales_a):
    _expire_in(completed, 31)
    with pytest.raises(ValidationError) as exc:
        services.enrollment_renew(user=sales_a, course=renew_course)
    assert exc.value.code == "not_due"
    e = Enrollment.objects.get(user=sales_a, course=renew_course)
    assert e.status == Enrollment.Status.COMPLETED
    assert Certificate.objects.get(user=sales_a, course=renew_course).enrollment_id == e.id


def test_renew_refused_without_expiry(completed, renew_course, sales_a):
    Certificate.objects.filter(id=completed.id).update(expires_on=None)
    with pytest.raises(ValidationError):
        services.enrollment_renew(user=sales_a, course=renew_course)


def test_renew_refused_when_not_completed(renew_course, sales_a, trainer):
    services.enrollment_create(user=sales_a, course=renew_course, enrolled_by=trainer)
    with pytest.raises(ValidationError) as exc:
        services.enrollment_renew(user=sales_a, course=renew_course)
    assert exc.value.code == "not_completed"
    with pytest.raises(ValidationError) as exc:
        services.enrollment_renew(user=sales_a, course=course_with_lessons(1))
    assert exc.value.code == "not_enrolled"


def test_renew_twice_resets_once(completed, renew_course, sales_a):
    _expire_in(completed, 5)
    services.enrollment_renew(user=sales_a, course=renew_course)
    first = renew_course.items.first().lesson_id
    services.lesson_complete(user=sales_a, lesson_id=first)
    again = services.enrollment_renew(user=sales_a, course=renew_course)
    assert (
        not again.renewed and again.message != services.RenewResult(enrollment=again.enrollment, renewed=True).message
    )
    e = Enrollment.objects.get(user=sales_a, course=renew_course)
    assert e.progress == 50
    assert LessonProgress.objects.get(user=sales_a, lesson_id=first).completed_at is not None


def test_second_certificate_issued_after_completing_again(completed, renew_course, sales_a):
    _expire_in(completed, -1)
    services.enrollment_renew(user=sales_a, course=renew_course)
    new = _finish(sales_a, renew_course)
    assert new.id != completed.id and new.code != completed.code
    assert new.expires_on == timezone.localdate() + dt.timedelta(days=365)
    assert Certificate.objects.filter(user=sales_a, course=renew_course).count() == 2
    e = Enrollment.objects.get(user=sales_a, course=renew_course)
    assert e.status == Enrollment.Status.COMPLETED and e.certificate == new


def test_renew_refreshes_dashboard_figures(completed, renew_course, sales_a, django_capture_on_commit_callbacks):
    from dashboards.services import stats_repair

    stats_repair()
    assert PersonStats.objects.get(user=sales_a).completed == 1
    _expire_in(completed, 3)
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_renew(user=sales_a, course=renew_course)
    assert PersonStats.objects.get(user=sales_a).completed == 0


# --- the course page ---


def test_course_page_shows_renew_button_and_renews(client_for, completed, renew_course, sales_a):
    _expire_in(completed, 20)
    client = client_for(sales_a)
    url = reverse("learning:course_detail", args=[renew_course.id])
    body = client.get(url).content.decode()
    assert 'data-testid="renew"' in body and reverse("learning:renew", args=[renew_course.id]) in body
    r = client.post(reverse("learning:renew", args=[renew_course.id]))
    assert r.status_code == 302
    assert Enrollment.objects.get(user=sales_a, course=renew_course).status == Enrollment.Status.NOT_STARTED
    body = client.get(url).content.decode()
    assert 'data-testid="renew"' not in body


def test_course_page_hides_renew_while_valid(client_for, completed, renew_course, sales_a):
    _expire_in(completed, 200)
    body = client_for(sales_a).get(reverse("learning:course_detail", args=[renew_course.id])).content.decode()
    assert 'data-testid="renew"' not in body
    r = client_for(sales_a).post(reverse("learning:renew", args=[renew_course.id]), follow=True)
    assert "仍然有效" in r.content.decode() or "still valid" in r.content.decode()
    assert Enrollment.objects.get(user=sales_a, course=renew_course).status == Enrollment.Status.COMPLETED


def test_renew_page_refusals(client, client_for, completed, renew_course, sales_a, sales_b):
    _expire_in(completed, 5)
    url = reverse("learning:renew", args=[renew_course.id])
    r = client.post(url)
    assert r.status_code == 302 and "login" in r["Location"]
    assert client_for(sales_a).get(url).status_code == 405
    # another person has nothing to renew here: refused, sales_a's enrollment untouched
    client_for(sales_b).post(url)
    assert Enrollment.objects.get(user=sales_a, course=renew_course).status == Enrollment.Status.COMPLETED
    # a course that is not published is not found
    renew_course.status = renew_course.Status.DRAFT
    renew_course.save(update_fields=["status"])
    assert client_for(sales_a).post(url).status_code == 404
    assert Enrollment.objects.get(user=sales_a, course=renew_course).status == Enrollment.Status.COMPLETED


def test_expiring_notice_links_to_the_course_page(completed, renew_course, sales_a):
    from notifications import domain_rules
    from notifications.models import Notification

    _expire_in(completed, services.CERTIFICATE_RENEW_DAYS)
    domain_rules.rule_certificate_expiring(now=timezone.now())
    n = Notification.objects.get(recipient=sales_a, kind="certificate_expiring")
    assert n.url.endswith(reverse("learning:course_detail", args=[renew_course.id]))
