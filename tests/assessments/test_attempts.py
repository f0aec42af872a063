"""The attempt state machine: start, autosave with sequence numbers, deadline, submit once, grading, versions."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from assessments import services
from assessments.models import Attempt, AttemptAreaScore, Quiz, QuizRule
from tests.assessments import factories as f


def _answers(attempt, by_type):
    return {str(i.id): by_type.get(i.version.qtype) for i in attempt.items.select_related("version")}


RIGHT = {
    "single": "B",
    "multiple": ["A", "B"],
    "truefalse": False,
    "short": "  ｓｔｒｅｎｇｔｈ ",
    "essay": "倾听、确认、解决",
}


def test_start_freezes_questions_and_option_order(sales_a, trainer, qbank):
    quiz = f.quiz(trainer, [f.single(qbank), f.multiple(qbank)], shuffle_questions=True, shuffle_options=True)
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    items = list(attempt.items.order_by("order"))
    assert len(items) == 2
    for item in items:
        assert sorted(item.option_order) == sorted(o["key"] for o in item.version.options)
    # Resuming returns the same attempt with the same frozen order.
    again = services.attempt_start(quiz=quiz, user=sales_a)
    assert again.pk == attempt.pk
    assert [i.option_order for i in again.items.order_by("order")] == [i.option_order for i in items]


def test_edit_creates_new_version_and_started_attempt_keeps_its_own(sales_a, trainer, qbank):
    question = f.single(qbank, correct="B")
    quiz = f.quiz(trainer, [question])
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    version = services.question_update(
        question=question,
        author=trainer,
        data={"qtype": "single", "stem": "新题干", "options": [{"text": "x", "weight": 100}, {"text": "y"}]},
    )
    assert version.number == 2
    question.refresh_from_db()
    assert question.current_id == version.id
    item = attempt.items.get()
    assert item.version.number == 1
    services.attempt_save_answers(attempt=attempt, seq=1, answers={str(item.id): "B"})
    services.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.passed is True  # graded against version 1, where B is right


def test_all_right_answers_grade_full_marks_with_area_scores(sales_a, auto_quiz):
    attempt = services.attempt_start(quiz=auto_quiz, user=sales_a)
    services.attempt_save_answers(attempt=attempt, seq=1, answers=_answers(attempt, RIGHT))
    services.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == Decimal("4.00") and attempt.percent == Decimal("100.00") and attempt.passed
    areas = {
        (a.category.code if a.category else a.competency.code): a.score
        for a in AttemptAreaScore.objects.filter(attempt=attempt).select_related("category", "competency")
    }
    assert areas["sales-skills"] == Decimal("1.00") and areas["product"] == Decimal("1.00")
    assert areas["ability"] == Decimal("1.00") and areas["knowledge"] == Decimal("1.00")


def test_wrong_and_partial_answers(sales_a, auto_quiz):
    attempt = services.attempt_start(quiz=auto_quiz, user=sales_a)
    answers = _answers(attempt, {"single": "A", "multiple": ["A", "C"], "truefalse": True, "short": "weakness"})
    services.attempt_save_answers(attempt=attempt, seq=1, answers=answers)
    services.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    # rmw: one right, one wrong out of two right -> 0
    assert attempt.score == Decimal("0.00") and attempt.passed is False


def test_essay_waits_for_grading_then_final(sales_a, trainer, mixed_quiz):
    attempt = services.attempt_start(quiz=mixed_quiz, user=sales_a)
    services.attempt_save_answers(attempt=attempt, seq=1, answers=_answers(attempt, RIGHT))
    services.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.passed is None and attempt.percent is None
    essay_item = attempt.items.get(needs_grading=True)
    services.item_grade(item=essay_item, grader=trainer, score=Decimal("0.5"), comment="不错")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == Decimal("4.50") and attempt.percent == Decimal("90.00") and attempt.passed


def test_grade_out_of_range_is_refused(sales_a, trainer, mixed_quiz):
    attempt = services.attempt_start(quiz=mixed_quiz, user=sales_a)
    services.attempt_save_answers(attempt=attempt, seq=1, answers=_answers(attempt, RIGHT))
    services.attempt_submit(attempt=attempt)
    item = attempt.items.get(needs_grading=True)
    with pytest.raises(services.ValidationError):
        services.item_grade(item=item, grader=trainer, score=Decimal("3"))
    item.refresh_from_db()
    assert item.needs_grading and item.score is None


def test_graded_hook_runs_on_commit_once(sales_a, auto_quiz, django_capture_on_commit_callbacks, monkeypatch):
    calls = []
    monkeypatch.setattr(services, "_notify_attempt_graded", calls.append)
    attempt = services.attempt_start(quiz=auto_quiz, user=sales_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt)
    assert calls == [attempt.pk]


def test_stale_sequence_is_refused_and_keeps_newer_answers(sales_a, auto_quiz):
    attempt = services.attempt_start(quiz=auto_quiz, user=sales_a)
    item = attempt.items.get(version__qtype="single")
    services.attempt_save_answers(attempt=attempt, seq=5, answers={str(item.id): "B"})
    with pytest.raises(services.AssessmentError) as exc:
        services.attempt_save_answers(attempt=attempt, seq=4, answers={str(item.id): "A"})
    assert exc.value.code == "stale"
    with pytest.raises(services.AssessmentError):
        services.attempt_save_answers(attempt=attempt, seq=5, answers={str(item.id): "A"})
    item.refresh_from_db()
    assert item.answer == "B"


def test_bad_answers_are_refused_without_partial_write(sales_a, auto_quiz):
    attempt = services.attempt_start(quiz=auto_quiz, user=sales_a)
    single_item = attempt.items.get(version__qtype="single")
    multiple_item = attempt.items.get(version__qtype="multiple")
    with pytest.raises(services.ValidationError):
        services.attempt_save_answers(
            attempt=attempt, seq=1, answers={str(single_item.id): "B", str(multiple_item.id): ["Z"]}
        )
    single_item.refresh_from_db()
    attempt.refresh_from_db()
    assert single_item.answer is None and attempt.save_seq == 0
    with pytest.raises(services.ValidationError):
        services.attempt_save_answers(attempt=attempt, seq=1, answers={"999999": "A"})


def test_deadline_with_frozen_clock(sales_a, auto_quiz):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        attempt = services.attempt_start(quiz=auto_quiz, user=sales_a)
        assert attempt.deadline == start + dt.timedelta(minutes=30)
        item = attempt.items.get(version__qtype="single")
    with time_machine.travel(start + dt.timedelta(minutes=29, seconds=59), tick=False):
        services.attempt_save_answers(attempt=attempt, seq=1, answers={str(item.id): "B"})
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        with pytest.raises(services.AssessmentError) as exc:
            services.attempt_save_answers(attempt=attempt, seq=2, answers={str(item.id): "A"})
        assert exc.value.code == "deadline_passed"
    attempt.refresh_from_db()
    item.refresh_from_db()
    assert item.answer == "B"
    assert attempt.status == Attempt.Status.GRADED and attempt.auto_closed
    assert attempt.submitted_at == attempt.deadline
    assert attempt.score == Decimal("1.00")


def test_overdue_attempts_are_closed_by_the_task(sales_a, sales_b, auto_quiz):
    from assessments import tasks

    start = timezone.now() - dt.timedelta(hours=1)
    with time_machine.travel(start, tick=False):
        late = services.attempt_start(quiz=auto_quiz, user=sales_a)
    fresh = services.attempt_start(quiz=auto_quiz, user=sales_b)
    assert tasks.close_overdue_attempts.delay().get() == 1
    assert tasks.close_overdue_attempts.delay().get() == 0  # safe to run twice
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert late.status == Attempt.Status.GRADED and late.auto_closed
    assert fresh.status == Attempt.Status.IN_PROGRESS


def test_submit_twice_conflicts(sales_a, auto_quiz):
    attempt = services.attempt_start(quiz=auto_quiz, user=sales_a)
    services.attempt_submit(attempt=attempt)
    with pytest.raises(services.AssessmentError) as exc:
        services.attempt_submit(attempt=attempt)
    assert exc.value.code == "already_submitted"
    with pytest.raises(services.AssessmentError):
        services.attempt_save_answers(attempt=attempt, seq=9, answers={})


def test_attempts_allowed_and_window(sales_a, trainer, qbank):
    quiz = f.quiz(trainer, [f.single(qbank)], attempts_allowed=1)
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    services.attempt_submit(attempt=attempt)
    with pytest.raises(services.AssessmentError) as exc:
        services.attempt_start(quiz=quiz, user=sales_a)
    assert exc.value.code == "no_attempts_left"
    closed = f.quiz(trainer, [f.single(qbank)], closes_at=timezone.now() - dt.timedelta(minutes=1), title="已关闭")
    with pytest.raises(services.AssessmentError) as exc:
        services.attempt_start(quiz=closed, user=sales_a)
    assert exc.value.code == "closed"
    later = f.quiz(trainer, [f.single(qbank)], opens_at=timezone.now() + dt.timedelta(days=1), title="未开放")
    with pytest.raises(services.AssessmentError):
        services.attempt_start(quiz=later, user=sales_a)
    draft = f.quiz(trainer, [f.single(qbank)], status=Quiz.Status.DRAFT, title="草稿")
    with pytest.raises(services.AssessmentError):
        services.attempt_start(quiz=draft, user=sales_a)
    empty = f.quiz(trainer, [], title="空")
    with pytest.raises(services.AssessmentError) as exc:
        services.attempt_start(quiz=empty, user=sales_a)
    assert exc.value.code == "no_questions"


def test_deadline_capped_by_window_close(sales_a, trainer, qbank):
    closes = timezone.now() + dt.timedelta(minutes=5)
    quiz = f.quiz(trainer, [f.single(qbank)], time_limit_minutes=60, closes_at=closes)
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    assert attempt.deadline == closes


def test_random_rules_pick_from_category(sales_a, trainer, qbank):
    for i in range(6):
        f.single(qbank, stem=f"产品题{i}", category="product")
    f.single(qbank, stem="别的", category="market")
    quiz = f.quiz(trainer, [], mode=Quiz.Mode.RANDOM)
    QuizRule.objects.create(quiz=quiz, category=f.category("product"), count=4, points=2)
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    items = list(attempt.items.select_related("version__category"))
    assert len(items) == 4 and {i.version.category.code for i in items} == {"product"}
    assert len({i.version.question_id for i in items}) == 4
    assert attempt.max_score == Decimal("8")
    too_many = f.quiz(trainer, [], mode=Quiz.Mode.RANDOM, title="太多")
    QuizRule.objects.create(quiz=too_many, category=f.category("market"), count=3)
    with pytest.raises(services.AssessmentError) as exc:
        services.attempt_start(quiz=too_many, user=sales_a)
    assert exc.value.code == "not_enough_questions"


def test_regrade_updates_numbers_without_telling_twice(
    sales_a, trainer, mixed_quiz, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr(services, "_notify_attempt_graded", calls.append)
    attempt = services.attempt_start(quiz=mixed_quiz, user=sales_a)
    services.attempt_save_answers(attempt=attempt, seq=1, answers=_answers(attempt, RIGHT))
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt)
    assert calls == []  # the essay still waits
    essay = attempt.items.get(needs_grading=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_grade(item=essay, grader=trainer, score=Decimal("0"))
    with django_capture_on_commit_callbacks(execute=True):
        services.item_grade(item=essay, grader=trainer, score=Decimal("1"))
    attempt.refresh_from_db()
    assert calls == [attempt.pk] and attempt.score == Decimal("5.00") and attempt.percent == Decimal("100.00")
