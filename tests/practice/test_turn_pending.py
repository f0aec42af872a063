"""The pending-turn guard without threads: a reply while the customer is answering is refused (409 / a message
in the error slot), a stale pending turn (a dead worker) is taken over, and the LLM opening is outside the
start transaction."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from practice import services
from practice.models import PracticeSession, Turn
from tests.practice.factories import ScenarioFactory
from tests.practice.llm_stub import MODEL_LINE

STILL = ("still answering", "还在回应")  # English or Chinese, whichever the user reads

pytestmark = pytest.mark.django_db


def _pending(session, *, age=timedelta(0)):
    """Leave the session as a reply whose customer answer is still on its way."""
    Turn.objects.create(session=session, index=1, speaker=Turn.Speaker.TRAINEE, text="您好")
    PracticeSession.objects.filter(pk=session.pk).update(
        pending_index=1, pending_since=timezone.now() - age, trainee_turns=1
    )


@pytest.fixture
def session(sales_a):
    return services.session_start(user=sales_a, scenario=ScenarioFactory())


def test_api_turn_while_the_customer_answers_is_409(api_for, sales_a, session):
    _pending(session)
    response = api_for(sales_a).post(f"/api/v1/practice/sessions/{session.id}/turns/", {"text": "还在吗？"})
    assert response.status_code == 409
    body = response.json()["error"]
    assert body["code"] == "conflict" and any(w in body["message"] for w in STILL)
    assert Turn.objects.filter(session=session).count() == 2  # nothing written


def test_page_reply_while_the_customer_answers_shows_the_message(client_for, sales_a, session):
    _pending(session)
    client = client_for(sales_a)
    response = client.post(reverse("practice:reply", args=[session.id]), {"text": "还在吗？"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Retarget"] == "#reply-error"
    assert any(w in response.content.decode() for w in STILL)
    response = client.post(reverse("practice:reply", args=[session.id]), {"text": "还在吗？"}, follow=True)
    assert any(w in response.content.decode() for w in STILL)
    assert Turn.objects.filter(session=session).count() == 2


def test_a_stale_pending_turn_is_taken_over(sales_a, session):
    _pending(session, age=services.pending_stale_after() + timedelta(seconds=1))
    trainee, customer = services.session_reply(session=session, text="请问您是和哪家的报价在比较？规格一样吗？")
    assert (trainee.index, customer.index) == (2, 3)
    session.refresh_from_db()
    assert session.pending_index is None and session.trainee_turns == 2


def test_a_reply_clears_the_pending_mark(session):
    services.session_reply(session=session, text="请问您是和哪家的报价在比较？规格一样吗？")
    session.refresh_from_db()
    assert session.pending_index is None and session.pending_since is None
    assert list(session.turns.values_list("index", "speaker")) == [(0, "customer"), (1, "trainee"), (2, "customer")]


def test_finish_clears_a_pending_turn(session):
    _pending(session)
    finished = services.session_finish(session=session)
    assert finished.is_finished and finished.pending_index is None


def test_start_resumes_instead_of_opening_twice(sales_a, session):
    assert services.session_start(user=sales_a, scenario=session.scenario).pk == session.pk
    assert PracticeSession.objects.filter(user=sales_a).count() == 1


def test_start_with_the_llm_opens_with_the_model_line(llm_backend, sales_a):
    session = services.session_start(user=sales_a, scenario=ScenarioFactory())
    assert session.backend == "openai"
    assert session.turns.get().text == MODEL_LINE and session.current_node == "open"
