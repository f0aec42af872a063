"""Enrolling: idempotent, soft unenroll and restore, whole teams with sub-teams, CSV, bulk in Celery."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from courses.models import TrainingPlan
from learning import services
from learning.models import Enrollment
from lms.models import Job
from tests.factories import make_salesperson
from tests.learning.factories import course_with_lessons


def test_enrolling_twice_changes_nothing_and_says_so(course, sales_a, trainer):
    first, r1 = services.enrollment_create(user=sales_a, course=course, enrolled_by=trainer)
    second, r2 = services.enrollment_create(user=sales_a, course=course, enrolled_by=trainer)
    assert r1.created == 1 and r2.created == 0 and r2.already == 1
    assert first.id == second.id
    with translation.override("en"):
        assert "already enrolled" in r2.message
    with translation.override("zh-hans"):
        assert "已报名" in r2.message
    assert Enrollment.objects.filter(user=sales_a, course=course).count() == 1


def test_unenroll_is_soft_and_reenrol_restores_history(enrolled, course, sales_a, trainer):
    services.lesson_complete(user=sales_a, lesson_id=course.items.first().lesson_id)
    services.enrollment_unenroll(enrollment=enrolled)
    enrolled.refresh_from_db()
    assert enrolled.unenrolled_at is not None
    _, result = services.enrollment_create(user=sales_a, course=course, enrolled_by=trainer)
    assert result.restored == 1
    enrolled.refresh_from_db()
    assert enrolled.unenrolled_at is None
    assert enrolled.progress == 33  # the earlier progress came back with it


def test_team_enrollment_reaches_sub_teams(course, team_a, sub_team_a, team_b, trainer):
    in_a = make_salesperson(team_a)
    in_sub = make_salesperson(sub_team_a)
    in_b = make_salesperson(team_b)
    result = services.enroll_users(user_ids=services.team_member_ids(team=team_a), course=course, enrolled_by=trainer)
    enrolled = set(Enrollment.objects.filter(course=course).values_list("user_id", flat=True))
    assert {in_a.id, in_sub.id} <= enrolled
    assert in_b.id not in enrolled
    assert result.created == len(enrolled)


def test_past_due_date_starts_overdue(course, sales_a, trainer):
    enrollment, _ = services.enrollment_create(
        user=sales_a, course=course, due_date=dt.date(2020, 1, 1), enrolled_by=trainer
    )
    assert enrollment.status == Enrollment.Status.OVERDUE


def test_nightly_sweep_marks_overdue(enrolled):
    Enrollment.objects.filter(id=enrolled.id).update(due_date=dt.date(2020, 1, 1))
    assert services.enrollments_mark_overdue() == 1
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.OVERDUE


def test_bulk_above_limit_runs_as_a_job(course, team_a, trainer, settings, django_capture_on_commit_callbacks):
    settings.ENROLLMENT_SYNC_LIMIT = 3
    people = [make_salesperson(team_a) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        job = services.enroll_or_queue(user_ids=[p.id for p in people], course=course, enrolled_by=trainer)
    assert isinstance(job, Job)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.done == job.total == 5
    assert job.result["created"] == 5
    assert Enrollment.objects.filter(course=course).count() == 5


def test_bulk_is_idempotent(course, team_a, trainer):
    people = [make_salesperson(team_a) for _ in range(4)]
    ids = [p.id for p in people]
    services.enroll_users(user_ids=ids[:2], course=course, enrolled_by=trainer)
    result = services.enroll_users(user_ids=ids, course=course, enrolled_by=trainer)
    assert (result.created, result.already) == (2, 2)


def test_plan_enrollment_is_a_row_with_plan_set(sales_a, trainer):
    plan = TrainingPlan.objects.create(title="六天销售培训")
    enrollment, result = services.enrollment_create(user=sales_a, plan=plan, enrolled_by=trainer)
    assert enrollment.plan_id == plan.id and enrollment.course_id is None


def test_csv_preview_utf8_bom_and_header(team_a, db):
    a = make_salesperson(team_a, employee_no="S100")
    b = make_salesperson(team_a, employee_no="S101")
    preview = services.employee_csv_preview(raw="\ufeff工号\nS100\nS101\nS100\n".encode())
    assert preview.ok
    assert preview.user_ids == [a.id, b.id]


def test_csv_preview_gbk_and_unknown_lines_reported(team_a, db):
    make_salesperson(team_a, employee_no="S100")
    with translation.override("en"):
        preview = services.employee_csv_preview(raw="员工编号\nS100\n不存在\n".encode("gbk"))
    assert not preview.ok
    assert preview.errors == ["Line 3: unknown employee number “不存在”."]


def test_csv_undecodable_is_a_clear_error(db):
    with pytest.raises(ValidationError):
        services.employee_csv_preview(raw=b"\xff\xfe\x00\xd8\x00")


def test_self_enrol_needs_prerequisites_done(sales_a, trainer):
    basics = course_with_lessons(1, owners=[trainer])
    advanced = course_with_lessons(1, owners=[trainer])
    advanced.prerequisites.add(basics)
    with pytest.raises(ValidationError):
        services.self_enroll(user=sales_a, course=advanced)
    services.self_enroll(user=sales_a, course=basics)
    services.lesson_complete(user=sales_a, lesson_id=basics.items.get().lesson_id)
    enrollment, result = services.self_enroll(user=sales_a, course=advanced)
    assert result.created == 1


def test_self_enrol_refused_when_course_is_assigned_only(sales_a, trainer):
    course = course_with_lessons(1, owners=[trainer], self_enroll=False)
    with pytest.raises(ValidationError):
        services.self_enroll(user=sales_a, course=course)


def test_plan_enrollment_enrolls_linked_courses(monkeypatch, sales_a, trainer):
    """Plan sessions link courses (Session.course, wired after the plans branch merges); simulated here."""
    one = course_with_lessons(1, owners=[trainer])
    two = course_with_lessons(2, owners=[trainer])
    plan = TrainingPlan.objects.create(title="六天销售培训")
    monkeypatch.setattr(services, "plan_linked_course_ids", lambda p: [one.id, two.id])
    plan_enrollment, _ = services.enrollment_create(user=sales_a, plan=plan, enrolled_by=trainer)
    linked = Enrollment.objects.filter(user=sales_a, via_plan=plan)
    assert set(linked.values_list("course_id", flat=True)) == {one.id, two.id}
    services.lesson_complete(user=sales_a, lesson_id=one.items.get().lesson_id)
    plan_enrollment.refresh_from_db()
    assert plan_enrollment.progress == 50  # mean of 100 % and 0 %
    services.enrollment_unenroll(enrollment=plan_enrollment)
    assert not linked.filter(unenrolled_at__isnull=True).exists()
    services.enrollment_restore(enrollment=plan_enrollment)
    assert linked.filter(unenrolled_at__isnull=True).count() == 2


def test_plan_linked_course_ids_is_empty_without_session_course_field(db):
    plan = TrainingPlan.objects.create(title="计划")
    assert services.plan_linked_course_ids(plan) == []


def test_bulk_reports_progress_per_chunk(monkeypatch, course, team_a, trainer):
    monkeypatch.setattr(services, "CHUNK", 2)
    ids = [make_salesperson(team_a).id for _ in range(5)]
    steps: list[int] = []
    result = services.enroll_users(user_ids=ids, course=course, enrolled_by=trainer, advance=steps.append)
    assert steps == [2, 2, 1]
    assert result.created == 5
