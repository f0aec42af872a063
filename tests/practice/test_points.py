"""Key points judged by meaning, polarity and parts; the compliance lexicon; reasons rendered per viewer."""

import pytest
from django.utils import translation

from practice.engine import keypoints
from practice.engine.compliance import default_lexicon, find_violations
from practice.engine.reasons import render
from practice.engine.scoring import Scorer
from practice.engine.text import normalise, split_sentences


def verdict(point: dict, *replies: str, customer: str = "") -> dict:
    transcript = []
    if customer:
        transcript.append({"index": 0, "speaker": "customer", "text": customer, "objection": None})
    for reply in replies:
        transcript.append({"index": len(transcript), "speaker": "trainee", "text": reply, "objection": None})
        transcript.append({"index": len(transcript), "speaker": "customer", "text": "嗯。", "objection": None})
    card = Scorer({"key_points": [{"code": "p", "weight": 1, **point}]}).score(transcript)
    return card["dimensions"]["key_points"]["details"]["points"][0]


WAITING = {"canonical": "说明等待期内出险不赔付", "examples": ["买了之后有九十天等待期，这期间出险是不赔的"]}
DIVIDEND = {"canonical": "说明分红不确定"}


@pytest.mark.parametrize(
    "point, reply",
    [
        (WAITING, "放心，我们这款没有等待期，出险就赔。"),
        (DIVIDEND, "分红是确定的，每年都有。"),
        ({"canonical": "Explain that dividends are not guaranteed"}, "Don't worry, the dividends are guaranteed."),
    ],
)
def test_a_reply_asserting_the_opposite_is_contradicted_not_credited(point, reply):
    result = verdict(point, reply)
    assert result["state"] == "contradicted" and result["why"] == "opposite"
    assert result["credit"] == 0


@pytest.mark.parametrize(
    "point, reply",
    [
        (WAITING, "等待期里出了险，我们是不赔的，这个要跟您说清楚。"),
        (WAITING, "等待期內出險是不賠的。"),  # traditional characters
        (DIVIDEND, "分红是不确定的，要看公司每年的经营情况。"),
    ],
)
def test_a_reply_stating_the_point_is_covered(point, reply):
    result = verdict(point, reply)
    assert result["state"] == "covered", result
    assert result["credit"] == 1 and result["quote"]


def test_a_question_does_not_state_a_point_to_tell():
    result = verdict(WAITING, "等待期内出险赔不赔呢？")
    assert result["state"] == "missed" and result["why"] == "asked_not_told"


def test_compound_point_gives_partial_credit_part_by_part():
    point = {"canonical": "说明等待期为90天，并说明期间出险不赔"}
    assert keypoints.split_compound(point["canonical"]) == ["说明等待期为90天", "说明期间出险不赔"]
    half = verdict(point, "我们这款的等待期是90天。")
    assert half["state"] == "partial" and half["credit"] == 0.5
    assert [s["state"] for s in half["sub_points"]] == ["covered", "missed"]
    full = verdict(point, "我们这款的等待期是90天。", "这90天里面如果出险，是不赔的。")
    assert full["state"] == "covered" and full["credit"] == 1


def test_trainer_sub_points_replace_the_automatic_split():
    point = {"canonical": "介绍首付和月供", "sub_points": ["介绍首付比例", "介绍每月月供"]}
    result = verdict(point, "首付只要两成。")
    assert [s["text"] for s in result["sub_points"]] == ["介绍首付比例", "介绍每月月供"]
    assert result["state"] == "partial"


def test_a_reply_nearer_a_counter_example_is_not_credited():
    point = {**WAITING, "counter_examples": ["放心，出了险我们都赔"]}
    result = verdict(point, "放心吧，出了险我们都会赔的。")
    assert result["state"] == "contradicted" and result["why"] == "counter_example"


def test_too_short_and_off_topic_replies_are_missed_with_why():
    assert verdict(WAITING, "对。")["state"] == "missed"
    off = verdict(WAITING, "今天天气不错，您吃饭了吗？")
    assert off["state"] == "missed" and off["why"] == "off_topic"


def test_mixed_sentences_and_full_width_are_normalised():
    assert split_sentences("The ROI is clear.您现在考虑吗？价格是3.5元。") == [
        "The ROI is clear.",
        "您现在考虑吗？",
        "价格是3.5元。",
    ]
    assert normalise("ＲＯＩ １００％，這款產品") == "ROI 100%，这款产品"
    assert normalise("稳 赚 不 赔") == "稳赚不赔"


def test_instruction_verbs_and_paraphrases():
    assert keypoints.instruction("询问客户预算") == keypoints.Instruction("ask", "预算")
    assert keypoints.instruction("Invite the customer to a test drive").mode == "propose"
    suggestions = keypoints.paraphrases("说明等待期内出险不赔付", "zh-hans")
    assert len(suggestions) == 3 and all("等待期内出险不赔付" in s and not s.startswith("说明") for s in suggestions)


def hits(text: str, customer: str = "") -> list:
    """The hits in a reply; `customer` (what the customer had said) is the case's context only: quoting is judged
    from the reply's own words."""
    del customer
    return [h for s in split_sentences(text) for h in find_violations([s], default_lexicon())]


@pytest.mark.parametrize(
    "text",
    [
        "這款產品保證收益，穩賺不賠。",
        "别家的车都是垃圾。",
        "不但保本，每年还有分红。",
        "年化稳定8%，闭着眼睛买。",
        "This will definitely go up.",
        "今天不签明天就涨价了。",
    ],  # fmt: skip
)
def test_violations_are_caught(text):
    assert hits(text), text


@pytest.mark.parametrize(
    "text, customer",
    [
        ("不能保证收益，历史业绩不代表未来。", ""),
        ("没有任何产品是零风险的。", ""),
        ("You asked whether it's risk-free. It isn't.", "Is it risk-free?"),
        ("您问是不是稳赚不赔？不是的，这类产品有波动。", "这个稳赚不赔吗？"),
        ("我们最晚周五给您回复，第一步先做需求分析。", ""),
        ("别家的报价我也看过，差不多一个价。", ""),
        ("首个月免费试用，最快的话明天就能开通，安全是第一位的。", ""),
        ("There's no risk-free investment, I have to be honest.", ""),
        ("Sure thing, our number one priority is your safety.", ""),
        ("我们有兜底的应急方案，垃圾分类的政策我们也支持。", ""),
    ],
)
def test_negations_quotes_and_harmless_words_are_not_flagged(text, customer):
    assert hits(text, customer) == []


def test_each_hit_names_its_rule():
    (hit,) = hits("这款理财稳赚不赔。")
    assert hit.rule == "financial_promise" and hit.severity == "blocker"
    (warning,) = hits("我们的价格全网最低。")
    assert warning.rule == "absolute_claim" and warning.severity == "warning"


def test_reasons_render_in_the_viewer_language():
    evidence = {"code": "kp.missed", "params": {"point": "说明等待期", "why": "off_topic"}}
    with translation.override("en"):
        english = render(evidence)
    with translation.override("zh-hans"):
        chinese = render(evidence)
    assert "说明等待期" in english and "not covered" in english
    assert "说明等待期" in chinese and "not covered" not in chinese
    assert render({"reason": "old text"}) == "old text"  # scorecards stored before the codes
