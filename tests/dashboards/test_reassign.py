"""Remediation that acts: assigning a course re-opens overdue and completed enrollments with the new due date
(optionally resetting the course's lesson progress), enrolls new people, leaves those on time alone, counts each
honestly, notifies and audits; role plays are assigned from the weak spots too."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dashboards import services
from learning.models import Certificate, Enrollment, LessonProgress
from lms.models import AuditLog
from notifications.models import Notification
from practice.models import PracticeAssignment, PracticeSession, Scenario
from tests.factories import make_salesperson
from tests.learning.factories import course_with_lessons
from tests.practice.factories import ScenarioFactory

pytestmark = pytest.mark.django_db

ASSIGN = reverse("dashboards:assign")
ASSIGN_PRACTICE = reverse("dashboards:assign_practice")


def _day(days: int):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def course(db):
    return course_with_lessons(2, title="异议处理")


def _enroll(user, course, *, status, due, progress=0, started=False, done_lessons=0):
    now = timezone.now()
    e = Enrollment.objects.create(
        user=user,
        course=course,
        status=status,
        due_date=due,
        progress=progress,
        started_at=now if started else None,
        completed_at=now if status == Enrollment.Status.COMPLETED else None,
    )
    for item in course.items.order_by("order")[:done_lessons]:
        LessonProgress.objects.create(user=user, lesson=item.lesson, completed_at=now)
    return e


def test_assign_reopens_an_overdue_enrollment_with_the_new_due_date(
    client_for, manager_a, sales_a, course, django_capture_on_commit_callbacks
):
    e = _enroll(sales_a, course, status=Enrollment.Status.OVERDUE, due=_day(-5), progress=50, started=True)
    due = _day(10)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager_a).post(
            ASSIGN, {"person": sales_a.id, "course": course.id, "due_date": due.isoformat()}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 302
    e.refresh_from_db()
    assert (e.status, e.due_date, e.progress) == (Enrollment.Status.IN_PROGRESS, due, 50)
    message = str(next(iter(response.wsgi_request._messages)))
    assert message.startswith("1 person re-assigned (new due date ")
    assert "already" not in message
    notice = Notification.objects.get(recipient=sales_a, kind="reassigned")
    assert notice.context["due_date"] == due.isoformat()
    assert notice.url == reverse("learning:continue", args=[course.id])
    entry = AuditLog.objects.get(action="enrollment.reassign")
    assert entry.object_id == str(e.id)
    assert entry.details["from_status"] == "overdue"
    assert entry.details["to_due_date"] == due.isoformat()
    assert entry.actor == manager_a


def test_team_assign_counts_reassigned_new_and_unchanged_honestly(manager_a, team_a, course):
    overdue, done, on_time, new = (make_salesperson(team_a) for _ in range(4))
    late = _enroll(overdue, course, status=Enrollment.Status.NOT_STARTED, due=_day(-1))  # open, past its due date
    finished = _enroll(done, course, status=Enrollment.Status.COMPLETED, due=_day(-30), progress=100, done_lessons=2)
    cert = Certificate.objects.create(
        user=done, course=course, enrollment=finished, code="C1", holder_name="x", course_title="x",
        issued_at=timezone.now(),
    )  # fmt: skip
    kept = _enroll(on_time, course, status=Enrollment.Status.IN_PROGRESS, due=_day(3), progress=50, started=True)
    result = services.dashboard_assign(
        user_ids=[overdue.id, done.id, on_time.id, new.id], course=course, due_date=_day(14), by=manager_a
    )
    assert (result.reassigned, result.enrolled, result.unchanged, result.progress_reset) == (2, 1, 1, 0)
    late.refresh_from_db()
    finished.refresh_from_db()
    kept.refresh_from_db()
    assert (late.status, late.due_date) == (Enrollment.Status.NOT_STARTED, _day(14))
    # completed: re-opened (progress kept: their lessons stay done), certificate kept as history
    assert (finished.status, finished.completed_at, finished.progress) == (Enrollment.Status.IN_PROGRESS, None, 100)
    cert.refresh_from_db()
    assert cert.enrollment_id is None
    assert (kept.status, kept.due_date) == (Enrollment.Status.IN_PROGRESS, _day(3))  # on time: left as it was
    assert Enrollment.objects.get(user=new, course=course).due_date == _day(14)
    assert set(Notification.objects.filter(kind="reassigned").values_list("recipient_id", flat=True)) == {
        overdue.id,
        done.id,
    }
    assert Notification.objects.filter(kind="assigned", recipient=new).exists()
    # assigning again the same day with the same date: everyone is now open and on time, nobody hears twice
    again = services.dashboard_assign(
        user_ids=[overdue.id, done.id, on_time.id, new.id], course=course, due_date=_day(14), by=manager_a
    )
    assert (again.reassigned, again.enrolled, again.unchanged) == (0, 0, 4)
    assert Notification.objects.filter(kind="reassigned").count() == 2


def test_assign_with_reset_deletes_the_course_progress_and_is_audited(manager_a, team_a, course):
    person = make_salesperson(team_a)
    e = _enroll(person, course, status=Enrollment.Status.COMPLETED, due=_day(-3), progress=100, done_lessons=2)
    other = course_with_lessons(0, title="别的课")
    shared = course.items.order_by("order").first().lesson
    from tests.learning.factories import add_lesson

    add_lesson(other, lesson=shared)
    unrelated = course_with_lessons(1, title="无关")
    LessonProgress.objects.create(user=person, lesson=unrelated.items.get().lesson, completed_at=timezone.now())
    other_e = Enrollment.objects.create(user=person, course=other, status=Enrollment.Status.IN_PROGRESS, progress=100)
    result = services.dashboard_assign(
        user_ids=[person.id], course=course, due_date=_day(7), by=manager_a, reset_progress=True
    )
    assert (result.reassigned, result.progress_reset) == (1, 1)
    e.refresh_from_db()
    assert (e.status, e.progress, e.started_at, e.due_date) == (Enrollment.Status.NOT_STARTED, 0, None, _day(7))
    assert list(LessonProgress.objects.filter(user=person).values_list("lesson_id", flat=True)) == [
        unrelated.items.get().lesson_id
    ]
    other_e.refresh_from_db()
    assert other_e.progress == 0  # the shared lesson's progress went with it: recomputed
    entry = AuditLog.objects.get(action="learning.progress_reset")
    assert entry.object_id == str(person.id)
    assert entry.details == {"course": course.id, "lessons": 2}


def test_assign_form_offers_reset_and_reports_it(client_for, manager_a, sales_a, course):
    _enroll(sales_a, course, status=Enrollment.Status.OVERDUE, due=_day(-2), done_lessons=1, progress=50)
    client = client_for(manager_a)
    page = client.get(ASSIGN, {"person": sales_a.id, "course": course.id}).content.decode()
    assert 'name="reset_progress"' in page
    response = client.post(
        ASSIGN,
        {"person": sales_a.id, "course": course.id, "due_date": _day(5).isoformat(), "reset_progress": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    message = str(next(iter(response.wsgi_request._messages)))
    assert "learning progress reset for 1 person" in message
    assert not LessonProgress.objects.filter(user=sales_a).exists()


def test_assign_refuses_a_past_due_date_and_people_outside_the_teams(manager_a, sales_a, sales_b, course):
    e = _enroll(sales_a, course, status=Enrollment.Status.OVERDUE, due=_day(-2))
    with pytest.raises(ValidationError) as past:
        services.dashboard_assign(user_ids=[sales_a.id], course=course, due_date=_day(-1), by=manager_a)
    assert past.value.error_dict["due_date"]
    with pytest.raises(ValidationError) as outside:
        services.dashboard_assign(user_ids=[sales_a.id, sales_b.id], course=course, due_date=_day(3), by=manager_a)
    assert outside.value.code == "outside_scope"
    e.refresh_from_db()
    assert e.status == Enrollment.Status.OVERDUE  # nothing was changed
    assert not Enrollment.objects.filter(user=sales_b).exists()
    assert not AuditLog.objects.filter(action="enrollment.reassign").exists()


def test_assign_page_refuses_a_past_date_with_a_message_and_404s_outside_scope(
    client_for, manager_a, manager_b, sales_a, course
):
    e = _enroll(sales_a, course, status=Enrollment.Status.OVERDUE, due=_day(-2))
    response = client_for(manager_a).post(
        ASSIGN, {"person": sales_a.id, "course": course.id, "due_date": _day(-1).isoformat()}
    )
    assert response.status_code == 200
    assert "截止日期不能早于今天" in response.content.decode()
    refused = client_for(manager_b).post(
        ASSIGN, {"person": sales_a.id, "course": course.id, "due_date": _day(3).isoformat()}
    )
    assert refused.status_code == 404
    e.refresh_from_db()
    assert e.status == Enrollment.Status.OVERDUE


@pytest.mark.parametrize("size", [10, 60])
def test_assign_to_a_team_is_set_based(django_assert_max_num_queries, manager_a, team_a, course, size):
    """The same statements for 10 people as for 60 (half overdue, half new): no query per person."""
    people = [make_salesperson(team_a) for _ in range(size)]
    half = size // 2
    Enrollment.objects.bulk_create(
        [Enrollment(user=p, course=course, status=Enrollment.Status.OVERDUE, due_date=_day(-3)) for p in people[:half]]
    )
    with django_assert_max_num_queries(32):
        result = services.dashboard_assign(
            user_ids=[p.id for p in people], course=course, due_date=_day(9), by=manager_a, reset_progress=True
        )
    assert (result.reassigned, result.enrolled) == (half, size - half)


# --- role plays ---------------------------------------------------------------------------------------------


@pytest.fixture
def scenario(db):
    return ScenarioFactory(title="价格异议陪练", status=Scenario.Status.PUBLISHED)


def test_practice_assign_from_the_dashboard_notifies_and_is_idempotent(client_for, manager_a, team_a, scenario):
    people = [make_salesperson(team_a) for _ in range(3)]
    client = client_for(manager_a)
    assert client.get(ASSIGN_PRACTICE, {"team": team_a.id, "scenario": scenario.id}).status_code == 200
    data = {"team": team_a.id, "scenario": scenario.id, "due_date": _day(7).isoformat()}
    response = client.post(ASSIGN_PRACTICE, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    # everyone active in the team: the three salespeople and the manager, who is a member too
    assert str(next(iter(response.wsgi_request._messages))).startswith("role play assigned to 4 people")
    assert PracticeAssignment.objects.filter(scenario=scenario, completed_at__isnull=True).count() == 4
    notice = Notification.objects.filter(kind="practice_assigned", recipient=people[0]).get()
    assert notice.url == f"{reverse('practice:home')}#scenario-{scenario.id}"
    client.post(ASSIGN_PRACTICE, data)  # again: nothing new
    assert PracticeAssignment.objects.count() == 4
    assert Notification.objects.filter(kind="practice_assigned").count() == 4
    counts = services.dashboard_practice_assign(
        user_ids=[people[0].id], scenario=scenario, due_date=_day(9), by=manager_a
    )
    assert (counts["assigned"], counts["updated"], counts["unchanged"]) == (0, 1, 0)
    assert PracticeAssignment.objects.get(user=people[0]).due_date == _day(9)
    assert Notification.objects.filter(kind="practice_assigned", recipient=people[0]).count() == 2


def test_practice_assign_refused_outside_scope_past_dates_and_drafts(
    client_for, manager_b, manager_a, sales_a, sales_b
):
    draft = ScenarioFactory(status=Scenario.Status.DRAFT)
    published = ScenarioFactory()
    refused = client_for(manager_b).post(
        ASSIGN_PRACTICE, {"person": sales_a.id, "scenario": published.id, "due_date": _day(3).isoformat()}
    )
    assert refused.status_code == 404
    client = client_for(manager_a)
    past = client.post(
        ASSIGN_PRACTICE, {"person": sales_a.id, "scenario": published.id, "due_date": _day(-1).isoformat()}
    )
    assert past.status_code == 200
    assert "截止日期不能早于今天" in past.content.decode()
    drafted = client.post(
        ASSIGN_PRACTICE, {"person": sales_a.id, "scenario": draft.id, "due_date": _day(3).isoformat()}
    )
    assert drafted.status_code == 200  # not a choice: a field error
    with pytest.raises(ValidationError):
        services.dashboard_practice_assign(user_ids=[sales_b.id], scenario=published, due_date=_day(3), by=manager_a)
    assert not PracticeAssignment.objects.exists()


def test_passing_the_scenario_completes_the_assignment(manager_a, sales_a, scenario):
    from practice import selectors as practice_selectors
    from practice import services as practice_services

    other = ScenarioFactory(title="开场白")
    practice_services.practice_assign(user_ids=[sales_a.id], scenario=scenario, due_date=_day(2), by=manager_a)
    practice_services.practice_assign(user_ids=[sales_a.id], scenario=other, due_date=_day(5), by=manager_a)
    PracticeAssignment.objects.filter(scenario=other).update(due_date=_day(-1))  # it was due yesterday
    rows = practice_selectors.open_practice_assignments(user=sales_a)
    assert [(r["title"], r["overdue"]) for r in rows] == [("开场白", True), ("价格异议陪练", False)]
    assert rows[1]["url"] == f"{reverse('practice:home')}#scenario-{scenario.id}"
    failed = PracticeSession.objects.create(user=sales_a, scenario=scenario, status=PracticeSession.Status.FINISHED,
                                            score=40, passed=False, finished_at=timezone.now())  # fmt: skip
    practice_services._complete_assignments(failed)
    assert PracticeAssignment.objects.get(scenario=scenario).completed_at is None
    session = practice_services.session_start(user=sales_a, scenario=scenario)
    from unittest import mock

    card = {"overall": 90, "passed": True, "compliance_failed": False}
    with mock.patch("practice.services.score_transcript", return_value=card):
        practice_services.session_finish(session=session)
    assert PracticeAssignment.objects.get(scenario=scenario).completed_at is not None
    assert [r["title"] for r in practice_selectors.open_practice_assignments(user=sales_a)] == ["开场白"]
    # a new assignment of the passed scenario opens again (one open assignment per person and scenario)
    counts = practice_services.practice_assign(user_ids=[sales_a.id], scenario=scenario, due_date=_day(3), by=manager_a)
    assert counts["assigned"] == 1
