"""Parallel starts and submits with real threads, each on its own database connection (PostgreSQL in CI)."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Attempt, AttemptAreaScore
from tests.assessments import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"),
]

N = 8


def _in_parallel(user, call):
    """Run call(api) in N threads released together; return their responses."""
    barrier = threading.Barrier(N)
    results = [None] * N

    def work(index):
        try:
            api = APIClient()
            api.force_authenticate(user)
            barrier.wait(timeout=30)
            results[index] = call(api)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_parallel_submits_give_one_200_and_one_grade(sales_a, trainer, monkeypatch):
    qbank = f.bank()
    quiz = f.quiz(trainer, [f.single(qbank), f.multiple(qbank), f.truefalse(qbank)])
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    graded = []
    monkeypatch.setattr(services, "_notify_attempt_graded", graded.append)
    responses = _in_parallel(sales_a, lambda api: api.post(f"/api/v1/attempts/{attempt.id}/submit/"))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (N - 1), codes
    assert all(r.json()["error"]["code"] == "already_submitted" for r in responses if r.status_code == 409)
    assert graded == [attempt.id]
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    # One set of stored area scores: one grade, not several.
    assert AttemptAreaScore.objects.filter(attempt=attempt, category__isnull=False).count() == 3


def test_parallel_starts_never_exceed_attempts_allowed(sales_a, trainer):
    qbank = f.bank()
    quiz = f.quiz(trainer, [f.single(qbank)], attempts_allowed=3, takers=[sales_a])
    for _ in range(2):
        services.attempt_submit(attempt=services.attempt_start(quiz=quiz, user=sales_a))
    responses = _in_parallel(sales_a, lambda api: api.post(f"/api/v1/quizzes/{quiz.id}/attempts/"))
    assert all(r.status_code in (201, 409) for r in responses), [r.status_code for r in responses]
    assert Attempt.objects.filter(quiz=quiz, user=sales_a).count() == 3
    started = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(started) == 1  # everyone who got in resumed the one new attempt
    services.attempt_submit(attempt=Attempt.objects.get(pk=started.pop()))
    responses = _in_parallel(sales_a, lambda api: api.post(f"/api/v1/quizzes/{quiz.id}/attempts/"))
    assert [r.status_code for r in responses] == [409] * N
    assert Attempt.objects.filter(quiz=quiz, user=sales_a).count() == 3


def test_parallel_saves_keep_the_newest(sales_a, trainer):
    qbank = f.bank()
    quiz = f.quiz(trainer, [f.single(qbank)])
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    item = attempt.items.get()
    counter = iter(range(1, N + 1))
    lock = threading.Lock()

    def save(api):
        with lock:
            seq = next(counter)
        answer = "ABC"[seq % 3]
        return (
            seq,
            answer,
            api.patch(f"/api/v1/attempts/{attempt.id}/answers/", {"seq": seq, "answers": {str(item.id): answer}}),
        )

    results = _in_parallel(sales_a, save)
    accepted = [(seq, answer) for seq, answer, r in results if r.status_code == 200]
    assert all(r.status_code in (200, 409) for _s, _a, r in results)
    attempt.refresh_from_db()
    item.refresh_from_db()
    newest = max(accepted)
    assert attempt.save_seq == newest[0] and item.answer == newest[1]


def test_saving_and_submitting_lock_the_attempt_row_only(sales_a, sales_b, trainer):
    """A plain FOR UPDATE with the joined quiz would lock the quiz row and queue every taker behind each other.
    (The submit itself is one UPDATE of the attempt row; the grading locks that row, as a close at the deadline.)"""
    from unittest import mock

    from django.db import transaction
    from django.utils import timezone

    from assessments import tasks
    from assessments.models import Quiz

    qbank = f.bank()
    quiz = f.quiz(trainer, [f.single(qbank)])
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    waiting = services.attempt_start(quiz=quiz, user=sales_b)
    with mock.patch.object(tasks.grade_submitted_attempt, "apply_async"):
        services.attempt_submit(attempt=waiting)
    holding, release = threading.Event(), threading.Event()
    outcome = {}

    def hold_locks(call):
        try:
            with transaction.atomic():
                call()
                holding.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    for name, call in (
        ("save", lambda: services._save_answers(attempt=attempt, seq=1, answers={})),
        ("grading task", lambda: services.attempt_grade_submitted(attempt_id=waiting.id)),
        ("close and grade", lambda: services._close_and_grade(attempt, now=timezone.now(), auto=False)),
    ):
        holding.clear()
        release.clear()
        thread = threading.Thread(target=hold_locks, args=(call,))
        thread.start()
        assert holding.wait(timeout=30)
        try:
            with transaction.atomic():
                Quiz.objects.select_for_update(nowait=True).get(pk=quiz.pk)
            outcome[name] = "quiz row free"
        except Exception as exc:  # DatabaseError when the row is locked
            outcome[name] = f"quiz row locked: {exc}"
        finally:
            release.set()
            thread.join(timeout=30)
    assert outcome == {"save": "quiz row free", "grading task": "quiz row free", "close and grade": "quiz row free"}
    assert Attempt.objects.filter(status=Attempt.Status.GRADED).count() == 2


def test_grading_task_run_concurrently_grades_once(sales_a, trainer, monkeypatch):
    """The same grading task delivered to several workers at once (or with the beat's sweep): one grade."""
    from unittest import mock

    from assessments import tasks
    from dashboards.models import PersonStats

    qbank = f.bank()
    quiz = f.quiz(trainer, [f.single(qbank), f.multiple(qbank), f.truefalse(qbank)])
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    with mock.patch.object(tasks.grade_submitted_attempt, "apply_async"):
        services.attempt_submit(attempt=attempt)
    outcomes = _in_parallel(sales_a, lambda _api: tasks.grade_submitted_attempt(attempt.id))
    assert sorted(outcomes) == [False] * (N - 1) + [True]
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert AttemptAreaScore.objects.filter(attempt=attempt, category__isnull=False).count() == 3
    assert PersonStats.objects.get(user=sales_a).attempts == 1  # the effects ran once
