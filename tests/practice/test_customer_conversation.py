"""The scripted customer converses: the conversations of tests/practice/eval/conversations.yaml (sensible replies in
salespeople's own words) played over the shipped scenarios, without the database."""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from django.test import override_settings

from practice.engine.customers import CustomerTurn, Persona, ScriptedCustomer
from practice.engine.text import has_cjk
from practice.models import Turn
from practice.scenario_library import SCENARIOS
from practice.services import session_reply, session_start

CONVERSATIONS = Path(__file__).parent / "eval" / "conversations.yaml"
SCENARIO_SPECS = {s["code"]: s for s in SCENARIOS}
CUSTOMER = ScriptedCustomer()


def load_conversations() -> list[dict]:
    return yaml.safe_load(CONVERSATIONS.read_text(encoding="utf-8"))["conversations"]


@dataclass
class Played:
    conversation: dict
    turns: list[CustomerTurn] = field(default_factory=list)  # the opening first
    said: list[str] = field(default_factory=list)  # the salesperson's replies played, in order
    ms: list[float] = field(default_factory=list)  # per customer answer

    def count(self, how: str) -> int:
        return sum(1 for t in self.turns[1:] if t.matched_by == how)

    @property
    def lines(self) -> list[str]:
        return [t.text for t in self.turns]


def play(conversation: dict, customer: ScriptedCustomer | None = None, *, responsive: bool = False) -> Played:
    """The customer's answers to the conversation's replies, as session_reply would ask for them: in order, or
    (`responsive`) each time the next unused reply written for the customer's current line, else the next unused."""
    scenario = SCENARIO_SPECS[conversation["scenario"]]
    spec, persona = scenario["spec"], Persona(title=scenario["title"], language=scenario["language"])
    customer = customer or ScriptedCustomer()
    first = customer.opening(spec=spec, persona=persona)
    played = Played(conversation, [first])
    history = [{"index": 0, "speaker": "customer", "text": first.text, "node_id": first.node_id, "objection": first.objection}]  # fmt: skip
    node = first.node_id
    unused = list(conversation["replies"])
    for n in range(1, len(unused) + 1):
        reply = next((r for r in unused if r["after"] == node), unused[0]) if responsive else unused[0]
        unused.remove(reply)
        played.said.append(reply["say"])
        history.append({"index": len(history), "speaker": "trainee", "text": reply["say"], "node_id": "", "objection": None})  # fmt: skip
        started = time.perf_counter()
        turn = customer.respond(spec=spec, persona=persona, node_id=node, reply=reply["say"], trainee_turns=n, history=history)  # fmt: skip
        played.ms.append(1000 * (time.perf_counter() - started))
        history.append(
            {
                "index": len(history),
                "speaker": "customer",
                "text": turn.text,
                "node_id": turn.node_id,
                "objection": turn.objection,
            }
        )
        played.turns.append(turn)
        node = turn.node_id
        if turn.ended:
            break
    return played


def understood(conversation: dict, customer: ScriptedCustomer) -> tuple[int, int]:
    """(replies matched to a branch, replies judged): each reply heard right after the line it was written for."""
    spec = SCENARIO_SPECS[conversation["scenario"]]["spec"]
    nodes = {n["id"]: n for n in spec["nodes"]}
    judged = [r for r in conversation["replies"] if nodes[r["after"]].get("branches")]
    matched = sum(
        1 for r in judged if customer.choose_branch(spec=spec, node=nodes[r["after"]], reply=r["say"])[0] is not None
    )
    return matched, len(judged)


def test_the_set_has_enough_conversations_in_both_languages():
    conversations = load_conversations()
    assert len(conversations) >= 6
    assert all(len(c["replies"]) >= 10 for c in conversations)
    languages = [SCENARIO_SPECS[c["scenario"]]["language"] for c in conversations]
    assert sum(1 for lang in languages if lang.startswith("zh")) >= 4
    assert sum(1 for lang in languages if lang == "en") >= 2
    assert {"objection-too-expensive", "distributor-first-call"} <= {c["scenario"] for c in conversations}
    for c in conversations:  # each reply in the scenario's language
        spec = SCENARIO_SPECS[c["scenario"]]
        assert all(has_cjk(r["say"]) == spec["language"].startswith("zh") for r in c["replies"])
        assert {r["after"] for r in c["replies"]} <= {n["id"] for n in spec["spec"]["nodes"]}


def test_replies_are_not_copied_from_the_intent_examples():
    intents = {
        intent
        for s in SCENARIOS
        for node in s["spec"]["nodes"]
        for branch in node.get("branches") or []
        for intent in branch.get("intents") or []
    }
    assert not [r for c in load_conversations() for r in c["replies"] if r["say"] in intents]


@pytest.mark.parametrize("responsive", [False, True], ids=["in-order", "responsive"])
@pytest.mark.parametrize("conversation", load_conversations(), ids=lambda c: c["id"])
def test_sensible_replies_get_at_most_one_fallback_and_no_repeated_line(conversation, responsive):
    played = play(conversation, CUSTOMER, responsive=responsive)
    assert played.count("fallback") <= 1, played.lines
    repeats = [(a, b) for a, b in zip(played.lines, played.lines[1:], strict=False) if a == b]
    assert not repeats, played.lines
    assert played.turns[-1].ended  # the customer ends the call (its closing line, or max_turns)


# --- how the customer chooses, one rule at a time ---------------------------------------------------------------


def say(spec: dict, replies: list[str], customer: ScriptedCustomer | None = None) -> list[CustomerTurn]:
    """The customer's answers (opening first) over a small spec."""
    conversation = {"scenario": "_", "replies": [{"after": "", "say": r} for r in replies]}
    SCENARIO_SPECS["_"] = {"spec": spec, "title": "", "language": "zh-hans"}
    try:
        return play(conversation, customer or CUSTOMER).turns
    finally:
        del SCENARIO_SPECS["_"]


LOOP = {
    "start": "a",
    "max_turns": 10,
    "fallback_line": "嗯？",
    "nodes": [
        {"id": "a", "lines": ["A 说"], "branches": [{"to": "b", "keywords": ["去乙"]}]},
        {"id": "b", "lines": ["B 说"], "branches": [{"to": "a", "keywords": ["回甲"]}]},
    ],
}
TO_CLOSE = {
    "start": "a",
    "max_turns": 10,
    "fallback_line": "嗯？",
    "nodes": [
        {
            "id": "a",
            "lines": ["报告你发我看看。价格还有空间吗？"],
            "objection": "discount",
            "branches": [{"to": "end", "intents": ["签年度协议的话付款方式可以支持"]}],
        },
        {"id": "end", "lines": ["行，下周再谈。"], "closing": True},
    ],
    "objections": [
        {
            "code": "discount",
            "label": "再便宜点",
            "model_answer": "价格按质量定，量大的话可以申请优惠",
            "points": ["不无条件降价"],
        }
    ],
}


def test_a_paraphrase_is_matched_and_the_trace_gives_the_numbers():
    spec = SCENARIO_SPECS["objection-too-expensive"]["spec"]
    turns = say(spec, ["您手上那份报价是哪个厂家的？截面积和芯数跟我们报的是一样的吗？"])
    turn = turns[1]
    assert (turn.matched_by, turn.node_id) == ("semantic", "compared")
    assert turn.trace["how"] == "semantic" and turn.trace["chosen"] == "compared"
    assert turn.trace["branches"] == ["compared", "discount", "prove"]
    assert len(turn.trace["scores"]) == len(turn.trace["semantic"]) == len(turn.trace["lexical"]) == 3
    assert turn.trace["scores"][0] >= 1.0 > max(turn.trace["scores"][1:])
    assert turn.trace["threshold"] == {"semantic": 0.45, "lexical": 0.5, "margin": 0.05}


def test_the_fallback_line_only_when_nothing_moves_forward_and_never_twice_in_a_row():
    turns = say(TO_CLOSE, ["今天天气不错", "我们聊聊别的", "好的"])
    assert [t.matched_by for t in turns[1:]] == ["fallback", "advance", "end"]
    assert turns[1].text == "嗯？" and turns[1].node_id == "a"
    assert turns[2].text == "行，下周再谈。" and turns[2].trace["reason"] == "unsure_again"
    assert turns[3].ended


def test_without_a_closing_line_a_second_unsure_reply_ends_the_call_politely():
    turns = say(LOOP, ["天气不错", "天气不错", "天气不错"])
    assert [(t.matched_by, t.node_id) for t in turns[1:]] == [("advance", "b"), ("fallback", "b"), ("end", "b")]
    assert turns[3].ended and turns[3].text == "好的，今天先聊到这里，我再考虑考虑。"
    assert turns[3].trace == {"how": "end", "reason": "unsure_again", "branches": ["a"], "scores": [0.0], "lexical": [0.0], "threshold": turns[3].trace["threshold"], **({"semantic": [0.0]} if CUSTOMER.matcher.encoder else {})}  # fmt: skip


def test_a_branch_back_to_the_line_just_said_is_not_said_again():
    spec = {**LOOP, "nodes": [{"id": "a", "lines": ["A 说"], "branches": [{"to": "a", "keywords": ["再说一遍"]}]}]}
    turn = say(spec, ["您再说一遍"])[1]
    assert (turn.matched_by, turn.text) == ("fallback", "嗯？")
    assert (turn.trace["reason"], turn.trace["repeat"]) == ("repeat", "a")


def test_an_answer_to_the_nodes_objection_takes_its_only_branch():
    turns = say(TO_CLOSE, ["价格按质量定，量大的话可以申请优惠"])
    assert (turns[1].matched_by, turns[1].node_id) in {("semantic", "end"), ("lexical", "end")}


def test_unsure_takes_the_nodes_next_when_it_has_branches_too():
    spec = {
        "start": "a",
        "max_turns": 10,
        "fallback_line": "嗯？",
        "nodes": [
            {
                "id": "a",
                "lines": ["A"],
                "next": "c",
                "branches": [{"to": "b", "keywords": ["乙"]}, {"to": "c", "keywords": ["丙"]}],
            },
            {"id": "b", "lines": ["B"], "closing": True},
            {"id": "c", "lines": ["C"], "closing": True},
        ],
    }
    assert (say(spec, ["天气不错"])[1].node_id, say(spec, ["乙"])[1].node_id) == ("c", "b")


def test_unsure_moves_to_a_new_question_before_one_that_raises_the_same_objection_again():
    spec = SCENARIO_SPECS["compliance-trap"]["spec"]  # open (guarantee) -> others (guarantee again) | risk
    turn = say(spec, ["刘总您好，谢谢您今天抽时间过来。"])[1]
    assert (turn.matched_by, turn.node_id, turn.trace["reason"]) == ("advance", "risk", "unsure")


def test_unsure_goes_where_the_reply_leaned():
    spec = SCENARIO_SPECS["compliance-trap"]["spec"]
    turn = say(spec, ["刘总，谢谢您信任我们。不过我得跟您说实话，这类产品的收益是浮动的，我没办法跟您打包票。"])[1]
    assert turn.trace["scores"][0] < 1.0  # not a match
    assert (turn.matched_by, turn.node_id, turn.trace.get("lean")) == ("advance", "others", True)


def test_codes_fit_the_column_and_traces_are_codes_and_numbers():
    for conversation in load_conversations():
        for turn in play(conversation, CUSTOMER, responsive=True).turns:
            assert len("llm+" + turn.matched_by) <= 30  # Turn.matched_by, also when a model voiced the line
            json.dumps(turn.trace)  # stored in Turn.trace (JSON)
            texts = [v for v in turn.trace.values() if isinstance(v, str)]
            assert all(len(v) <= 60 for v in texts)  # codes and node ids, no sentences


def test_the_customer_is_deterministic():
    conversation = load_conversations()[0]
    first, second = play(conversation, CUSTOMER), play(conversation, ScriptedCustomer())
    assert [(t.text, t.matched_by, t.trace) for t in first.turns] == [(t.text, t.matched_by, t.trace) for t in second.turns]  # fmt: skip


@override_settings(PRACTICE_SEMANTIC_BACKEND="lexical")
@pytest.mark.parametrize("conversation", load_conversations(), ids=lambda c: c["id"])
def test_without_the_model_conversations_still_flow(conversation):
    customer = ScriptedCustomer()
    assert customer.matcher.encoder is None
    played = play(conversation, customer)
    assert played.count("fallback") <= 1 and played.turns[-1].ended
    assert all(a != b for a, b in zip(played.lines, played.lines[1:], strict=False))


@pytest.mark.django_db
def test_the_trace_is_stored_with_the_customers_turn(sales_a, too_expensive):
    session = session_start(user=sales_a, scenario=too_expensive)
    assert session.turns.get().trace == {"how": "start"}
    _trainee, customer = session_reply(session=session, text="李经理，先谢谢您这么快回电话。")
    stored = Turn.objects.get(pk=customer.pk)
    assert stored.matched_by == "advance" and stored.trace["reason"] == "unsure"
    assert stored.trace["chosen"] == stored.node_id == "compared"
