"""The automatic grading after a submit runs in Celery (assessments.tasks.grade_submitted_attempt): exactly once
whatever runs it (the task twice, the beat's sweep, a trainer's grade), in the request when the broker is down, and
the taker sees "grading" (page and API) until the result is there."""

import datetime as dt
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from assessments import services, tasks
from assessments.models import Attempt, AttemptAreaScore, AttemptItem
from lms.models import DeferredTask

RIGHT = {"single": "B", "multiple": ["A", "B"], "truefalse": False, "short": "strength"}


def held_back():
    """The grading task is queued but no worker has run it yet (the eager test broker would run it at once)."""
    return mock.patch.object(tasks.grade_submitted_attempt, "apply_async")


def _answered(quiz, user) -> Attempt:
    attempt = services.attempt_start(quiz=quiz, user=user)
    answers = {}
    for item in attempt.items.select_related("version"):
        qtype = item.version.qtype
        answers[str(item.id)] = RIGHT.get(qtype, "先倾听客户，再给方案。")
    services.attempt_save_answers(attempt=attempt, seq=1, answers=answers)
    return attempt


def _submitted_waiting(quiz, user) -> Attempt:
    attempt = _answered(quiz, user)
    with held_back() as queued:
        services.attempt_submit(attempt=attempt)
    queued.assert_called_once_with(args=[], kwargs={"attempt_id": attempt.id})
    attempt.refresh_from_db()
    return attempt


# --- the task -----------------------------------------------------------------------------------------------------


def test_submit_claims_and_the_task_grades_once(sales_a, auto_quiz):
    attempt = _submitted_waiting(auto_quiz, sales_a)
    assert attempt.status == Attempt.Status.SUBMITTED and attempt.is_grading and attempt.score is None
    assert not AttemptItem.objects.filter(attempt=attempt, score__isnull=False).exists()

    assert tasks.grade_submitted_attempt(attempt.id) is True
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and not attempt.is_grading
    assert attempt.percent == 100 and attempt.passed
    graded_at, areas = attempt.graded_at, AttemptAreaScore.objects.filter(attempt=attempt).count()

    assert tasks.grade_submitted_attempt(attempt.id) is False  # run again (a retry, a duplicate): nothing
    attempt.refresh_from_db()
    assert attempt.graded_at == graded_at
    assert AttemptAreaScore.objects.filter(attempt=attempt).count() == areas


def test_eager_broker_grades_right_after_the_claim_commits(sales_a, auto_quiz):
    attempt = _answered(auto_quiz, sales_a)
    services.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.percent == 100


def test_the_task_never_touches_an_attempt_waiting_for_a_trainer(sales_a, trainer, mixed_quiz):
    attempt = _answered(mixed_quiz, sales_a)
    services.attempt_submit(attempt=attempt)  # graded at once (eager); the essay waits for the trainer
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.SUBMITTED and not attempt.is_grading
    essay = AttemptItem.objects.get(attempt=attempt, needs_grading=True)
    services.item_grade(item=essay, grader=trainer, score=essay.points, comment="好")
    assert tasks.grade_submitted_attempt(attempt.id) is False
    essay.refresh_from_db()
    assert essay.score == essay.points and essay.graded_by == trainer and not essay.needs_grading


def test_a_trainer_grading_before_the_task_ran_grades_the_automatic_parts_first(sales_a, trainer, mixed_quiz):
    attempt = _submitted_waiting(mixed_quiz, sales_a)
    essay = AttemptItem.objects.get(attempt=attempt, version__qtype="essay")
    services.item_grade(item=essay, grader=trainer, score=essay.points)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.percent == 100
    assert tasks.grade_submitted_attempt(attempt.id) is False


def test_a_late_submit_closes_at_the_deadline_and_still_grades(sales_a, auto_quiz):
    import time_machine

    attempt = _answered(auto_quiz, sales_a)
    with time_machine.travel(attempt.deadline + dt.timedelta(seconds=5)):
        with pytest.raises(services.AssessmentError) as refused:
            services.attempt_submit(attempt=attempt)
    assert refused.value.code == "deadline_passed"
    attempt.refresh_from_db()
    assert attempt.auto_closed and attempt.submitted_at == attempt.deadline
    assert attempt.status == Attempt.Status.GRADED


def test_overdue_attempts_closed_by_the_beat_are_graded(sales_a, auto_quiz):
    import time_machine

    attempt = _answered(auto_quiz, sales_a)
    with time_machine.travel(attempt.deadline + dt.timedelta(minutes=1)):
        assert tasks.close_overdue_attempts() == 1
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.auto_closed and attempt.percent == 100


def test_the_beat_sweeps_attempts_whose_grading_task_was_lost(sales_a, auto_quiz):
    import time_machine

    attempt = _submitted_waiting(auto_quiz, sales_a)
    assert services.grade_waiting_attempts() == 0  # just submitted: its task is on its way
    with time_machine.travel(attempt.submitted_at + services.GRADING_SWEEP_AFTER + dt.timedelta(seconds=1)):
        assert tasks.close_overdue_attempts() == 1
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED


# --- the broker down ----------------------------------------------------------------------------------------------


def test_broker_down_the_submit_succeeds_and_grades_in_the_request(
    api_for, sales_a, auto_quiz, broker_down, django_capture_on_commit_callbacks
):
    attempt = _answered(auto_quiz, sales_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(sales_a).post(f"/api/v1/attempts/{attempt.id}/submit/")
    assert response.status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.percent == 100
    assert not DeferredTask.objects.exists()  # nothing left for the relay: it was done here


def test_broker_down_and_the_grading_failing_too_keeps_it_for_the_relay(
    api_for, sales_a, auto_quiz, broker_down, monkeypatch
):
    from lms.deferred import relay_deferred

    attempt = _answered(auto_quiz, sales_a)
    with monkeypatch.context() as patch:
        patch.setattr(services, "attempt_grade_submitted", mock.Mock(side_effect=OperationalError("db hiccup")))
        response = api_for(sales_a).post(f"/api/v1/attempts/{attempt.id}/submit/")
    assert response.status_code == 200  # the submit itself stands
    kept = DeferredTask.objects.get()
    assert kept.name == tasks.grade_submitted_attempt.name and kept.kwargs == {"attempt_id": attempt.id}
    broker_down.update(task_always_eager=True)  # the broker is back (in tests "sent" means run in process)
    assert relay_deferred() == 1
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED


# --- what the taker sees while grading ----------------------------------------------------------------------------


def test_result_page_says_grading_and_polls_until_the_result_is_there(client_for, sales_a, auto_quiz):
    attempt = _submitted_waiting(auto_quiz, sales_a)
    client = client_for(sales_a)
    page = client.get(reverse("assessments:attempt", args=[attempt.id]))
    body = page.content.decode()
    poll = reverse("assessments:attempt_grading", args=[attempt.id])
    assert page.status_code == 200 and 'data-testid="grading"' in body
    assert f'hx-get="{poll}"' in body and 'hx-trigger="every 2s"' in body
    assert "评分中" in body
    assert "<script>" not in body  # the polling is htmx attributes, nothing inline (CSP)
    assert " 分<" not in body  # no item scores yet

    assert "评分中" in client.get(reverse("assessments:quiz", args=[auto_quiz.id])).content.decode()

    waiting = client.get(poll, HTTP_HX_REQUEST="true")
    assert waiting.status_code == 204 and "HX-Refresh" not in waiting
    tasks.grade_submitted_attempt(attempt.id)
    done = client.get(poll, HTTP_HX_REQUEST="true")
    assert done.status_code == 200 and done["HX-Refresh"] == "true"
    result = client.get(reverse("assessments:attempt", args=[attempt.id])).content.decode()
    assert 'data-testid="grading"' not in result and "100%" in result


def test_grading_poll_permissions(client_for, sales_a, sales_b, manager_a, manager_b, auto_quiz):
    attempt = _submitted_waiting(auto_quiz, sales_a)
    poll = reverse("assessments:attempt_grading", args=[attempt.id])
    anonymous = Client().get(poll)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client_for(manager_a).get(poll).status_code == 204  # the manager of the taker's team sees it too
    assert client_for(sales_b).get(poll).status_code == 404
    assert client_for(manager_b).get(poll).status_code == 404
    assert client_for(sales_a).get(reverse("assessments:attempt_grading", args=[999999])).status_code == 404
    assert client_for(sales_a).post(poll).status_code == 405


def test_grading_poll_is_one_small_query(client_for, sales_a, auto_quiz, django_assert_max_num_queries):
    attempt = _submitted_waiting(auto_quiz, sales_a)
    client = client_for(sales_a)
    client.get(reverse("assessments:quizzes"))  # session warm
    with django_assert_max_num_queries(3):  # session, user, the attempt's status and score
        assert client.get(reverse("assessments:attempt_grading", args=[attempt.id])).status_code == 204


def test_api_says_grading_until_the_result_is_there(api_for, sales_a, auto_quiz):
    attempt = _answered(auto_quiz, sales_a)
    api = api_for(sales_a)
    with held_back():
        submitted = api.post(f"/api/v1/attempts/{attempt.id}/submit/").json()
    assert submitted["grading"] is True and submitted["status"] == "submitted"
    detail = api.get(submitted["result"]).json()
    assert detail["status"] == "submitted" and detail["grading"] is True
    assert detail["score"] is None and detail["percent"] is None and detail["review"] is False
    assert all("score" not in item for item in detail["items"])
    tasks.grade_submitted_attempt(attempt.id)
    detail = api.get(submitted["result"]).json()
    assert detail["status"] == "graded" and detail["grading"] is False and detail["percent"] == "100.00"
    again = api.post(f"/api/v1/attempts/{attempt.id}/submit/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_submitted"
