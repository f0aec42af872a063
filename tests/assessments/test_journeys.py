"""Journeys without dead ends (issue 19): the learner's quiz list, the way back from an attempt, and asking for
another attempt when none is left."""

import re
import uuid

import pytest
from django.urls import reverse

from assessments import selectors, services
from assessments.models import Attempt, AttemptRequest
from lms.models import AuditLog
from notifications.models import Notification
from tests.assessments import factories as f
from tests.factories import make_trainer


def one_question_quiz(owner, bank, *, takers, question=None, **fields):
    return f.quiz(owner, [question or f.single(bank)], takers=takers, title=fields.pop("title", "单题测验"), **fields)


def take(user, quiz, *, correct: bool, submit: bool = True) -> Attempt:
    """One attempt at a one-question quiz, right (B) or wrong (A)."""
    attempt = services.attempt_start(quiz=quiz, user=user)
    item = selectors.attempt_items(attempt=attempt)[0]
    if item.version.qtype == "essay":
        services.attempt_save_answers(attempt=attempt, seq=1, answers={str(item.id): "先倾听，再道歉。"})
    else:
        services.attempt_save_answers(attempt=attempt, seq=1, answers={str(item.id): "B" if correct else "A"})
    if submit:
        services.attempt_submit(attempt=attempt)
    return Attempt.objects.get(pk=attempt.pk)


def steps(html: str) -> dict[str, str]:
    """{quiz title: the data-step of its next-step button} from the learner's quiz list."""
    out = {}
    for card in html.split('data-testid="my-quiz"')[1:]:
        title = re.search(r'href="/quizzes/\d+/">([^<]+)</a>', card).group(1)
        step = re.search(r'data-step="([a-z]*)"', card)
        out[title] = step.group(1) if step else ""
    return out


# ---------------------------------------------------------------------------------------------------------------
# 1. The learner's quiz list


def test_learner_list_shows_my_result_attempts_and_next_step(client_for, sales_a, trainer, qbank):
    fresh = one_question_quiz(trainer, qbank, takers=[sales_a], title="未考")
    running = one_question_quiz(trainer, qbank, takers=[sales_a], title="作答中")
    failed = one_question_quiz(trainer, qbank, takers=[sales_a], title="未通过", attempts_allowed=3)
    passed = one_question_quiz(trainer, qbank, takers=[sales_a], title="已通过")
    waiting = one_question_quiz(trainer, qbank, takers=[sales_a], title="待评", question=f.essay(qbank))
    stuck = one_question_quiz(trainer, qbank, takers=[sales_a], title="用完", attempts_allowed=1)
    unlimited = one_question_quiz(trainer, qbank, takers=[sales_a], title="不限次", attempts_allowed=0)
    take(sales_a, running, correct=True, submit=False)
    take(sales_a, failed, correct=False)
    take(sales_a, passed, correct=True)
    take(sales_a, waiting, correct=True)
    take(sales_a, stuck, correct=False)
    page = client_for(sales_a).get(reverse("assessments:quizzes"))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="my-quizzes"' in html and 'data-testid="quiz-table"' not in html
    assert steps(html) == {
        "未考": "start",
        "作答中": "continue",
        "未通过": "retry",
        "已通过": "result",
        "待评": "result",
        "用完": "result",
        "不限次": "start",
    }
    # The authoring status is not the learner's business.
    assert "已发布" not in html and "Published" not in html
    # Retry and start lead to the quiz page; continue and result to the attempt.
    open_attempt = Attempt.objects.get(quiz=running, user=sales_a)
    assert f'href="/attempts/{open_attempt.id}/" data-testid="next-step"' in html
    assert f'href="/quizzes/{failed.id}/" data-testid="next-step"' in html
    # Attempts left and the standing, computed per quiz.
    rows = {q.title: selectors.quiz_standing(quiz=q) for q in selectors.quiz_list(user=sales_a)}
    assert rows["未通过"].left == 2 and rows["未通过"].result == "failed" and rows["未通过"].best_percent == 0
    assert rows["已通过"].result == "passed" and rows["待评"].result == "waiting"
    assert rows["用完"].left == 0 and rows["用完"].stuck and rows["不限次"].left is None
    assert fresh.pk and unlimited.pk


def test_learner_list_shows_the_closing_date(client_for, sales_a, trainer, qbank):
    import datetime as dt

    from django.utils import timezone

    closes = timezone.now() + dt.timedelta(days=3)
    one_question_quiz(trainer, qbank, takers=[sales_a], title="有截止", closes_at=closes)
    html = client_for(sales_a).get(reverse("assessments:quizzes")).content.decode()
    assert timezone.localtime(closes).strftime("%Y-%m-%d %H:%M") in html


def test_trainer_keeps_the_authoring_columns(client_for, trainer, qbank, sales_a):
    one_question_quiz(trainer, qbank, takers=[sales_a], title="培训师的测验")
    html = client_for(trainer).get(reverse("assessments:quizzes")).content.decode()
    assert 'data-testid="quiz-table"' in html and 'class="table-responsive"' in html
    assert 'data-testid="my-quizzes"' not in html


def test_learner_list_query_budget(client_for, sales_a, trainer, qbank, django_assert_max_num_queries):
    question = f.single(qbank)
    for i in range(25):
        quiz = f.quiz(trainer, [question], takers=[sales_a], title=f"测验{i:02d}", attempts_allowed=3)
        take(sales_a, quiz, correct=i % 2 == 0)
        if i % 3 == 0:
            services.attempt_start(quiz=quiz, user=sales_a)
    client = client_for(sales_a)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("assessments:quizzes"))
    assert page.content.decode().count('data-testid="my-quiz"') == 25


# ---------------------------------------------------------------------------------------------------------------
# 3. No link on an attempt page leads a permitted viewer to a 404


def _local_links(html: str) -> set[str]:
    return {
        href.replace("&amp;", "&") for href in re.findall(r'href="(/[^"#]*)"', html) if not href.startswith("/static/")
    }


@pytest.mark.parametrize("viewer", ["manager_a", "trainer", "other_trainer", "sales_a"])
def test_attempt_page_links_lead_where_the_viewer_may_go(request, client_for, sales_a, trainer, qbank, viewer):
    quiz = one_question_quiz(trainer, qbank, takers=[sales_a], attempts_allowed=1)
    attempt = take(sales_a, quiz, correct=False)
    if viewer == "other_trainer":
        user = make_trainer(username=f"t-{uuid.uuid4().hex[:6]}")
        quiz.owners.add(user)  # a co-owner who is not enrolled
    else:
        user = request.getfixturevalue(viewer)
    client = client_for(user)
    page = client.get(reverse("assessments:attempt", args=[attempt.id]))
    assert page.status_code == 200
    html = page.content.decode()
    back = re.search(r'<a href="([^"]+)" data-testid="back-link">', html).group(1).replace("&amp;", "&")
    assert client.get(back).status_code == 200
    links = _local_links(html)
    assert back in links and len(links) >= 3  # the menu's links too
    for href in links:
        assert client.get(href).status_code != 404, href


def test_manager_back_link_goes_to_the_results_of_the_quiz(client_for, manager_a, sales_a, trainer, qbank):
    quiz = one_question_quiz(trainer, qbank, takers=[sales_a])
    attempt = take(sales_a, quiz, correct=False)
    client = client_for(manager_a)
    assert client.get(reverse("assessments:quiz", args=[quiz.id])).status_code == 404
    html = client.get(reverse("assessments:attempt", args=[attempt.id])).content.decode()
    assert f'href="/quiz-results/?quiz={quiz.id}" data-testid="back-link"' in html
    results = client.get(f"/quiz-results/?quiz={quiz.id}").content.decode()
    assert 'data-testid="quiz-filter"' in results and quiz.title in results


def test_manager_results_page_links_do_not_404(client_for, manager_a, sales_a, trainer, qbank):
    quiz = one_question_quiz(trainer, qbank, takers=[sales_a])
    take(sales_a, quiz, correct=True)
    client = client_for(manager_a)
    html = client.get(reverse("assessments:results")).content.decode()
    for href in _local_links(html):
        assert client.get(href).status_code != 404, href


# ---------------------------------------------------------------------------------------------------------------
# 4. Asking for another attempt


@pytest.fixture
def stuck_quiz(trainer, qbank, sales_a):
    quiz = one_question_quiz(trainer, qbank, takers=[sales_a], attempts_allowed=1, title="终极测验")
    take(sales_a, quiz, correct=False)
    return quiz


def test_stuck_learner_sees_who_to_ask_and_asks_once(client_for, sales_a, trainer, stuck_quiz):
    client = client_for(sales_a)
    html = client.get(reverse("assessments:quiz", args=[stuck_quiz.id])).content.decode()
    assert 'data-testid="stuck"' in html and "周培训" in html and 'data-testid="request-attempt"' in html
    assert 'data-testid="start-quiz"' not in html
    url = reverse("assessments:attempt_request", args=[stuck_quiz.id])
    response = client.post(url, {"next": reverse("assessments:quiz", args=[stuck_quiz.id])})
    assert response.status_code == 302 and response["Location"] == reverse("assessments:quiz", args=[stuck_quiz.id])
    again = client.post(url, follow=True)
    assert again.status_code == 200 and AttemptRequest.objects.filter(quiz=stuck_quiz, user=sales_a).count() == 1
    html = client.get(reverse("assessments:quiz", args=[stuck_quiz.id])).content.decode()
    assert 'data-testid="requested"' in html and 'data-testid="request-attempt"' not in html
    # The attempt page says the same.
    attempt = Attempt.objects.get(quiz=stuck_quiz, user=sales_a)
    assert 'data-testid="requested"' in client.get(reverse("assessments:attempt", args=[attempt.id])).content.decode()


def test_request_refused_with_attempts_left_or_passed_and_outside_scope(client_for, sales_a, sales_b, trainer, qbank):
    quiz = one_question_quiz(trainer, qbank, takers=[sales_a], attempts_allowed=2)
    take(sales_a, quiz, correct=False)
    url = reverse("assessments:attempt_request", args=[quiz.id])
    response = client_for(sales_a).post(url, follow=True)
    assert response.status_code == 200 and not AttemptRequest.objects.exists()
    assert list(response.context["messages"])  # a clear message, not a 500
    assert client_for(sales_b).post(url).status_code == 404  # not enrolled: not theirs
    assert client_for(sales_a).post(reverse("assessments:attempt_request", args=[999999])).status_code == 404
    take(sales_a, quiz, correct=True)
    with pytest.raises(services.AssessmentError) as passed:
        services.attempt_request_create(quiz=quiz, user=sales_a)
    assert passed.value.code == "already_passed"


def test_owner_grants_with_one_click_and_the_learner_can_start(client_for, sales_a, trainer, stuck_quiz):
    services.attempt_request_create(quiz=stuck_quiz, user=sales_a)
    pending = AttemptRequest.objects.get()
    owner = client_for(trainer)
    for page in (reverse("assessments:grading"), reverse("assessments:results") + f"?quiz={stuck_quiz.id}"):
        html = owner.get(page).content.decode()
        assert 'data-testid="attempt-request"' in html and "张三" in html, page
    url = reverse("assessments:attempt_request_decide", args=[pending.id])
    assert owner.post(url, {"decision": "maybe"}, follow=True).status_code == 200  # bad input: a message
    pending.refresh_from_db()
    assert pending.status == AttemptRequest.Status.OPEN
    response = owner.post(url, {"decision": "grant", "next": reverse("assessments:grading")})
    assert response.status_code == 302 and response["Location"] == reverse("assessments:grading")
    pending.refresh_from_db()
    assert pending.status == AttemptRequest.Status.GRANTED and pending.decided_by == trainer
    entry = AuditLog.objects.get(action=services.AUDIT_ATTEMPT_REQUEST_DECIDED)
    assert entry.actor == trainer and entry.details["decision"] == "granted"
    notice = Notification.objects.get(recipient=sales_a, kind="attempt_request_decided")
    assert notice.context["granted"] is True
    # Deciding again changes nothing.
    owner.post(url, {"decision": "decline"})
    pending.refresh_from_db()
    assert pending.status == AttemptRequest.Status.GRANTED
    # One more attempt, and only one.
    learner = client_for(sales_a)
    assert learner.post(reverse("assessments:quiz_start", args=[stuck_quiz.id])).status_code == 302
    second = Attempt.objects.get(quiz=stuck_quiz, user=sales_a, number=2)
    services.attempt_submit(attempt=second)
    with pytest.raises(services.AssessmentError) as none_left:
        services.attempt_start(quiz=stuck_quiz, user=sales_a)
    assert none_left.value.code == "no_attempts_left"
    assert selectors.quiz_standing_for(user=sales_a, quiz=stuck_quiz).can_request


def test_owner_declines_and_the_learner_is_told(client_for, sales_a, trainer, stuck_quiz):
    services.attempt_request_create(quiz=stuck_quiz, user=sales_a)
    pending = AttemptRequest.objects.get()
    client_for(trainer).post(reverse("assessments:attempt_request_decide", args=[pending.id]), {"decision": "decline"})
    pending.refresh_from_db()
    assert pending.status == AttemptRequest.Status.DECLINED
    notice = Notification.objects.get(recipient=sales_a, kind="attempt_request_decided")
    assert notice.context["granted"] is False and notice.context["trainer"] == "周培训"
    with pytest.raises(services.AssessmentError):
        services.attempt_start(quiz=stuck_quiz, user=sales_a)
    # They may ask again.
    services.attempt_request_create(quiz=stuck_quiz, user=sales_a)


def test_only_the_quiz_owner_decides(client_for, sales_a, manager_a, stuck_quiz):
    services.attempt_request_create(quiz=stuck_quiz, user=sales_a)
    pending = AttemptRequest.objects.get()
    url = reverse("assessments:attempt_request_decide", args=[pending.id])
    other = make_trainer(username="other_trainer")
    assert client_for(other).post(url, {"decision": "grant"}).status_code == 404
    assert client_for(manager_a).post(url, {"decision": "grant"}).status_code in (403, 404)
    assert 'data-testid="attempt-request"' not in client_for(other).get(reverse("assessments:grading")).content.decode()
    pending.refresh_from_db()
    assert pending.status == AttemptRequest.Status.OPEN


def test_grading_page_with_many_requests_query_budget(
    client_for, trainer, qbank, team_a, django_assert_max_num_queries
):
    from tests.factories import make_salesperson

    quiz = one_question_quiz(trainer, qbank, takers=[], attempts_allowed=1)
    for i in range(20):
        person = make_salesperson(team_a, username=f"p{i}")
        f.enrol(person, quiz)
        take(person, quiz, correct=False)
        services.attempt_request_create(quiz=quiz, user=person)
    client = client_for(trainer)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("assessments:grading")).content.decode()
    assert html.count('data-testid="attempt-request"') == 20
    with django_assert_max_num_queries(12):
        html = client.get(reverse("assessments:results") + f"?quiz={quiz.id}").content.decode()
    assert html.count('data-testid="attempt-request"') == 20


def test_api_request_and_decision(api_for, sales_a, sales_b, trainer, manager_a, stuck_quiz):
    learner = api_for(sales_a)
    url = f"/api/v1/quizzes/{stuck_quiz.id}/attempt-requests/"
    created = learner.post(url)
    assert created.status_code == 201 and created.json()["status"] == "open"
    again = learner.post(url)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_requested"
    assert api_for(sales_b).post(url).status_code == 404
    listed = api_for(trainer).get("/api/v1/attempt-requests/")
    assert listed.status_code == 200 and [r["person"] for r in listed.json()["results"]] == ["张三"]
    assert api_for(manager_a).get("/api/v1/attempt-requests/").status_code == 403
    decide = f"/api/v1/attempt-requests/{created.json()['id']}/decision/"
    assert api_for(trainer).post(decide, {"grant": "perhaps"}, format="json").status_code == 400
    assert api_for(make_trainer(username="t-api")).post(decide, {"grant": True}, format="json").status_code == 404
    granted = api_for(trainer).post(decide, {"grant": True}, format="json")
    assert granted.status_code == 200 and granted.json()["status"] == "granted"
    twice = api_for(trainer).post(decide, {"grant": False}, format="json")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_decided"
    assert learner.post(f"/api/v1/quizzes/{stuck_quiz.id}/attempts/").status_code == 201
