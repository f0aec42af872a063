"""Submits share one queued grading run (ASSESSMENT_GRADING_SHARED_RUN, the default with Redis): only the submit
that finds no run pending queues `grade_submitted_attempts`; the run clears the mark before it reads what waits,
so no submit is left behind; a broker or cache outage still grades every attempt."""

import threading
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection, connections, transaction

from assessments import services, tasks
from assessments.models import Attempt, AttemptAreaScore
from lms.models import DeferredTask
from tests.assessments import factories as f
from tests.assessments.test_grading_task import _answered
from tests.conftest import make_salesperson


@pytest.fixture(autouse=True)
def shared_run(settings):
    settings.ASSESSMENT_GRADING_SHARED_RUN = True
    cache.delete(services.GRADING_RUN_KEY)
    yield
    cache.delete(services.GRADING_RUN_KEY)


@pytest.fixture
def takers(team_a):
    return [make_salesperson(team_a, username=f"taker{i}", display_name=f"学员{i}") for i in range(4)]


@pytest.fixture
def quiz(trainer, qbank, takers):
    questions = [f.single(qbank), f.multiple(qbank), f.truefalse(qbank), f.short(qbank)]
    return f.quiz(trainer, questions, time_limit_minutes=30, takers=takers)


def held_runs():
    """The shared run is queued, but no worker has picked it up yet (the eager test broker would run it at once)."""
    return mock.patch.object(tasks.grade_submitted_attempts, "apply_async")


def _waiting(attempts) -> int:
    return Attempt.objects.filter(pk__in=[a.pk for a in attempts], status=Attempt.Status.SUBMITTED).count()


def test_submits_while_a_run_is_pending_queue_nothing_more(api_for, quiz, takers):
    attempts = [_answered(quiz, user) for user in takers]
    with held_runs() as queued, mock.patch.object(tasks.grade_submitted_attempt, "apply_async") as single:
        for attempt, user in zip(attempts, takers, strict=True):
            assert api_for(user).post(f"/api/v1/attempts/{attempt.id}/submit/").status_code == 200
    queued.assert_called_once_with(args=[], kwargs={})
    single.assert_not_called()
    assert _waiting(attempts) == 4 and cache.get(services.GRADING_RUN_KEY) is not None

    assert tasks.grade_submitted_attempts() == 4  # the worker runs the one queued run
    assert cache.get(services.GRADING_RUN_KEY) is None
    for attempt in attempts:
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.GRADED and attempt.percent == 100
        assert AttemptAreaScore.objects.filter(attempt=attempt, category__isnull=False).count() == 4
    assert tasks.grade_submitted_attempts() == 0  # a duplicate run finds nothing


def test_a_submit_after_the_run_started_queues_the_next_run(quiz, takers):
    first, second = _answered(quiz, takers[0]), _answered(quiz, takers[1])
    with held_runs() as queued:
        services.attempt_submit(attempt=first)
        # The run starts (clears the mark, then reads what waits); the second submit commits after that read.
        real_grade_waiting = services._grade_waiting

        def run_then_second_submit(**kwargs):
            graded = real_grade_waiting(**kwargs)
            services.attempt_submit(attempt=second)
            return graded

        with mock.patch.object(services, "_grade_waiting", side_effect=run_then_second_submit):
            assert tasks.grade_submitted_attempts() == 1
    assert queued.call_count == 2  # the second submit found no mark and queued the next run
    second.refresh_from_db()
    assert second.is_grading
    assert tasks.grade_submitted_attempts() == 1
    second.refresh_from_db()
    assert second.status == Attempt.Status.GRADED


def test_broker_down_the_submit_grades_its_own_attempt_and_clears_the_mark(
    api_for, quiz, takers, broker_down, django_capture_on_commit_callbacks
):
    attempt = _answered(quiz, takers[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert api_for(takers[0]).post(f"/api/v1/attempts/{attempt.id}/submit/").status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.percent == 100
    assert cache.get(services.GRADING_RUN_KEY) is None  # the next submit tries the broker again
    assert not DeferredTask.objects.exists()


def test_broker_down_and_grading_failing_keeps_the_single_grading_for_the_relay(
    api_for, quiz, takers, broker_down, monkeypatch
):
    attempt = _answered(quiz, takers[0])
    with monkeypatch.context() as patch:
        patch.setattr(services, "attempt_grade_submitted", mock.Mock(side_effect=OperationalError("db hiccup")))
        assert api_for(takers[0]).post(f"/api/v1/attempts/{attempt.id}/submit/").status_code == 200
    kept = DeferredTask.objects.get()
    assert kept.name == tasks.grade_submitted_attempt.name and kept.kwargs == {"attempt_id": attempt.id}


def test_cache_unreachable_each_submit_queues_its_run(quiz, takers):
    attempts = [_answered(quiz, user) for user in takers[:2]]
    down = ConnectionError("redis down")
    with (
        mock.patch.object(cache, "add", side_effect=down),
        mock.patch.object(cache, "delete", side_effect=down),
    ):
        with held_runs() as queued:
            for attempt in attempts:
                services.attempt_submit(attempt=attempt)
        assert queued.call_count == 2
        assert tasks.grade_submitted_attempts() == 2  # the run does not need the cache either


def test_one_failing_attempt_does_not_hold_up_the_others(quiz, takers, monkeypatch):
    attempts = [_answered(quiz, user) for user in takers[:3]]
    with held_runs():
        for attempt in attempts:
            services.attempt_submit(attempt=attempt)
    real_grade = services.attempt_grade_submitted
    bad = attempts[0].id

    def grade(*, attempt_id, skip_locked=False):
        if attempt_id == bad:
            raise OperationalError("bad row")
        return real_grade(attempt_id=attempt_id, skip_locked=skip_locked)

    monkeypatch.setattr(services, "attempt_grade_submitted", grade)
    with pytest.raises(OperationalError):  # raised at the end, so Celery retries the run
        services.grade_waiting_now()
    graded = set(Attempt.objects.filter(status=Attempt.Status.GRADED).values_list("id", flat=True))
    assert graded == {attempts[1].id, attempts[2].id}
    monkeypatch.setattr(services, "attempt_grade_submitted", real_grade)
    assert services.grade_waiting_now() == 1


@pytest.mark.django_db(transaction=True)
def test_a_submit_inside_a_transaction_is_refused(quiz, takers):
    attempt = _answered(quiz, takers[0])
    with pytest.raises(RuntimeError), transaction.atomic():  # a caller's rollback could undo the claim
        services.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)")
def test_two_runs_at_once_grade_each_attempt_once(trainer, team_a):
    qbank = f.bank()
    people = [make_salesperson(team_a, username=f"par{i}", display_name=f"并发{i}") for i in range(12)]
    quiz = f.quiz(trainer, [f.single(qbank), f.multiple(qbank), f.truefalse(qbank)], takers=people)
    attempts = [_answered(quiz, user) for user in people]
    with held_runs():
        for attempt in attempts:
            services.attempt_submit(attempt=attempt)
    barrier, results = threading.Barrier(2), []

    def run():
        try:
            barrier.wait(timeout=30)
            results.append(services.grade_waiting_now())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(results) == 12 and len(results) == 2
    assert Attempt.objects.filter(pk__in=[a.pk for a in attempts], status=Attempt.Status.GRADED).count() == 12
    per_attempt = {AttemptAreaScore.objects.filter(attempt=a, category__isnull=False).count() for a in attempts}
    assert len(per_attempt) == 1  # never written twice
