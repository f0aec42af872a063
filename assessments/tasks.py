"""Thin Celery tasks: they take ids and call services."""

from celery import shared_task

from assessments import services


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def close_overdue_attempts() -> int:
    """Every minute (beat): close and grade attempts left open past their deadline, and grade submitted attempts
    whose grading task never ran (the safety net of grade_submitted_attempt)."""
    return services.close_overdue_attempts() + services.grade_waiting_attempts()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def grade_submitted_attempt(attempt_id: int) -> bool:
    """Queued by each submit once its claim has committed: the automatic grading. Safe to run twice or
    concurrently (only an attempt still waiting for it is graded, under its row lock)."""
    return services.attempt_grade_submitted(attempt_id=attempt_id)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def grade_submitted_attempts() -> int:
    """The grading run submits share (ASSESSMENT_GRADING_SHARED_RUN): queued by the first submit while none is
    pending, it grades every attempt waiting for its automatic grading. Returns how many it graded."""
    return services.grade_waiting_now()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def close_attempt_if_overdue(attempt_id: int) -> bool:
    return services.attempt_close_if_overdue(attempt_id=attempt_id)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def attempt_graded_effects(attempt_id: int, record: bool, notify: bool, course_id: int | None = None) -> None:
    """After a result became final: dashboards, the notice to the person, course completion."""
    services.attempt_graded_run_effects(attempt_id=attempt_id, record=record, notify=notify, course_id=course_id)


@shared_task(acks_late=False)
def question_import_run(import_id: int, job_id: int) -> None:
    """A large question file, imported in chunks with a progress bar (not retried: a failed run removes what it
    wrote and the job says why)."""
    services.import_run(import_id=import_id, job_id=job_id)
