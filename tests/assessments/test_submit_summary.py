"""The summary before the final submit: unanswered and marked questions linked back, then one submit."""

import datetime as dt

import time_machine
from django.urls import reverse

from assessments import selectors, services
from assessments.models import Attempt, AttemptItem


def _start(client, quiz):
    client.post(reverse("assessments:quiz_start", args=[quiz.id]))
    return Attempt.objects.get(quiz=quiz, status=Attempt.Status.IN_PROGRESS)


def test_take_page_posts_to_the_summary_and_has_no_js_confirm(client_for, sales_a, auto_quiz):
    client = client_for(sales_a)
    attempt = _start(client, auto_quiz)
    html = client.get(reverse("assessments:attempt", args=[attempt.id])).content.decode()
    assert f'action="{reverse("assessments:attempt_review", args=[attempt.id])}"' in html
    assert "data-confirm" not in html and html.count('data-testid="flag"') == 4


def test_summary_lists_unanswered_and_marked_questions_with_links_back(
    client_for, sales_a, auto_quiz, django_assert_max_num_queries
):
    client = client_for(sales_a)
    attempt = _start(client, auto_quiz)
    items = {i.version.qtype: i for i in attempt.items.select_related("version")}
    form = {
        "seq": "1",
        f"q-{items['single'].id}": "B",
        f"q-{items['short'].id}": "Strength",
        "flagged": [str(items["single"].id)],
    }
    response = client.post(reverse("assessments:attempt_review", args=[attempt.id]), form)
    review_url = reverse("assessments:attempt_review", args=[attempt.id])
    assert response.status_code == 302 and response["Location"] == review_url
    assert AttemptItem.objects.get(pk=items["single"].id).flagged is True
    with django_assert_max_num_queries(8):
        page = client.get(review_url)
    html = page.content.decode()
    take_url = reverse("assessments:attempt", args=[attempt.id])
    unanswered = html.split('data-testid="unanswered"')[1].split("</div>")[0]
    flagged = html.split('data-testid="flagged"')[1].split("</div>")[0]
    assert f"{take_url}#question-{items['multiple'].id}" in unanswered
    assert f"{take_url}#question-{items['truefalse'].id}" in unanswered
    assert f"#question-{items['single'].id}" not in unanswered and f"#question-{items['single'].id}" in flagged
    assert f'action="{reverse("assessments:attempt_submit", args=[attempt.id])}"' in html
    # The take page shows the mark again, and each question carries the anchor the summary links to.
    take = client.get(take_url).content.decode()
    assert f'id="question-{items["single"].id}"' in take
    assert f'value="{items["single"].id}" id="flag-{items["single"].id}" checked' in take
    # Unmarking: the next save without it clears the mark.
    client.post(
        reverse("assessments:attempt_save", args=[attempt.id]),
        {"seq": "2", f"q-{items['single'].id}": "B", f"q-{items['short'].id}": "Strength"},
    )
    assert AttemptItem.objects.get(pk=items["single"].id).flagged is False
    # The summary's submit posts no answers: the saved ones are kept and graded, once.
    done = client.post(reverse("assessments:attempt_submit", args=[attempt.id]), follow=True)
    assert done.status_code == 200 and b'data-testid="result-summary"' in done.content
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.score == 2
    again = client.post(reverse("assessments:attempt_submit", args=[attempt.id]), follow=True)
    assert "已经提交" in again.content.decode() or "already been submitted" in again.content.decode()
    # After the submit the summary sends back to the result.
    assert client.get(review_url)["Location"] == take_url


def test_summary_is_the_takers_only(client_for, sales_a, sales_b, manager_a, trainer, auto_quiz):
    attempt = _start(client_for(sales_a), auto_quiz)
    url = reverse("assessments:attempt_review", args=[attempt.id])
    for other in (sales_b, manager_a, trainer):
        assert client_for(other).get(url).status_code == 404
        assert client_for(other).post(url, {"seq": "5"}).status_code == 404


def test_bad_marks_and_stale_saves_are_messages_not_500(client_for, sales_a, auto_quiz):
    client = client_for(sales_a)
    attempt = _start(client, auto_quiz)
    url = reverse("assessments:attempt_review", args=[attempt.id])
    bad = client.post(url, {"seq": "1", "flagged": ["999999"]}, follow=True)
    assert bad.status_code == 200 and list(bad.context["messages"])
    assert not AttemptItem.objects.filter(attempt=attempt, flagged=True).exists()
    # A non-numeric mark is ignored, not an error.
    assert client.post(url, {"seq": "2", "flagged": ["abc"]}).status_code == 302


def test_the_deadline_still_holds_on_the_summary(client_for, sales_a, auto_quiz):
    client = client_for(sales_a)
    attempt = _start(client, auto_quiz)
    item = attempt.items.order_by("order").first()
    services.attempt_save_answers(attempt=attempt, seq=1, answers={str(item.id): None})
    later = attempt.deadline + dt.timedelta(seconds=5)
    with time_machine.travel(later, tick=False):
        review = client.get(reverse("assessments:attempt_review", args=[attempt.id]))
        assert review.status_code == 302 and review["Location"] == reverse("assessments:attempt", args=[attempt.id])
        late = client.post(reverse("assessments:attempt_submit", args=[attempt.id]), follow=True)
        assert late.status_code == 200
    attempt.refresh_from_db()
    assert attempt.auto_closed and attempt.submitted_at == attempt.deadline


def test_marks_through_the_service_and_the_summary_selector(sales_a, auto_quiz):
    attempt = services.attempt_start(quiz=auto_quiz, user=sales_a)
    ids = [i.id for i in selectors.attempt_items(attempt=attempt)]
    services.attempt_save_answers(attempt=attempt, seq=1, answers={}, flagged=[ids[1], ids[2]])
    summary = selectors.attempt_summary(attempt=attempt)
    assert [row["id"] for row in summary["flagged"]] == ids[1:3] and summary["answered"] == 0
    # None leaves the marks alone (the API's save sends no marks).
    services.attempt_save_answers(attempt=attempt, seq=2, answers={str(ids[0]): "B"})
    summary = selectors.attempt_summary(attempt=attempt)
    assert len(summary["flagged"]) == 2 and summary["answered"] == 1
