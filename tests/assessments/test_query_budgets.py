"""Query budgets of the hot attempt endpoints (every autosave of every taker, and the submit burst at the end).

The counts include the SAVEPOINT/RELEASE pair of the service's transaction (the test runs inside one). The submit
only claims the attempt; the grading runs in a Celery task, and the side effects of a final result (dashboards,
notices, course completion) leave that too: one after-commit callback that queues another task.
"""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services, tasks
from assessments.models import Attempt, AttemptItem
from tests.assessments import factories as f

ANSWERS = {"single": "A", "multiple": ["A", "B"], "truefalse": True, "short": "答案"}


@pytest.fixture
def big_quiz(trainer, qbank, sales_a):
    """Twelve questions, so a per-item query would show."""
    makers = [f.single, f.multiple, f.truefalse, f.short]
    return f.quiz(trainer, [makers[i % 4](qbank) for i in range(12)], time_limit_minutes=30, takers=[sales_a])


def _started(api, quiz) -> dict:
    response = api.post(f"/api/v1/quizzes/{quiz.id}/attempts/")
    assert response.status_code == 201
    return response.json()


def _form(items: list[dict], seq: int) -> dict:
    data = {"seq": seq}
    for item in items:
        value = ANSWERS[item["qtype"]]
        data[f"q-{item['id']}"] = "true" if value is True else value
    return data


def test_api_answer_save_budget(api_for, sales_a, big_quiz, django_assert_max_num_queries):
    api = api_for(sales_a)
    attempt = _started(api, big_quiz)
    url = f"/api/v1/attempts/{attempt['id']}/answers/"
    for seq, chosen in ((1, attempt["items"][:3]), (2, attempt["items"])):
        body = {"seq": seq, "answers": {str(i["id"]): ANSWERS[i["qtype"]] for i in chosen}}
        # claim the sequence (UPDATE), read the named items, write the changed answers; + SAVEPOINT/RELEASE
        with django_assert_max_num_queries(5):
            response = api.patch(url, body)
        assert response.status_code == 200 and response.json() == {"seq": seq}
    assert AttemptItem.objects.filter(attempt_id=attempt["id"], answer__isnull=False).count() == 12


def test_api_refused_saves_stay_cheap_and_clear(api_for, sales_a, sales_b, big_quiz, django_assert_max_num_queries):
    api = api_for(sales_a)
    attempt = _started(api, big_quiz)
    url = f"/api/v1/attempts/{attempt['id']}/answers/"
    item = attempt["items"][0]
    api.patch(url, {"seq": 3, "answers": {}})
    with django_assert_max_num_queries(5):
        stale = api.patch(url, {"seq": 2, "answers": {str(item["id"]): ANSWERS[item["qtype"]]}})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    with django_assert_max_num_queries(5):
        foreign = api_for(sales_b).patch(url, {"seq": 9, "answers": {}})
    assert foreign.status_code == 404
    assert Attempt.objects.get(pk=attempt["id"]).save_seq == 3


def test_htmx_autosave_budget(client_for, api_for, sales_a, big_quiz, django_assert_max_num_queries):
    attempt = _started(api_for(sales_a), big_quiz)
    client = client_for(sales_a)
    url = reverse("assessments:attempt_save", args=[attempt["id"]])
    # session + user, the item list (the ownership check too), then the save as in the API
    with django_assert_max_num_queries(9):
        response = client.post(url, _form(attempt["items"], 1), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert AttemptItem.objects.filter(attempt_id=attempt["id"], answer__isnull=False).count() == 12


def test_htmx_autosave_of_someone_elses_attempt_is_404(client_for, api_for, sales_a, sales_b, big_quiz):
    attempt = _started(api_for(sales_a), big_quiz)
    url = reverse("assessments:attempt_save", args=[attempt["id"]])
    assert client_for(sales_b).post(url, _form(attempt["items"], 1)).status_code == 404
    assert not AttemptItem.objects.filter(attempt_id=attempt["id"], answer__isnull=False).exists()


def test_api_submit_is_one_conditional_update_and_queues_the_grading(
    api_for, sales_a, big_quiz, django_assert_max_num_queries
):
    api = api_for(sales_a)
    attempt = _started(api, big_quiz)
    api.patch(
        f"/api/v1/attempts/{attempt['id']}/answers/",
        {"seq": 1, "answers": {str(i["id"]): ANSWERS[i["qtype"]] for i in attempt["items"]}},
    )
    with mock.patch.object(tasks.grade_submitted_attempt, "apply_async") as queued:
        # the claiming UPDATE (the taker check folded in) + SAVEPOINT/RELEASE; no read of the attempt or its items
        with django_assert_max_num_queries(3):
            response = api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    assert response.status_code == 200 and response.json()["grading"] is True
    queued.assert_called_once_with(args=[], kwargs={"attempt_id": attempt["id"]})
    assert Attempt.objects.get(pk=attempt["id"]).is_grading


def test_grading_task_is_set_based_and_side_effects_leave_it(
    sales_a, big_quiz, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    attempt = services.attempt_start(quiz=big_quiz, user=sales_a)
    with mock.patch.object(tasks.grade_submitted_attempt, "apply_async"):
        services.attempt_submit(attempt=attempt)
    with mock.patch.object(tasks.attempt_graded_effects, "apply_async") as effects:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            # lock and read the attempt (with its quiz), items (one SELECT), scores (one UPDATE), area scores (one
            # INSERT), the attempt (one UPDATE), + SAVEPOINT/RELEASE
            with django_assert_max_num_queries(7):
                assert tasks.grade_submitted_attempt(attempt.id) is True
    assert len(callbacks) == 1
    effects.assert_called_once_with(
        args=[], kwargs={"attempt_id": attempt.id, "record": True, "notify": True, "course_id": None}
    )


def test_submit_grades_set_based_whatever_the_number_of_questions(trainer, qbank, sales_a):
    small = f.quiz(trainer, [f.single(qbank)], takers=[sales_a])
    large = f.quiz(trainer, [f.single(qbank, stem=f"题{i}") for i in range(20)], takers=[sales_a])
    counts = []
    for quiz in (small, large):
        attempt = services.attempt_start(quiz=quiz, user=sales_a)
        with CaptureQueriesContext(connection) as captured:
            services.attempt_submit(attempt=attempt)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_graded_effects_run_in_the_task(sales_a, big_quiz, django_capture_on_commit_callbacks):
    """With the eager test broker the task runs at once: the result is recorded on the dashboards exactly once."""
    from dashboards.models import PersonStats

    attempt = services.attempt_start(quiz=big_quiz, user=sales_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt)
    stats = PersonStats.objects.get(user=sales_a)
    assert stats.attempts == 1


def test_graded_effects_run_in_the_request_when_the_broker_fails(
    sales_a, big_quiz, broker_down, django_capture_on_commit_callbacks
):
    from dashboards.models import PersonStats

    attempt = services.attempt_start(quiz=big_quiz, user=sales_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt)  # neither the grading nor its effects can be queued: both run here
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert PersonStats.objects.get(user=sales_a).attempts == 1


def test_passed_final_exam_completes_the_course_through_the_task(
    sales_a, trainer, qbank, django_capture_on_commit_callbacks
):
    from learning.models import Enrollment

    quiz = f.quiz(trainer, [f.single(qbank)], is_final=True, takers=[sales_a])
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    item = attempt.items.get()
    services.attempt_save_answers(attempt=attempt, seq=1, answers={str(item.id): "B"})
    with mock.patch("assessments.services.enrollment_refresh") as refresh:
        with django_capture_on_commit_callbacks(execute=True):
            services.attempt_submit(attempt=attempt)
    refresh.assert_called_once_with(user_id=sales_a.id, course_id=quiz.course_id)
    assert Enrollment.objects.filter(user=sales_a, course=quiz.course).exists()


def test_overlong_sequence_numbers_are_refused_not_a_database_error(client_for, api_for, sales_a, big_quiz):
    api = api_for(sales_a)
    attempt = _started(api, big_quiz)
    response = api.patch(f"/api/v1/attempts/{attempt['id']}/answers/", {"seq": 2**31, "answers": {}})
    assert response.status_code == 400 and "seq" in response.json()["error"]["fields"]
    page = client_for(sales_a).post(
        reverse("assessments:attempt_save", args=[attempt["id"]]), {"seq": str(10**12)}, HTTP_HX_REQUEST="true"
    )
    assert page.status_code == 409
    assert Attempt.objects.get(pk=attempt["id"]).save_seq == 0
