"""The final quiz as a row of the course's completion panel (learning.hooks.completion_requirement_rows)."""

import pytest
from django.urls import reverse
from django.utils import translation

from assessments import selectors, services
from assessments.models import Quiz
from learning import hooks as learning_hooks
from learning.models import Enrollment
from learning.requirements import RequirementState
from tests.assessments import factories as f
from tests.assessments.test_journeys import take


@pytest.fixture
def final(trainer, qbank, sales_a):
    return f.quiz(
        trainer, [f.single(qbank)], takers=[sales_a], title="结业考试", is_final=True, attempts_allowed=2, pass_mark=80
    )


def row_for(user, quiz, django_assert_max_num_queries, budget=2):
    enrollment = Enrollment.objects.get(user=user, course=quiz.course)
    with django_assert_max_num_queries(budget):
        rows = selectors.final_quiz_requirement_rows(enrollment=enrollment)
    assert len(rows) == 1
    return rows[0]


def test_not_attempted_is_todo_with_start(sales_a, final, django_assert_max_num_queries):
    row = row_for(sales_a, final, django_assert_max_num_queries, budget=1)
    assert row.kind == "quiz" and row.title == "结业考试" and row.state == RequirementState.TODO
    assert row.action_url == reverse("assessments:quiz", args=[final.id]) and row.action_label
    assert "80%" in row.detail and "2" in row.detail and str(final.id) not in row.detail


def test_in_progress_is_todo_with_continue(sales_a, final, django_assert_max_num_queries):
    attempt = take(sales_a, final, correct=True, submit=False)
    row = row_for(sales_a, final, django_assert_max_num_queries, budget=1)
    assert row.state == RequirementState.TODO and row.action_url == reverse("assessments:attempt", args=[attempt.id])


def test_passed_is_done_with_the_result(sales_a, final, django_assert_max_num_queries):
    attempt = take(sales_a, final, correct=True)
    row = row_for(sales_a, final, django_assert_max_num_queries, budget=1)
    assert row.state == RequirementState.DONE and row.met
    assert row.action_url == reverse("assessments:attempt", args=[attempt.id])
    assert "100%" in row.detail and "80%" in row.detail and "1/2" in row.detail


def test_failed_with_attempts_left_is_failed_with_retry(sales_a, final, django_assert_max_num_queries):
    take(sales_a, final, correct=False)
    row = row_for(sales_a, final, django_assert_max_num_queries, budget=1)
    assert row.state == RequirementState.FAILED and row.action_url == reverse("assessments:quiz", args=[final.id])
    assert "0%" in row.detail and "1/2" in row.detail


def test_failed_with_none_left_is_stuck_and_names_who_to_ask(sales_a, final, django_assert_max_num_queries):
    take(sales_a, final, correct=False)
    last = take(sales_a, final, correct=False)
    row = row_for(sales_a, final, django_assert_max_num_queries, budget=2)
    assert row.state == RequirementState.STUCK and "周培训" in row.help_text and "2/2" in row.detail
    assert row.extra == {"requested": False, "request_url": reverse("assessments:attempt_request", args=[final.id])}
    assert row.action_url == reverse("assessments:attempt", args=[last.id])
    services.attempt_request_create(quiz=final, user=sales_a)
    assert row_for(sales_a, final, django_assert_max_num_queries).extra["requested"] is True


def test_awaiting_manual_grading_is_waiting(sales_a, trainer, qbank, django_assert_max_num_queries):
    quiz = f.quiz(trainer, [f.essay(qbank)], takers=[sales_a], is_final=True)
    take(sales_a, quiz, correct=True)
    row = row_for(sales_a, quiz, django_assert_max_num_queries, budget=1)
    assert row.state == RequirementState.WAITING


def test_no_row_without_a_published_final_quiz(sales_a, trainer, qbank, final, django_assert_max_num_queries):
    Quiz.objects.filter(pk=final.pk).update(status=Quiz.Status.DRAFT)
    enrollment = Enrollment.objects.get(user=sales_a, course=final.course)
    assert selectors.final_quiz_requirement_rows(enrollment=enrollment) == []
    # A quiz of the course that is not its final exam adds nothing either.
    other = f.quiz(trainer, [f.single(qbank)], course=final.course, title="练习")
    assert other.pk and selectors.final_quiz_requirement_rows(enrollment=enrollment) == []


def test_other_people_do_not_change_my_row(sales_a, sales_b, final, django_assert_max_num_queries):
    take(sales_b, final, correct=True)
    assert row_for(sales_a, final, django_assert_max_num_queries).state == RequirementState.TODO


def test_registered_on_the_hook(sales_a, final):
    assert selectors.final_quiz_requirement_rows in learning_hooks.completion_requirement_rows.functions
    take(sales_a, final, correct=True)
    enrollment = Enrollment.objects.get(user=sales_a, course=final.course)
    rows = [r for rows in learning_hooks.completion_requirement_rows.call(enrollment=enrollment) for r in rows]
    quiz_rows = [r for r in rows if r.kind == "quiz"]
    assert len(quiz_rows) == 1 and quiz_rows[0].state == RequirementState.DONE


def test_detail_reads_as_a_sentence(sales_a, final, django_assert_max_num_queries):
    take(sales_a, final, correct=False)
    take(sales_a, final, correct=False)
    with translation.override("en"):
        row = row_for(sales_a, final, django_assert_max_num_queries)
    assert row.detail == "best 0%, pass mark 80%, 2/2 attempts used"
    assert row.help_text == "No attempt is left. Ask the quiz's trainers for another attempt: 周培训."
