"""The OpenAI-compatible customer against a stub HTTP server on 127.0.0.1 started here (tests/practice/llm_stub.py):
the model voices the scripted line; any failure says the scripted line and records why in the turn's trace."""

import socket

import pytest

from practice.engine.customers import OpenAICompatibleCustomer, Persona, get_customer_backend
from practice.engine.llm import ChatClient
from practice.models import PracticeSession, Turn
from practice.services import session_reply, session_start
from tests.practice.llm_stub import StubLLM
from tests.practice.test_engine import SPEC


def url(server) -> str:
    host, port = server.server_address
    return f"http://{host}:{port}/v1"


def client(server, **kw):
    return OpenAICompatibleCustomer(base_url=url(server), model="test-model", api_key="k-1", **kw)


def respond(customer, text="我想跟您介绍一下我们公司的产品"):
    history = [{"index": 0, "speaker": "customer", "text": "你好，有什么事？", "node_id": "a", "objection": None}]
    history.append({"index": 1, "speaker": "trainee", "text": text, "node_id": "", "objection": None})
    return customer.respond(
        spec=SPEC, persona=Persona(title="测试"), node_id="a", reply=text, trainee_turns=1, history=history
    )


def test_success_uses_the_model_line_and_keeps_the_scripted_position(stub):
    StubLLM.mode = "ok"
    turn = respond(client(stub))
    assert turn.text == "（模型）嗯，你说说看。"
    assert turn.node_id == "price" and turn.objection == "price"
    assert turn.matched_by == "llm+semantic"
    assert turn.trace["how"] == "semantic" and turn.trace["llm"]["model"] == "test-model"
    sent = StubLLM.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["auth"] == "Bearer k-1"
    assert sent["body"]["model"] == "test-model"
    assert sent["body"]["messages"][0]["role"] == "system"
    assert "你们太贵了" in sent["body"]["messages"][-1]["content"]  # the scripted line steers the model
    said = [m["content"] for m in sent["body"]["messages"] if m["role"] == "user"]
    assert said == ["我想跟您介绍一下我们公司的产品"]  # the reply once, though it is the history's last turn too


@pytest.mark.parametrize("mode,code", [("500", "http_500"), ("malformed", "bad_response"), ("shape", "bad_response"), ("empty", "bad_response"), ("400", "http_400")])  # fmt: skip
def test_server_errors_fall_back_to_the_scripted_line_and_say_why_in_the_trace(stub, mode, code):
    StubLLM.mode = mode
    turn = respond(client(stub, retries=0))
    assert turn.text == "你们太贵了。"
    assert turn.node_id == "price" and turn.matched_by == "semantic"
    assert turn.trace["llm"] == {"error": code, "fallback": "scripted"}
    assert turn.trace["how"] == "semantic"  # the scripted choice is still explained


def test_a_failed_attempt_is_retried_and_the_model_line_used(stub):
    StubLLM.script = ["500"]
    customer = OpenAICompatibleCustomer(client=ChatClient(url(stub), "m", retries=1, backoff=0.01))
    turn = respond(customer)
    assert turn.text == "（模型）嗯，你说说看。" and len(StubLLM.requests) == 2


def test_timeout_falls_back_to_the_scripted_line(stub):
    StubLLM.mode = "slow"
    turn = respond(client(stub, timeout=0.3, retries=0))
    assert turn.text == "你们太贵了。"
    assert turn.trace["llm"]["error"] == "timeout"


def test_connection_refused_falls_back_to_the_scripted_line():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens on this port now
    customer = OpenAICompatibleCustomer(client=ChatClient(f"http://127.0.0.1:{port}/v1", "m", timeout=1, backoff=0.01))
    turn = respond(customer)
    assert turn.text == "你们太贵了。"
    assert turn.trace["llm"]["error"] == "connection"


def test_with_the_breaker_open_the_scripted_line_comes_at_once_without_a_request(stub):
    StubLLM.mode = "500"
    customer = OpenAICompatibleCustomer(client=ChatClient(url(stub), "m", retries=0, breaker_failures=2))
    for _ in range(2):
        assert respond(customer).trace["llm"]["error"] == "http_500"
    StubLLM.mode = "ok"
    turn = respond(customer)
    assert turn.text == "你们太贵了。" and turn.trace["llm"] == {"error": "breaker_open", "fallback": "scripted"}
    assert len(StubLLM.requests) == 2


def test_opening_goes_through_the_model_too(stub):
    StubLLM.mode = "ok"
    turn = client(stub).opening(spec=SPEC, persona=Persona())
    assert turn.text == "（模型）嗯，你说说看。" and turn.node_id == "a"
    assert turn.matched_by == "llm+start"


def test_backend_is_chosen_by_settings(settings, stub):
    settings.PRACTICE_CUSTOMER_BACKEND = "scripted"
    assert get_customer_backend().name == "scripted"
    settings.PRACTICE_CUSTOMER_BACKEND = "openai"
    settings.PRACTICE_LLM_BASE_URL = ""
    assert get_customer_backend().name == "scripted"  # no URL configured: stay offline
    settings.PRACTICE_LLM_BASE_URL = "file:///etc/passwd"
    assert get_customer_backend().name == "scripted"  # not http(s): refused, stay offline
    settings.PRACTICE_LLM_BASE_URL = url(stub)
    settings.PRACTICE_LLM_RETRIES = 4
    settings.PRACTICE_LLM_BREAKER_FAILURES = 5
    backend = get_customer_backend()
    assert backend.name == "openai"
    assert (backend.client.attempts, backend.client.breaker_failures) == (5, 5)


@pytest.mark.django_db
def test_a_session_with_the_openai_backend_saves_model_lines_and_traces(settings, stub, sales_a, too_expensive):
    StubLLM.mode = "ok"
    settings.PRACTICE_CUSTOMER_BACKEND = "openai"
    settings.PRACTICE_LLM_BASE_URL = url(stub)
    settings.PRACTICE_LLM_RETRIES = 0
    session = session_start(user=sales_a, scenario=too_expensive)
    assert session.backend == "openai"
    _trainee, customer = session_reply(session=session, text="请问您是和哪家的报价在比较？规格一样吗？")
    assert customer.text == "（模型）嗯，你说说看。"
    assert customer.node_id == "compared"
    assert Turn.objects.filter(session=session).count() == 3
    StubLLM.mode = "500"
    _trainee, customer = session_reply(session=session, text="同样规格下我们的使用寿命长很多，综合成本更低")
    assert customer.text == "质量好谁都会说，你怎么证明？"
    assert PracticeSession.objects.get(pk=session.pk).current_node == "prove"
    stored = Turn.objects.get(pk=customer.pk).trace
    assert stored["llm"] == {"error": "http_500", "fallback": "scripted"}
    assert stored["chosen"] == "prove" and stored["branches"] == ["prove"]
