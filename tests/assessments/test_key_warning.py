"""Issue 18: a quiz that shows its key after submitting and allows another attempt with the same questions warns its
trainer; the review option "after the last attempt" keeps the key from a learner who still has an attempt left."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from assessments import selectors
from assessments.models import Quiz, QuizRule
from tests.assessments import factories as f

HOLE = {"review_policy": Quiz.Review.AFTER_SUBMIT, "review_shows_answers": True, "attempts_allowed": 2}
WARNING = 'data-testid="key-warning"'


def _fixed(trainer, qbank, **fields):
    return f.quiz(trainer, [f.single(qbank), f.short(qbank)], **{**HOLE, **fields})


def _random(trainer, qbank, *, pool: int, draw: int, **fields):
    for i in range(pool):
        f.single(qbank, stem=f"产品题{i}", category="product")
    quiz = f.quiz(trainer, [], mode=Quiz.Mode.RANDOM, **{**HOLE, **fields})
    QuizRule.objects.create(quiz=quiz, category=f.category("product"), count=draw)
    return quiz


# --- the warning ----------------------------------------------------------------------------------------------


def test_fixed_questions_key_after_submit_and_a_second_attempt_warn_on_the_edit_and_quiz_pages(
    client_for, trainer, sales_a, qbank
):
    quiz = _fixed(trainer, qbank, takers=[sales_a])
    with translation.override("en"):
        message = selectors.quiz_key_warning(quiz=quiz)
    assert message and "After the last attempt" in message
    client = client_for(trainer)
    edit = client.get(reverse("assessments:quiz_edit", args=[quiz.id])).content.decode()
    assert WARNING in edit
    assert WARNING in client.get(reverse("assessments:quiz", args=[quiz.id])).content.decode()
    # The learner is not shown the trainer's warning.
    assert WARNING not in client_for(sales_a).get(reverse("assessments:quiz", args=[quiz.id])).content.decode()


def test_unlimited_attempts_warn_too(trainer, qbank):
    assert selectors.quiz_key_warning(quiz=_fixed(trainer, qbank, attempts_allowed=0))


@pytest.mark.parametrize(
    "safe",
    [
        {"attempts_allowed": 1},
        {"review_shows_answers": False},
        {"review_policy": Quiz.Review.AFTER_LAST_ATTEMPT},
        {"review_policy": Quiz.Review.AFTER_CLOSE},
        {"review_policy": Quiz.Review.NEVER},
    ],
    ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()),
)
def test_no_warning_when_one_of_the_three_conditions_is_missing(client_for, trainer, qbank, safe):
    quiz = _fixed(trainer, qbank, **safe)
    assert selectors.quiz_key_warning(quiz=quiz) is None
    client = client_for(trainer)
    assert WARNING not in client.get(reverse("assessments:quiz_edit", args=[quiz.id])).content.decode()
    assert WARNING not in client.get(reverse("assessments:quiz", args=[quiz.id])).content.decode()


def test_random_rules_warn_only_when_the_pool_is_not_much_bigger_than_the_draw(trainer, qbank):
    small = _random(trainer, qbank, pool=8, draw=3)  # 8 < 3 x 3: most of the next draw was seen
    with translation.override("en"):
        message = selectors.quiz_key_warning(quiz=small)
    assert message and "draws 3 of only 8 questions" in message
    f.single(qbank, stem="产品题-多一道", category="product")  # now 9 = 3 x 3
    assert selectors.quiz_key_warning(quiz=small) is None


def test_the_warning_comes_back_after_saving_the_form_and_on_publish(client_for, trainer, qbank):
    from tests.assessments.test_pages import _quiz_post

    question = f.single(qbank)
    client = client_for(trainer)
    saved = client.post(
        reverse("assessments:quiz_new"),
        _quiz_post(questions=[question.id], attempts_allowed=3, review_shows_answers="on"),
        follow=True,
    )
    assert saved.status_code == 200 and WARNING in saved.content.decode()
    quiz = Quiz.objects.get(title="新测验")
    fixed = client.post(
        reverse("assessments:quiz_edit", args=[quiz.id]),
        _quiz_post(
            questions=[question.id], attempts_allowed=3, review_shows_answers="on", review_policy="after_last_attempt"
        ),
        follow=True,
    )
    assert fixed.status_code == 200 and WARNING not in fixed.content.decode()
    assert Quiz.objects.get(pk=quiz.pk).review_policy == Quiz.Review.AFTER_LAST_ATTEMPT


def test_the_admin_warns_when_saving_such_a_quiz(client, admin_user, trainer, qbank):
    quiz = _fixed(trainer, qbank)
    client.force_login(admin_user)
    url = reverse("admin:assessments_quiz_change", args=[quiz.id])
    data = {
        "title": quiz.title,
        "description": "",
        "mode": "fixed",
        "pass_mark": 60,
        "attempts_allowed": 2,
        "review_policy": "after_submit",
        "review_shows_answers": "on",
        "status": "published",
        "course": quiz.course_id,
        "owners": [trainer.id],
    }
    for prefix in ("quiz_questions", "rules"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert [m.message for m in response.context["messages"] if m.level_tag == "warning"] == [
        selectors.quiz_key_warning(quiz=quiz)
    ]


def test_the_demo_quiz_has_no_hole(db):
    from assessments import demo
    from trainees import demo as trainees_demo

    trainees_demo.seed()
    demo.seed()
    base = Quiz.objects.get(title="销售基础知识测验")
    assert base.attempts_allowed == 2 and base.review_shows_answers
    assert base.review_policy == Quiz.Review.AFTER_LAST_ATTEMPT
    assert [q.title for q in Quiz.objects.all() if selectors.quiz_key_warning(quiz=q)] == []


# --- "after the last attempt" -----------------------------------------------------------------------------------


def _take(api, quiz) -> int:
    attempt = api.post(f"/api/v1/quizzes/{quiz.id}/attempts/").json()
    api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    return attempt["id"]


def test_a_learner_with_an_attempt_left_does_not_see_the_key_and_does_after_the_last(
    client_for, api_for, sales_a, trainer, qbank
):
    quiz = _fixed(trainer, qbank, review_policy=Quiz.Review.AFTER_LAST_ATTEMPT, takers=[sales_a])
    api = api_for(sales_a)
    first = _take(api, quiz)
    result = api.get(f"/api/v1/attempts/{first}/").json()
    assert result["items"] == [] and result["show_answers"] is False
    assert f.EXPLAIN not in str(result) and f.ACCEPT not in str(result)
    page = client_for(sales_a).get(reverse("assessments:attempt", args=[first])).content.decode()
    assert f.EXPLAIN not in page and 'data-testid="review-later"' in page

    second = _take(api, quiz)
    for attempt_id in (first, second):
        shown = api.get(f"/api/v1/attempts/{attempt_id}/").json()
        assert shown["show_answers"] is True and f.EXPLAIN in str(shown) and f.ACCEPT in str(shown)
    page = client_for(sales_a).get(reverse("assessments:attempt", args=[first])).content.decode()
    assert f.EXPLAIN in page and 'data-testid="review-later"' not in page


def test_an_open_attempt_keeps_the_earlier_ones_closed(api_for, sales_a, trainer, qbank):
    quiz = _fixed(trainer, qbank, review_policy=Quiz.Review.AFTER_LAST_ATTEMPT, takers=[sales_a])
    api = api_for(sales_a)
    first = _take(api, quiz)
    api.post(f"/api/v1/quizzes/{quiz.id}/attempts/")  # the last attempt, started, not submitted
    assert f.EXPLAIN not in str(api.get(f"/api/v1/attempts/{first}/").json())


def test_with_unlimited_attempts_the_key_waits_for_the_quiz_to_close(api_for, sales_a, trainer, qbank):
    closes = timezone.now() + dt.timedelta(hours=1)
    quiz = _fixed(
        trainer,
        qbank,
        review_policy=Quiz.Review.AFTER_LAST_ATTEMPT,
        attempts_allowed=0,
        closes_at=closes,
        takers=[sales_a],
    )
    api = api_for(sales_a)
    attempts = [_take(api, quiz) for _ in range(3)]
    assert all(f.EXPLAIN not in str(api.get(f"/api/v1/attempts/{a}/").json()) for a in attempts)
    with time_machine.travel(closes + dt.timedelta(seconds=1)):
        assert f.EXPLAIN in str(api.get(f"/api/v1/attempts/{attempts[0]}/").json())


def test_the_learner_is_told_when_the_review_opens(client_for, sales_a, trainer, qbank):
    quiz = _fixed(trainer, qbank, review_policy=Quiz.Review.AFTER_LAST_ATTEMPT, takers=[sales_a])
    page = client_for(sales_a).get(reverse("assessments:quiz", args=[quiz.id]), HTTP_ACCEPT_LANGUAGE="en")
    assert "After the last attempt · with the correct answers" in page.content.decode()
