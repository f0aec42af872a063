"""Celery tasks for enrollments. Thin: they take ids, load, and call a service. Safe to run twice: the
enrollment unique constraints make a repeated run change nothing."""

import datetime as dt

from celery import shared_task

from courses.models import Course, TrainingPlan
from learning import services
from lms.jobs import run_job
from trainees.models import User


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def enroll_bulk(
    *,
    job_id: int,
    user_ids: list[int],
    course_id: int | None,
    plan_id: int | None,
    due_date: str | None,
    enrolled_by_id: int | None,
) -> None:
    course = Course.objects.get(id=course_id) if course_id else None
    plan = TrainingPlan.objects.get(id=plan_id) if plan_id else None
    by = User.objects.filter(id=enrolled_by_id).first() if enrolled_by_id else None
    due = dt.date.fromisoformat(due_date) if due_date else None

    def work(advance):
        result = services.enroll_users(
            user_ids=user_ids, course=course, plan=plan, due_date=due, enrolled_by=by, advance=advance
        )
        return result.as_dict()

    run_job(job_id, work)


@shared_task
def course_progress_refresh(course_id: int) -> None:
    services.course_progress_refresh(course_id=course_id)


@shared_task
def enrollments_mark_overdue() -> None:
    services.enrollments_mark_overdue()
