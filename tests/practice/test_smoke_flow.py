import pytest

from practice.models import PracticeSession
from tests.practice.conftest import GOOD_REPLIES

pytestmark = pytest.mark.django_db


def test_a_good_conversation_walks_the_graph_and_passes(sales_a, too_expensive, play):
    session = play(sales_a, too_expensive, GOOD_REPLIES, finish=False)
    assert session.status == PracticeSession.Status.FINISHED
    nodes = [t.node_id for t in session.turns.filter(speaker="customer").order_by("index")]
    print([(t.node_id, t.matched_by, t.text) for t in session.turns.all()])
    assert nodes == ["open", "compared", "prove", "terms", "close", "close"]
    assert session.passed is True, session.scorecard
    assert session.scorecard["dimensions"]["close"]["score"] == 100
