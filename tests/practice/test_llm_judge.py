"""practice.engine.llm against the stub OpenAI-compatible server on 127.0.0.1 (tests/practice/llm_stub.py): the chat
client (retries, what is not retried, the time bound, the circuit breaker) and the key point judge built on it.
Pauses and the breaker's clock are injected, so nothing here sleeps longer than a request timeout."""

import json
import socket
import time

import pytest

from practice.engine.llm import ChatClient, JudgeVerdict, LLMError, LLMJudge, get_judge, parse_verdict
from tests.practice.llm_stub import MODEL_LINE, StubLLM


class FakeClock:
    """time.monotonic and time.sleep for the client: sleeping moves the clock, instantly."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def make(server, clock, **kw) -> ChatClient:
    return ChatClient(url(server), "test-model", clock=clock, sleep=clock.sleep, **kw)


MESSAGES = [{"role": "user", "content": "你好"}]

# --- the client ------------------------------------------------------------------------------------------------


def test_chat_returns_the_answer_and_sends_an_openai_request(stub, clock):
    StubLLM.content = "  您好！  "
    answer = make(stub, clock, api_key="k-9").chat(MESSAGES, max_tokens=50, temperature=0.1, json_mode=True)
    assert answer == "您好！"
    (sent,) = StubLLM.requests
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer k-9"
    assert sent["body"] == {
        "model": "test-model",
        "messages": MESSAGES,
        "max_tokens": 50,
        "temperature": 0.1,
        "response_format": {"type": "json_object"},
    }


def test_without_a_key_no_authorization_and_without_json_mode_no_response_format(stub, clock):
    make(stub, clock).chat(MESSAGES)
    (sent,) = StubLLM.requests
    assert sent["auth"] is None and "response_format" not in sent["body"]


@pytest.mark.parametrize("first", ["500", "503", "429"])
def test_a_server_error_or_429_is_retried_after_a_pause(stub, clock, first):
    StubLLM.script = [first]
    assert make(stub, clock, retries=2, backoff=0.5).chat(MESSAGES) == MODEL_LINE
    assert len(StubLLM.requests) == 2
    assert clock.slept == [0.5]


def test_pauses_grow_between_retries_and_the_last_error_is_raised(stub, clock):
    StubLLM.mode = "502"
    with pytest.raises(LLMError) as caught:
        make(stub, clock, retries=2, backoff=0.5).chat(MESSAGES)
    assert caught.value.code == "http_502"
    assert len(StubLLM.requests) == 3 and clock.slept == [0.5, 1.0]


@pytest.mark.parametrize("status", ["400", "401", "404", "422"])
def test_a_client_error_is_not_retried(stub, clock, status):
    StubLLM.mode = status
    with pytest.raises(LLMError) as caught:
        make(stub, clock, retries=3).chat(MESSAGES)
    assert caught.value.code == f"http_{status}"
    assert len(StubLLM.requests) == 1 and clock.slept == []


@pytest.mark.parametrize("mode", ["malformed", "shape", "empty"])
def test_an_unreadable_answer_is_an_error_without_retry(stub, clock, mode):
    StubLLM.mode = mode
    with pytest.raises(LLMError) as caught:
        make(stub, clock, retries=2).chat(MESSAGES)
    assert caught.value.code == "bad_response" and len(StubLLM.requests) == 1


def test_a_timeout_is_an_error_within_timeout_times_attempts(stub):
    StubLLM.mode, StubLLM.delay = "slow", 2.0
    client = ChatClient(url(stub), "m", timeout=0.2, retries=1, backoff=0.05)
    assert client.budget == pytest.approx(0.4)
    started = time.monotonic()
    with pytest.raises(LLMError) as caught:
        client.chat(MESSAGES)
    elapsed = time.monotonic() - started
    assert caught.value.code == "timeout"
    assert len(StubLLM.requests) == 2
    assert elapsed < 1.0  # the bound is 0.4 s; the stub would have answered after 2 s


def test_connection_refused_is_retried_then_an_error(clock):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    client = ChatClient(f"http://127.0.0.1:{port}/v1", "m", retries=2, clock=clock, sleep=clock.sleep)
    with pytest.raises(LLMError) as caught:
        client.chat(MESSAGES)
    assert caught.value.code == "connection" and clock.slept == [0.5, 1.0]


@pytest.mark.parametrize("bad", ["ftp://127.0.0.1/v1", "file:///etc/passwd", "127.0.0.1:11434/v1", "http://", ""])
def test_only_http_and_https_urls_with_a_host_are_accepted(bad):
    with pytest.raises(ValueError):
        ChatClient(bad, "m")
    assert ChatClient("https://llm.example.test/v1/", "m").base_url == "https://llm.example.test/v1"


def test_the_breaker_opens_after_n_failed_calls_and_closes_after_the_cool_down(stub, clock):
    StubLLM.mode = "500"
    client = make(stub, clock, retries=0, breaker_failures=3, breaker_cooldown=60)
    for _ in range(3):
        with pytest.raises(LLMError):
            client.chat(MESSAGES)
    assert len(StubLLM.requests) == 3
    StubLLM.mode = "ok"
    with pytest.raises(LLMError) as caught:
        client.chat(MESSAGES)  # open: fails at once, the server is not asked
    assert caught.value.code == "breaker_open" and len(StubLLM.requests) == 3
    # process-wide per URL: another client of the same endpoint is skipped too
    with pytest.raises(LLMError):
        make(stub, clock, retries=0).chat(MESSAGES)
    clock.now += 59.9
    with pytest.raises(LLMError):
        client.chat(MESSAGES)
    clock.now += 0.2
    assert client.chat(MESSAGES)  # the cool-down is over: one call goes through and closes the breaker
    assert client.chat(MESSAGES) and len(StubLLM.requests) == 5


def test_after_the_cool_down_one_more_failure_opens_the_breaker_again(stub, clock):
    StubLLM.mode = "500"
    client = make(stub, clock, retries=0, breaker_failures=2, breaker_cooldown=10)
    for _ in range(2):
        with pytest.raises(LLMError):
            client.chat(MESSAGES)
    clock.now += 10
    with pytest.raises(LLMError) as caught:
        client.chat(MESSAGES)
    assert caught.value.code == "http_500"  # let through, and failed
    with pytest.raises(LLMError) as caught:
        client.chat(MESSAGES)
    assert caught.value.code == "breaker_open" and len(StubLLM.requests) == 3


def test_a_success_resets_the_count_of_failures(stub, clock):
    client = make(stub, clock, retries=0, breaker_failures=2)
    StubLLM.script = ["500", "ok", "500", "ok"]
    outcomes = []
    for _ in range(4):
        try:
            client.chat(MESSAGES)
            outcomes.append("ok")
        except LLMError as exc:
            outcomes.append(exc.code)
    assert outcomes == ["http_500", "ok", "http_500", "ok"]  # never two failures in a row: never open


def test_breakers_are_per_endpoint(stub, clock):
    StubLLM.mode = "500"
    for _ in range(3):
        with pytest.raises(LLMError):
            make(stub, clock, retries=0).chat(MESSAGES)
    other = ChatClient(f"http://localhost:{stub.server_address[1]}/v1", "m", retries=0, clock=clock, sleep=clock.sleep)
    StubLLM.mode = "ok"
    assert other.chat(MESSAGES)


# --- the judge -------------------------------------------------------------------------------------------------

SENTENCES = ["您好，我是远东线缆的小刘。", "我们的电缆用得久，总成本更低。", "下周二我带样品来拜访您。"]


def judge(stub, clock) -> LLMJudge:
    return LLMJudge(make(stub, clock, retries=0))


def ask(j: LLMJudge, language="zh-hans", sub_points=("寿命长", "综合成本低")):
    return j.verdict(point="说明产品寿命长、综合成本低", sub_points=list(sub_points), sentences=SENTENCES, language=language)  # fmt: skip


def test_judge_reads_a_json_verdict(stub, clock):
    StubLLM.content = json.dumps({"label": "covered", "sentence": 1, "sub_points_covered": [0, 1]})
    assert ask(judge(stub, clock)) == JudgeVerdict("covered", 1, [0, 1])
    (sent,) = StubLLM.requests
    assert sent["body"]["response_format"] == {"type": "json_object"}
    assert sent["body"]["temperature"] == 0.0
    prompt = sent["body"]["messages"][0]["content"]
    assert "说明产品寿命长、综合成本低" in prompt and "1. 我们的电缆用得久，总成本更低。" in prompt
    assert "contradicted" in prompt and "0. 寿命长" in prompt


def test_judge_reads_a_verdict_in_json_fences_or_with_words_around(stub, clock):
    j = judge(stub, clock)
    StubLLM.content = '```json\n{"label": "partial", "sentence": 1, "sub_points_covered": [1]}\n```'
    assert ask(j) == JudgeVerdict("partial", 1, [1])
    StubLLM.content = 'Verdict: {"label": "Missed", "sentence": null}'
    assert ask(j) == JudgeVerdict("missed", None, [])


def test_judge_prompt_is_english_for_an_english_scenario(stub, clock):
    StubLLM.content = '{"label": "contradicted", "sentence": 2, "sub_points_covered": []}'
    assert ask(judge(stub, clock), language="en", sub_points=()) == JudgeVerdict("contradicted", 2, [])
    prompt = StubLLM.requests[0]["body"]["messages"][0]["content"]
    assert "Key point:" in prompt and "STATE" in prompt and "sub-points" in prompt


@pytest.mark.parametrize(
    "content",
    [
        '{"label": "yes", "sentence": 1}',  # not a label
        '{"sentence": 1}',  # no label
        '{"label": "covered", "sentence": 7}',  # no such sentence
        '{"label": "covered", "sentence": "1"}',  # not a number
        '{"label": "covered", "sentence": true}',
        '{"label": "partial", "sentence": 1, "sub_points_covered": [5]}',  # no such sub-point
        '{"label": "partial", "sentence": 1, "sub_points_covered": "0"}',
        '["covered", 1]',
        "covered",
        "```json\n{not json}\n```",
    ],
)
def test_judge_returns_none_for_an_invalid_verdict(stub, clock, content):
    StubLLM.content = content
    assert ask(judge(stub, clock)) is None


def test_judge_returns_none_when_the_model_fails_or_there_is_nothing_to_judge(stub, clock):
    StubLLM.mode = "500"
    j = judge(stub, clock)
    assert ask(j) is None
    assert j.verdict(point="说明价值", sub_points=[], sentences=[], language="zh-hans") is None
    assert len(StubLLM.requests) == 1  # no sentences: the model is not asked


def test_parse_verdict_needs_no_server():
    assert parse_verdict('{"label":"covered","sentence":0}', sentences=1, sub_points=0) == JudgeVerdict("covered", 0, [])  # fmt: skip
    assert parse_verdict('{"label":"covered","sentence":0}', sentences=0, sub_points=0) is None


def test_get_judge_follows_the_settings(settings, stub):
    settings.PRACTICE_LLM_BASE_URL = url(stub)
    settings.PRACTICE_JUDGE_BACKEND = "off"
    assert get_judge() is None
    settings.PRACTICE_JUDGE_BACKEND = "openai"
    settings.PRACTICE_LLM_TIMEOUT, settings.PRACTICE_LLM_RETRIES = 3, 1
    j = get_judge()
    assert isinstance(j, LLMJudge) and j.client.base_url == url(stub) and j.client.budget == 6
    settings.PRACTICE_LLM_BASE_URL = ""
    assert get_judge() is None  # no endpoint: the scorer keeps its own verdicts
    settings.PRACTICE_LLM_BASE_URL = "gopher://127.0.0.1/"
    assert get_judge() is None
    settings.PRACTICE_LLM_BASE_URL, settings.PRACTICE_JUDGE_BACKEND = url(stub), "opneai"
    assert get_judge() is None  # a misspelt backend is off (and logged), not an error on every score
