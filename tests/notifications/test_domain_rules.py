"""The domain reminder rules over real enrollments, plan sessions, attempts and certificates, on a frozen clock in
Asia/Shanghai (Tuesday 2026-11-24 unless a test says otherwise)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from assessments import services as quiz_services
from assessments.models import Attempt
from courses.models import TrainingPlan
from learning.models import Certificate, Enrollment
from learning.services import enroll_users, enrollment_unenroll
from notifications import domain_rules, rules
from notifications.models import Notification
from tests.assessments import factories as qf
from tests.courses.plan_factories import PlanFactory, SessionFactory
from tests.factories import make_manager, make_salesperson
from tests.learning.factories import CourseFactory
from tests.notifications.conftest import local
from trainees.services import team_create

pytestmark = pytest.mark.django_db

TUESDAY = local(2026, 11, 24, 10)


def run(name, at):
    """Run a registered rule the way beat does, with the clock at `at`."""
    with time_machine.travel(at, tick=False):
        return rules.run_rule(name)


def twice(name, at) -> int:
    """Run a rule twice at the same moment; the second run adds nothing. Returns the rows the first one wrote."""
    before = Notification.objects.count()
    run(name, at)
    written = Notification.objects.count() - before
    run(name, at)
    assert Notification.objects.count() - before == written
    return written


def enroll(user, *, due, course=None, plan=None, **fields):
    if course is None and plan is None:
        course = CourseFactory()
    return Enrollment.objects.create(user=user, course=course, plan=plan, due_date=due, **fields)


def sent(kind, **filters):
    return Notification.objects.filter(kind=kind, **filters)


def test_every_domain_rule_is_registered():
    assert {
        "due_soon",
        "overdue",
        "manager_escalation",
        "manager_weekly_digest",
        "session_tomorrow",
        "certificate_expiring",
        "trainer_grading_digest",
    } <= set(rules.RULES)


# --- due soon ------------------------------------------------------------------------------------------------------


def test_due_in_three_days_and_in_one_day_once_each(sales_a):
    in3 = enroll(sales_a, due=dt.date(2026, 11, 27))
    in1 = enroll(sales_a, due=dt.date(2026, 11, 25), status=Enrollment.Status.IN_PROGRESS)
    later = enroll(sales_a, due=dt.date(2026, 11, 28))
    assert twice("due_soon", TUESDAY) == 2  # twice: nothing new
    rows = {n.subject: n for n in sent("due_soon")}
    assert set(rows) == {f"learning.enrollment:{in3.pk}", f"learning.enrollment:{in1.pk}"}
    n3 = rows[f"learning.enrollment:{in3.pk}"]
    assert n3.recipient == sales_a and n3.context["days"] == 3 and n3.context["title"] == in3.course.title
    assert n3.url == reverse("learning:continue", args=[in3.course_id])
    assert f"learning.enrollment:{later.pk}" not in rows


def test_due_on_a_weekend_is_reminded_three_days_and_one_day_before(sales_a):
    saturday = dt.date(2026, 11, 28)
    e = enroll(sales_a, due=saturday)
    assert run("due_soon", local(2026, 11, 25, 10)) == 1  # Wednesday: 3 days
    assert run("due_soon", local(2026, 11, 27, 10)) == 1  # Friday: 1 day
    assert sorted(sent("due_soon", subject=f"learning.enrollment:{e.pk}").values_list("context__days", flat=True)) == [
        1,
        3,
    ]


def test_local_midnight_decides_the_day_not_utc(sales_a):
    enroll(sales_a, due=dt.date(2026, 11, 27))
    before = local(2026, 11, 23, 23, 59)  # 15:59 UTC: still Monday in Shanghai -> due in 4 days
    after = local(2026, 11, 24, 0, 1)  # 16:01 UTC on the 23rd, but Tuesday in Shanghai -> due in 3 days
    assert before.astimezone(dt.UTC).hour == 15 and after.astimezone(dt.UTC).day == 23
    assert run("due_soon", before) == 0
    assert run("due_soon", after) == 1


def test_plan_enrollment_links_to_my_learning(sales_a):
    plan = PlanFactory(status=TrainingPlan.Status.PUBLISHED)
    enroll(sales_a, due=dt.date(2026, 11, 25), plan=plan)
    run("due_soon", TUESDAY)
    n = sent("due_soon").get()
    assert n.url == reverse("learning:my_learning") and n.context["title"] == plan.title


def test_completed_and_unenrolled_get_nothing(sales_a, sales_b):
    due = dt.date(2026, 11, 25)
    enroll(sales_a, due=due, status=Enrollment.Status.COMPLETED)
    gone = enroll(sales_b, due=due)
    enrollment_unenroll(enrollment=gone)
    overdue_due = dt.date(2026, 11, 17)
    enroll(sales_a, due=overdue_due, status=Enrollment.Status.COMPLETED)
    gone2 = enroll(sales_b, due=overdue_due)
    enrollment_unenroll(enrollment=gone2)
    for name in ("due_soon", "overdue", "manager_escalation"):
        assert run(name, TUESDAY) == 0
    assert not Notification.objects.exclude(kind="welcome").exists()


# --- overdue and escalation ----------------------------------------------------------------------------------------


def test_overdue_the_day_after_then_weekly(sales_a):
    e = enroll(sales_a, due=dt.date(2026, 11, 23), status=Enrollment.Status.OVERDUE)
    assert run("overdue", local(2026, 11, 23, 10)) == 0  # the due date itself
    assert twice("overdue", TUESDAY) == 1
    for day in range(25, 31):
        assert run("overdue", local(2026, 11, day, 10)) == 0
    assert run("overdue", local(2026, 12, 1, 10)) == 1  # a week later
    assert run("overdue", local(2026, 12, 8, 10)) == 1
    rows = sent("overdue", subject=f"learning.enrollment:{e.pk}")
    assert sorted(rows.values_list("occasion", flat=True)) == ["w0:2026-11-23", "w1:2026-11-23", "w2:2026-11-23"]
    assert rows.first().url == reverse("learning:continue", args=[e.course_id])


def test_escalation_at_seven_days_reaches_managers_of_the_team_and_above():
    region = team_create(name="华东大区")
    city = team_create(name="上海", parent=region)
    other = team_create(name="华南")
    boss, lead, stranger = make_manager(region), make_manager(city), make_manager(other)
    person = make_salesperson(city, display_name="王小明")
    e = enroll(person, due=dt.date(2026, 11, 17))  # 7 days before Tuesday
    enroll(person, due=dt.date(2026, 11, 18))  # 6 days: not yet
    assert twice("manager_escalation", TUESDAY) == 2
    rows = sent("manager_escalation")
    assert set(rows.values_list("recipient_id", flat=True)) == {boss.pk, lead.pk}
    assert stranger.pk not in rows.values_list("recipient_id", flat=True)
    assert set(rows.values_list("subject", flat=True)) == {f"learning.enrollment:{e.pk}"}
    assert rows.first().context["person"] == "王小明"
    assert rows.first().url == reverse("dashboards:person", args=[person.pk])


# --- sessions and certificates -------------------------------------------------------------------------------------


def test_session_tomorrow_only_for_enrolled_people_of_published_plans(sales_a, sales_b, manager_a):
    published = PlanFactory(status=TrainingPlan.Status.PUBLISHED, start_date=dt.date(2026, 11, 24), venue="总部")
    draft = PlanFactory(status=TrainingPlan.Status.DRAFT, start_date=dt.date(2026, 11, 24))
    s = SessionFactory(plan=published, day=2, room="A101", notes="笔记本电脑", title="异议处理")
    SessionFactory(plan=published, day=1, title="today")  # today, not tomorrow
    SessionFactory(plan=draft, day=2)
    enroll(sales_a, due=None, plan=published)
    enroll(sales_b, due=None, plan=draft)
    gone = enroll(manager_a, due=None, plan=published)
    enrollment_unenroll(enrollment=gone)
    assert twice("session_tomorrow", TUESDAY) == 1
    n = sent("session_tomorrow").get()
    assert n.recipient == sales_a and n.subject == f"courses.session:{s.pk}"
    assert n.context == {
        "title": "异议处理",
        "date": "2026-11-25",
        "start": "09:00",
        "end": "10:30",
        "room": "A101",
        "bring": "笔记本电脑",
    }


def test_certificate_expiring_in_thirty_days(sales_a):
    course = CourseFactory()
    e = enroll(sales_a, due=None, course=course, status=Enrollment.Status.COMPLETED)
    Certificate.objects.create(
        user=sales_a,
        course=course,
        enrollment=e,
        code="C1",
        holder_name="x",
        course_title=course.title,
        issued_at=TUESDAY,
        expires_on=dt.date(2026, 12, 24),
    )
    e2 = enroll(sales_a, due=None, status=Enrollment.Status.COMPLETED)
    Certificate.objects.create(
        user=sales_a,
        course=e2.course,
        enrollment=e2,
        code="C2",
        holder_name="x",
        course_title="later",
        issued_at=TUESDAY,
        expires_on=dt.date(2026, 12, 25),
    )
    assert twice("certificate_expiring", TUESDAY) == 1
    n = sent("certificate_expiring").get()
    assert n.context == {"title": course.title, "expires_on": "2026-12-24"}
    assert n.url == reverse("learning:course_detail", args=[course.id])  # where one enrolls again


# --- digests ---------------------------------------------------------------------------------------------------------


def test_weekly_manager_digest_content(team_a, sub_team_a, manager_a, manager_b, sales_a):
    below = make_salesperson(sub_team_a, display_name="李四")
    enroll(sales_a, due=dt.date(2026, 11, 30), status=Enrollment.Status.COMPLETED)
    late = enroll(below, due=dt.date(2026, 11, 20), status=Enrollment.Status.OVERDUE)
    gone = enroll(below, due=dt.date(2026, 11, 19))
    enrollment_unenroll(enrollment=gone)
    monday = local(2026, 11, 23, 9)
    assert twice("manager_weekly_digest", monday) >= 1
    n = sent("manager_weekly_digest", recipient=manager_a).get()
    assert n.occasion == "2026-W48"
    assert n.context["completion"] == 50 and n.context["overdue_count"] == 1
    assert n.context["overdue"] == [{"person": "李四", "title": late.course.title, "due_date": "2026-11-20"}]
    assert n.url == reverse("dashboards:home")
    other = sent("manager_weekly_digest", recipient=manager_b).get()
    assert other.context["overdue_count"] == 0


def test_weekly_digest_counts_every_overdue_though_it_lists_twenty(team_a, manager_a):
    person = make_salesperson(team_a)
    for day in range(1, 26):
        enroll(person, due=dt.date(2026, 10, day), status=Enrollment.Status.OVERDUE)
    run("manager_weekly_digest", local(2026, 11, 23, 9))
    n = sent("manager_weekly_digest", recipient=manager_a).get()
    assert n.context["overdue_count"] == 25 and len(n.context["overdue"]) == 20


def _answered_attempt(user, quiz):
    attempt = quiz_services.attempt_start(quiz=quiz, user=user)
    by_type = {"essay": "倾听、确认、解决", "truefalse": False}
    answers = {str(i.id): by_type[i.version.qtype] for i in attempt.items.select_related("version")}
    quiz_services.attempt_save_answers(attempt=attempt, seq=1, answers=answers)
    quiz_services.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    return attempt


def test_trainer_grading_digest_counts_answers_waiting(trainer, sales_a, sales_b):
    b = qf.bank()
    quiz = qf.quiz(trainer, [qf.essay(b)])
    _answered_attempt(sales_a, quiz)
    _answered_attempt(sales_b, quiz)
    assert Attempt.objects.filter(status=Attempt.Status.SUBMITTED).count() == 2
    assert twice("trainer_grading_digest", TUESDAY) == 1
    n = sent("trainer_grading_digest").get()
    assert n.recipient == trainer and n.context == {"count": 2}


# --- event hooks -------------------------------------------------------------------------------------------------------


def test_quiz_graded_notice_only_after_manual_grading(trainer, sales_a, sales_b, django_capture_on_commit_callbacks):
    b = qf.bank()
    manual = qf.quiz(trainer, [qf.essay(b)], title="论述")
    automatic = qf.quiz(trainer, [qf.truefalse(b)], title="判断")
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _answered_attempt(sales_a, manual)
        _answered_attempt(sales_b, automatic)
    assert not sent("quiz_graded").exists()  # the automatic one is final at once: no notice
    item = attempt.items.get(needs_grading=True)
    with django_capture_on_commit_callbacks(execute=True):
        quiz_services.item_grade(item=item, grader=trainer, score=Decimal("1"))
    n = sent("quiz_graded").get()
    assert n.recipient == sales_a and n.context["title"] == "论述"
    with django_capture_on_commit_callbacks(execute=True):
        quiz_services.item_grade(item=item, grader=trainer, score=Decimal("0"))  # a regrade: told once only
    assert sent("quiz_graded").count() == 1


def test_enrolling_one_and_many_notifies_assigned_once(trainer, sales_a, sales_b, manager_a):
    course = CourseFactory()
    enroll_users(user_ids=[sales_a.pk], course=course, due_date=dt.date(2026, 12, 1), enrolled_by=trainer)
    enroll_users(user_ids=[sales_a.pk, sales_b.pk, manager_a.pk], course=course, enrolled_by=trainer)
    enroll_users(user_ids=[sales_a.pk, sales_b.pk, manager_a.pk], course=course, enrolled_by=trainer)
    rows = sent("assigned")
    assert sorted(rows.values_list("recipient_id", flat=True)) == sorted([sales_a.pk, sales_b.pk, manager_a.pk])
    n = rows.get(recipient=sales_a)
    assert n.context == {"title": course.title, "due_date": "2026-12-01"}
    assert n.url == reverse("learning:continue", args=[course.pk])


def test_enrolling_in_a_plan_notifies_the_plan_not_each_linked_course(trainer, sales_a):
    plan = PlanFactory(status=TrainingPlan.Status.PUBLISHED)
    SessionFactory(plan=plan, course=CourseFactory())
    enroll_users(user_ids=[sales_a.pk], plan=plan, enrolled_by=trainer)
    assert Enrollment.objects.filter(user=sales_a).count() == 2
    n = sent("assigned").get()
    assert n.subject.startswith("learning.enrollment:") and n.context["title"] == plan.title
    assert n.url == reverse("learning:my_learning")


def test_bulk_chunks_notify_their_own_rows(trainer, monkeypatch):
    from learning import services as learning_services

    monkeypatch.setattr(learning_services, "CHUNK", 2)
    people = [make_salesperson() for _ in range(5)]
    course = CourseFactory()
    result = enroll_users(user_ids=[p.pk for p in people], course=course, enrolled_by=trainer)
    assert result.created == 5
    assert sent("assigned").count() == 5


def test_notify_assigned_skips_unenrolled_and_completed(sales_a):
    done = enroll(sales_a, due=None, status=Enrollment.Status.COMPLETED)
    gone = enroll(sales_a, due=None)
    enrollment_unenroll(enrollment=gone)
    gone.refresh_from_db()
    assert domain_rules.notify_assigned(enrollments=[done, gone]) == 0
