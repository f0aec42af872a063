import pytest

from practice import demo
from practice.engine.llm import reset_breakers
from practice.models import Scenario
from practice.services import session_finish, session_reply, session_start
from tests.practice.llm_stub import serving

GOOD_REPLIES = [
    "李经理您好，理解您对成本的关注。请问您是和哪家的报价在比较？规格型号一样吗？",
    "同样规格下，我们的铜材纯度和绝缘层厚度更高，使用寿命长很多，综合成本其实更低。您看这样算是不是更划算？",
    "我们有第三方检测报告，还有很多工程案例，可以带您去现场看看。",
    "如果贵司能签年度框架协议，我们可以在付款方式上给予支持，您觉得可以吗？",
    "好的，那我下周二上午把方案发给您，再约您详细谈，谢谢李经理。",
]


@pytest.fixture
def scenarios(db):
    demo.seed()
    return {s.code: s for s in Scenario.objects.all()}


@pytest.fixture
def too_expensive(scenarios):
    return scenarios["objection-too-expensive"]


@pytest.fixture
def play():
    """play(user, scenario, replies, finish=True, is_trial=False) -> the session after those replies."""

    def run(user, scenario, replies, finish=True, is_trial=False):
        session = session_start(user=user, scenario=scenario, is_trial=is_trial)
        for text in replies:
            session.refresh_from_db()
            if session.is_finished:
                break
            session_reply(session=session, text=text)
        session.refresh_from_db()
        if finish and not session.is_finished:
            session = session_finish(session=session)
        return session

    return run


@pytest.fixture
def finished_a(sales_a, too_expensive, play):
    return play(sales_a, too_expensive, GOOD_REPLIES)


@pytest.fixture(autouse=True)
def _fresh_llm_state():
    """No circuit-breaker state leaks from one test into another."""
    reset_breakers()
    yield
    reset_breakers()


@pytest.fixture
def stub():
    """The stub LLM server (tests/practice/llm_stub.py) on a free 127.0.0.1 port, reset, stopped quickly."""
    with serving() as server:
        yield server


@pytest.fixture
def llm_backend(settings, stub):
    """Settings that make practice sessions use the stub as their OpenAI-compatible customer."""
    settings.PRACTICE_CUSTOMER_BACKEND = "openai"
    settings.PRACTICE_LLM_BASE_URL = f"http://127.0.0.1:{stub.server_address[1]}/v1"
    settings.PRACTICE_LLM_TIMEOUT = 20
    return stub
