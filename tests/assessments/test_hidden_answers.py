"""No correct answer, score key or explanation reaches the taker before the review policy allows it.

Every response of a full attempt (pages, htmx fragments, API) is scanned for markers planted in explanations,
option feedback and accepted answers, and for the key's field names."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Quiz
from tests.assessments import factories as f

MARKERS = (f.EXPLAIN, f.FEEDBACK, f.ACCEPT)
KEY_FIELDS = ('"weight"', '"correct_options"', '"accepted"', '"explanation"', '"feedback"', '"correct_value"')


def _scan(response, where):
    assert response.status_code in (200, 201, 302, 409), (where, response.status_code)
    body = response.content.decode()
    for marker in MARKERS + KEY_FIELDS:
        assert marker not in body, f"{marker} leaked in {where}"
    return response


def _full_attempt_through_pages(client, quiz):
    seen = [_scan(client.get(reverse("assessments:quizzes")), "quiz list")]
    seen.append(_scan(client.get(reverse("assessments:quiz", args=[quiz.id])), "quiz page"))
    started = client.post(reverse("assessments:quiz_start", args=[quiz.id]))
    attempt_url = started["Location"]
    attempt_id = int(attempt_url.rstrip("/").split("/")[-1])
    page = _scan(client.get(attempt_url), "attempt page")
    assert page.status_code == 200
    from assessments.models import Attempt

    attempt = Attempt.objects.get(pk=attempt_id)
    form = {"seq": "1"}
    for item in attempt.items.select_related("version"):
        form[f"q-{item.id}"] = {"single": "A", "multiple": "C", "truefalse": "true", "short": "x", "essay": "y"}[
            item.version.qtype
        ]
    _scan(client.post(reverse("assessments:attempt_save", args=[attempt_id]), form, HTTP_HX_REQUEST="true"), "autosave")
    _scan(
        client.post(reverse("assessments:attempt_save", args=[attempt_id]), form, HTTP_HX_REQUEST="true"),
        "stale autosave",
    )
    _scan(client.get(attempt_url), "attempt page after save")
    form["seq"] = "3"
    _scan(client.post(reverse("assessments:attempt_submit", args=[attempt_id]), form, follow=True), "submit + result")
    _scan(client.get(attempt_url), "result page")
    _scan(client.get(reverse("assessments:quiz", args=[quiz.id])), "quiz page after")
    return attempt_id


def _full_attempt_through_api(api, quiz):
    started = _scan(api.post(f"/api/v1/quizzes/{quiz.id}/attempts/"), "api start")
    attempt = started.json()
    _scan(api.get(f"/api/v1/quizzes/{quiz.id}/"), "api quiz")
    _scan(api.get("/api/v1/quizzes/"), "api quizzes")
    _scan(api.get(f"/api/v1/attempts/{attempt['id']}/"), "api attempt")
    answers = {str(i["id"]): None for i in attempt["items"]}
    _scan(api.patch(f"/api/v1/attempts/{attempt['id']}/answers/", {"seq": 1, "answers": answers}), "api save")
    _scan(api.patch(f"/api/v1/attempts/{attempt['id']}/answers/", {"seq": 1, "answers": answers}), "api stale")
    _scan(api.post(f"/api/v1/attempts/{attempt['id']}/submit/"), "api submit")
    _scan(api.post(f"/api/v1/attempts/{attempt['id']}/submit/"), "api submit again")
    return _scan(api.get(f"/api/v1/attempts/{attempt['id']}/"), "api result")


POLICIES = [
    {"review_policy": Quiz.Review.NEVER, "review_shows_answers": True},
    {"review_policy": Quiz.Review.AFTER_SUBMIT, "review_shows_answers": False},
    {"review_policy": Quiz.Review.AFTER_CLOSE, "review_shows_answers": True},
    # The quizzes here allow two attempts: after the first the key stays hidden.
    {"review_policy": Quiz.Review.AFTER_LAST_ATTEMPT, "review_shows_answers": True},
]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"{p['review_policy']}-{p['review_shows_answers']}")
def test_no_key_leaks_through_pages(client_for, sales_a, trainer, qbank, policy):
    questions = [f.single(qbank), f.multiple(qbank), f.truefalse(qbank), f.short(qbank), f.essay(qbank)]
    quiz = f.quiz(trainer, questions, closes_at=timezone.now() + dt.timedelta(days=1), takers=[sales_a], **policy)
    _full_attempt_through_pages(client_for(sales_a), quiz)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"{p['review_policy']}-{p['review_shows_answers']}")
def test_no_key_leaks_through_api(api_for, sales_a, trainer, qbank, policy):
    questions = [f.single(qbank), f.multiple(qbank), f.truefalse(qbank), f.short(qbank), f.essay(qbank)]
    quiz = f.quiz(trainer, questions, closes_at=timezone.now() + dt.timedelta(days=1), takers=[sales_a], **policy)
    _full_attempt_through_api(api_for(sales_a), quiz)


def test_key_is_shown_once_the_policy_allows(client_for, api_for, sales_a, trainer, qbank):
    """The positive control: the same scan would see the markers when the policy lets them through."""
    quiz = f.quiz(
        trainer,
        [f.single(qbank), f.short(qbank)],
        review_policy=Quiz.Review.AFTER_SUBMIT,
        review_shows_answers=True,
        takers=[sales_a],
    )
    api = api_for(sales_a)
    attempt = api.post(f"/api/v1/quizzes/{quiz.id}/attempts/").json()
    assert f.EXPLAIN not in str(attempt)
    api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    result = api.get(f"/api/v1/attempts/{attempt['id']}/").json()
    assert f.EXPLAIN in str(result) and f.ACCEPT in str(result)
    page = client_for(sales_a).get(reverse("assessments:attempt", args=[attempt["id"]])).content.decode()
    assert f.EXPLAIN in page and f.ACCEPT in page


def test_after_close_review_opens_when_the_window_closes(api_for, sales_a, trainer, qbank):
    import time_machine

    closes = timezone.now() + dt.timedelta(hours=1)
    quiz = f.quiz(
        trainer,
        [f.single(qbank)],
        review_policy=Quiz.Review.AFTER_CLOSE,
        review_shows_answers=True,
        closes_at=closes,
        takers=[sales_a],
    )
    api = api_for(sales_a)
    attempt = api.post(f"/api/v1/quizzes/{quiz.id}/attempts/").json()
    api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    assert f.EXPLAIN not in str(api.get(f"/api/v1/attempts/{attempt['id']}/").json())
    with time_machine.travel(closes + dt.timedelta(seconds=1)):
        assert f.EXPLAIN in str(api.get(f"/api/v1/attempts/{attempt['id']}/").json())


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"{p['review_policy']}-{p['review_shows_answers']}")
def test_no_key_leaks_while_grading(client_for, api_for, sales_a, trainer, qbank, policy):
    """Between the submit and its grading task (held back here) the page, its poll and the API show "grading" and
    nothing of the key."""
    from unittest import mock

    from assessments import tasks

    questions = [f.single(qbank), f.multiple(qbank), f.truefalse(qbank), f.short(qbank), f.essay(qbank)]
    quiz = f.quiz(trainer, questions, closes_at=timezone.now() + dt.timedelta(days=1), takers=[sales_a], **policy)
    api = api_for(sales_a)
    attempt = api.post(f"/api/v1/quizzes/{quiz.id}/attempts/").json()
    with mock.patch.object(tasks.grade_submitted_attempt, "apply_async"):
        _scan(api.post(f"/api/v1/attempts/{attempt['id']}/submit/"), "api submit (grading held back)")
    assert _scan(api.get(f"/api/v1/attempts/{attempt['id']}/"), "api while grading").json()["grading"] is True
    client = client_for(sales_a)
    page = _scan(client.get(reverse("assessments:attempt", args=[attempt["id"]])), "result page while grading")
    assert 'data-testid="grading"' in page.content.decode()
    poll = client.get(reverse("assessments:attempt_grading", args=[attempt["id"]]))
    assert poll.status_code == 204 and poll.content == b""
    tasks.grade_submitted_attempt(attempt["id"])
    _scan(api.get(f"/api/v1/attempts/{attempt['id']}/"), "api once graded")
    _scan(client.get(reverse("assessments:attempt", args=[attempt["id"]])), "result page once graded")
