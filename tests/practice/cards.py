"""Hand-made scorecards in the shape the scorer stores (practice/engine/scoring.py, SCORER_VERSION 2), and one of
the shape stored before it (a rendered `reason`, covered codes and missed texts), for the scorecard's pages and API."""

import copy

from practice.models import PracticeSession, Turn
from tests.practice.factories import SessionFactory

TRANSCRIPT = [
    ("customer", "你们的价格比别家贵了差不多百分之十五。"),
    ("trainee", "理解您的顾虑。等待期是九十天。请问您是和哪家比较的？"),
    ("customer", "是另一个牌子的。"),
    ("trainee", "没有等待期，出险就赔。我们保证收益，绝对没有风险。"),
    ("customer", "好的，那先这样吧。"),
]


def _ev(turn, quote, code, params, kind, **extra):
    return {"turn": turn, "quote": quote, "code": code, "params": params, "kind": kind, **extra}


POINTS = [
    {
        "code": "ask",
        "text": "询问客户是和哪家的报价在比较",
        "state": "covered",
        "credit": 1.0,
        "quote": "请问您是和哪家比较的？",
        "turn": 1,
        "why": None,
        "sub_points": [],
        "numbers": {"semantic": 0.91, "lexical": 0.66},
    },
    {
        "code": "waiting",
        "text": "说明等待期为90天，并说明期间出险不赔",
        "state": "partial",
        "credit": 0.5,
        "quote": "等待期是九十天。",
        "turn": 1,
        "why": None,
        "sub_points": [
            {
                "text": "说明等待期为90天",
                "state": "covered",
                "quote": "等待期是九十天。",
                "turn": 1,
                "why": None,
                "numbers": {"semantic": 0.88, "lexical": 0.7},
            },
            {
                "text": "说明期间出险不赔",
                "state": "missed",
                "quote": None,
                "turn": None,
                "why": "off_topic",
                "numbers": {"semantic": 0.12, "lexical": 0.0},
            },
        ],  # fmt: skip
        "numbers": {"semantic": 0.77, "lexical": 0.41},
    },
    {
        "code": "claims",
        "text": "说明等待期内出险不赔付",
        "state": "contradicted",
        "credit": 0.0,
        "quote": "没有等待期，出险就赔。",
        "turn": 3,
        "why": "opposite",
        "sub_points": [],
        "numbers": {"semantic": 0.58, "lexical": 0.47},
    },
    {
        "code": "close",
        "text": "约定下次拜访时间",
        "state": "missed",
        "credit": 0.0,
        "quote": "理解您的顾虑。",
        "turn": 1,
        "why": "not_stated",
        "sub_points": [],
        "numbers": {"semantic": 0.3127, "lexical": 0.0444},
    },
]

BLOCKER = _ev(
    3, "我们保证收益，绝对没有风险。", "compliance.hit", {"match": "保证收益", "rule": "financial_promise"}, "compliance",
    severity="blocker",
)  # fmt: skip
WARNING = _ev(
    3, "没有等待期，出险就赔。", "compliance.hit_note", {"match": "就赔", "rule": "custom", "note": "理赔以条款为准"},
    "compliance", severity="warning",
)  # fmt: skip

CARD = {
    "scorer_version": "2",
    "model_version": "test-model",
    "order": ["key_points", "objections", "compliance", "discovery", "empathy", "conciseness", "close"],
    "overall": 41,
    "band": "poor",
    "pass_mark": 60,
    "passed": False,
    "compliance_failed": True,
    "weakest": "close",
    "compliance_evidence": [BLOCKER],
    "dimensions": {
        "key_points": {
            "code": "key_points",
            "score": 38,
            "band": "poor",
            "weight": 25.0,
            "evidence": [
                _ev(
                    1,
                    "请问您是和哪家比较的？",
                    "kp.covered",
                    {"point": POINTS[0]["text"]},
                    "key_point",
                    numbers={"semantic": 0.91, "lexical": 0.66},
                ),
                _ev(
                    1,
                    "等待期是九十天。",
                    "kp.partial",
                    {"point": POINTS[1]["text"], "missing": ["说明期间出险不赔"]},
                    "key_point",
                    numbers={"semantic": 0.77, "lexical": 0.41},
                ),
                _ev(
                    3,
                    "没有等待期，出险就赔。",
                    "kp.contradicted",
                    {"point": POINTS[2]["text"], "why": "opposite"},
                    "key_point",
                    numbers={"semantic": 0.58, "lexical": 0.47},
                ),
            ],  # fmt: skip
            "details": {
                "points": POINTS,
                "covered": ["ask"],
                "partial": ["waiting"],
                "missed": ["close"],
                "contradicted": ["claims"],
            },
        },
        "objections": {
            "code": "objections",
            "score": 50,
            "band": "fair",
            "weight": 20.0,
            "evidence": [_ev(1, "理解您的顾虑。", "objection.acknowledged", {"objection": "价格太贵"}, "objection")],
            "details": {},
        },  # fmt: skip
        "compliance": {
            "code": "compliance",
            "score": 0,
            "band": "poor",
            "weight": 10.0,
            "evidence": [BLOCKER, WARNING],
            "details": {},
        },  # fmt: skip
        "discovery": {
            "code": "discovery",
            "score": 47,
            "band": "poor",
            "weight": 15.0,
            "evidence": [_ev(1, "请问您是和哪家比较的？", "discovery.open_question", {}, "discovery")],
            "details": {},
        },  # fmt: skip
        "empathy": {"code": "empathy", "score": 75, "band": "good", "weight": 10.0, "evidence": [], "details": {}},
        "conciseness": {
            "code": "conciseness",
            "score": 100,
            "band": "good",
            "weight": 5.0,
            "evidence": [],
            "details": {},
        },  # fmt: skip
        "close": {"code": "close", "score": 0, "band": "poor", "weight": 15.0, "evidence": [], "details": {}},
    },
}

# Stored by scorer 1: reasons rendered when scored (in the scorer's language, with the numbers in them).
OLD_CARD = {
    "order": ["key_points", "compliance"],
    "overall": 70,
    "band": "fair",
    "passed": True,
    "compliance_failed": False,
    "weakest": "key_points",
    "compliance_evidence": [],
    "dimensions": {
        "key_points": {
            "code": "key_points", "score": 50, "band": "fair", "weight": 50.0,
            "evidence": [{"turn": 1, "quote": "请问您是和哪家比较的？", "kind": "key_point",
                          "reason": "覆盖要点“询问客户是和哪家的报价在比较”（语义 0.91，词语 0.66）"}],
            "details": {"covered": ["ask"], "missed": ["约定下次拜访时间"]},
        },
        "compliance": {"code": "compliance", "score": 100, "band": "good", "weight": 50.0, "evidence": [], "details": {}},
    },
}  # fmt: skip

TRACE = {
    "how": "semantic",
    "branches": ["compared", "discount"],
    "semantic": [0.818, 0.267],
    "lexical": [1.0, 0.0],
    "scores": [2.0, 0.593],
    "threshold": {"semantic": 0.45, "lexical": 0.5, "margin": 0.05},
    "chosen": "compared",
}


def finished_session(*, user, scenario, card=None, is_trial=False) -> PracticeSession:
    """A finished session with the transcript above and a hand-made scorecard."""
    card = copy.deepcopy(CARD if card is None else card)
    session = SessionFactory(
        user=user,
        scenario=scenario,
        status=PracticeSession.Status.FINISHED,
        score=card["overall"],
        passed=card["passed"],
        compliance_failed=card["compliance_failed"],
        scorecard=card,
        is_trial=is_trial,
        trainee_turns=2,
    )
    for index, (speaker, text) in enumerate(TRANSCRIPT):
        trace = TRACE if speaker == "customer" and index == 2 else {}
        Turn.objects.create(
            session=session, index=index, speaker=speaker, text=text, node_id=f"node{index}", matched_by="semantic",
            trace=trace,
        )  # fmt: skip
    return session
