"""A turn's customer call (an LLM, possibly slow) runs outside any transaction and holds no row lock; parallel
turns on one session cannot interleave. Real threads, each on its own connection (PostgreSQL in CI)."""

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction
from rest_framework.test import APIClient

from practice import services
from practice.models import PracticeSession, Turn
from tests.practice.factories import ScenarioFactory
from tests.practice.llm_stub import MODEL_LINE, StubLLM

STILL = ("still answering", "还在回应")  # English or Chinese, whichever the user reads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"),
]

REPLY = "请问您是和哪家的报价在比较？规格一样吗？"


def _thread(target):
    """Run target() in a thread on its own connection; the returned dict gets "result" or "error"."""
    out: dict = {}

    def work():
        try:
            out["result"] = target()
        except Exception as exc:  # reported to the test, which asserts on it
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    out["thread"] = thread
    return out


def _held_reply(session):
    """Start a reply whose customer answer is held at the stub; returns once the model call is in flight."""
    StubLLM.mode = "hold"
    StubLLM.entered.clear()
    StubLLM.release.clear()
    running = _thread(lambda: services.session_reply(session=session, text=REPLY))
    assert StubLLM.entered.wait(30), "the customer call never reached the stub"
    return running


def _finish(running):
    StubLLM.release.set()
    running["thread"].join(timeout=60)
    assert not running["thread"].is_alive()


def test_the_session_row_is_not_locked_while_the_model_answers(llm_backend, sales_a):
    session = services.session_start(user=sales_a, scenario=ScenarioFactory())
    StubLLM.requests.clear()
    running = _held_reply(session)
    # NOWAIT fails at once if any transaction holds the row: the turn must hold none during the call.
    with transaction.atomic():
        locked = PracticeSession.objects.select_for_update(nowait=True).get(pk=session.pk)
    assert locked.pending_index == 1  # the salesperson's turn is already saved and marked pending
    assert Turn.objects.filter(session=session, index=1, speaker=Turn.Speaker.TRAINEE, text=REPLY).exists()
    _finish(running)
    assert "error" not in running, running.get("error")
    trainee, customer = running["result"]
    assert (trainee.index, customer.index, customer.text) == (1, 2, MODEL_LINE)
    session.refresh_from_db()
    assert session.pending_index is None and session.pending_since is None
    assert session.current_node == "compared" and session.trainee_turns == 1


def test_reading_the_session_is_not_blocked_and_a_parallel_turn_gets_409(llm_backend, sales_a):
    session = services.session_start(user=sales_a, scenario=ScenarioFactory())
    api = APIClient()
    api.force_authenticate(sales_a)
    running = _held_reply(session)
    detail = api.get(f"/api/v1/practice/sessions/{session.id}/")
    assert detail.status_code == 200
    assert [t["speaker"] for t in detail.json()["transcript"]] == ["customer", "trainee"]
    second = api.post(f"/api/v1/practice/sessions/{session.id}/turns/", {"text": "还有别的问题吗？"}, format="json")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "conflict"
    assert any(w in second.json()["error"]["message"] for w in STILL)
    _finish(running)
    assert "error" not in running, running.get("error")
    turns = list(Turn.objects.filter(session=session).order_by("index").values_list("index", "speaker"))
    assert turns == [(0, "customer"), (1, "trainee"), (2, "customer")]
    # once answered, the next turn goes through
    third = api.post(
        f"/api/v1/practice/sessions/{session.id}/turns/", {"text": "同样规格下我们寿命更长"}, format="json"
    )
    assert third.status_code == 201


def test_parallel_turns_never_interleave_or_answer_twice(settings, sales_a):
    settings.PRACTICE_CUSTOMER_BACKEND = "scripted"
    session = services.session_start(user=sales_a, scenario=ScenarioFactory())
    n = 6
    barrier = threading.Barrier(n)
    results = []

    def reply(i):
        barrier.wait(timeout=30)
        try:
            services.session_reply(session=session, text=f"第{i}句：请问您的预算大概是多少？")
            results.append("ok")
        except services.TurnInProgress:
            results.append("409")

    runs = [_thread(lambda i=i: reply(i)) for i in range(n)]
    for run in runs:
        run["thread"].join(timeout=60)
        assert "error" not in run, run.get("error")
    assert len(results) == n and "ok" in results
    turns = list(Turn.objects.filter(session=session).order_by("index").values_list("index", "speaker"))
    # contiguous indexes, strictly alternating speakers: every accepted reply got exactly one answer
    assert [i for i, _s in turns] == list(range(len(turns)))
    assert [s for _i, s in turns] == ["customer", "trainee"] * results.count("ok") + ["customer"]
    session.refresh_from_db()
    assert session.trainee_turns == results.count("ok") and session.pending_index is None


def test_finishing_while_the_model_answers_drops_the_late_answer(llm_backend, sales_a):
    session = services.session_start(user=sales_a, scenario=ScenarioFactory())
    running = _held_reply(session)
    finished = services.session_finish(session=session)
    assert finished.is_finished and finished.pending_index is None
    _finish(running)
    assert isinstance(running.get("error"), services.TurnInProgress)
    assert list(Turn.objects.filter(session=session).values_list("speaker", flat=True)) == ["customer", "trainee"]


def test_parallel_starts_make_one_session(settings, sales_a):
    settings.PRACTICE_CUSTOMER_BACKEND = "scripted"
    scenario = ScenarioFactory()
    n = 6
    barrier = threading.Barrier(n)

    def start():
        barrier.wait(timeout=30)
        return services.session_start(user=sales_a, scenario=scenario).pk

    runs = [_thread(start) for _ in range(n)]
    for run in runs:
        run["thread"].join(timeout=60)
        assert "error" not in run, run.get("error")
    assert len({run["result"] for run in runs}) == 1
    assert PracticeSession.objects.filter(user=sales_a, scenario=scenario).count() == 1
    assert Turn.objects.filter(session__scenario=scenario).count() == 1


def test_nowait_really_detects_a_held_lock(sales_a, settings):
    """Guards the first test: while another connection holds the row, NOWAIT raises at once."""
    settings.PRACTICE_CUSTOMER_BACKEND = "scripted"
    session = services.session_start(user=sales_a, scenario=ScenarioFactory())
    holding, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            PracticeSession.objects.select_for_update().get(pk=session.pk)
            holding.set()
            release.wait(30)

    run = _thread(hold)
    assert holding.wait(30)
    try:
        with pytest.raises(DatabaseError), transaction.atomic():
            PracticeSession.objects.select_for_update(nowait=True).get(pk=session.pk)
    finally:
        release.set()
        run["thread"].join(timeout=60)
