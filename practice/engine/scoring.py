"""The scorecard: deterministic and explainable. Every dimension gives 0-100 (or None when it does not apply,
e.g. no objection was raised), a good/fair/poor band and the quoted sentences it rests on.

Input is the scenario spec and the transcript as a list of dicts
`{"index", "speaker": "customer"|"trainee", "text", "objection": code|None}`."""

import re
from dataclasses import dataclass, field

from practice.engine.compliance import default_lexicon, find_violations
from practice.engine.points import POINT_STATES, judge_points
from practice.engine.semantic import Matcher
from practice.engine.spec import DIMENSIONS, rubric_of
from practice.engine.text import contains_any, split_sentences, text_length

SCORER_VERSION = "2"  # 2: key point states (covered/partial/missed/contradicted), reasons as codes

ACKNOWLEDGE = (
    "理解", "明白", "您说得对", "您说的对", "确实", "您的顾虑", "好问题", "能体会", "可以理解", "您的担心", "我懂",
    "understand", "i see", "fair point", "good question", "valid", "appreciate", "makes sense", "i hear you",
)  # fmt: skip
CHECK_BACK = (
    "您看", "可以吗", "是否", "您觉得", "怎么样", "行吗", "合适吗", "对吗", "好吗", "清楚吗", "能接受",
    "does that", "would that", "how does that sound", "make sense", "is that ok", "what do you think", "fair?",
)  # fmt: skip
OPEN_QUESTION = (
    "什么", "怎么", "如何", "哪些", "哪里", "哪个", "为什么", "多少", "多大", "多久", "怎样", "请问", "说说", "介绍一下",
    "what", "how", "which", "why", "tell me", "describe", "walk me through",
)  # fmt: skip
TOPICS = {
    "budget": ("预算", "费用", "花多少", "投入", "价位", "budget", "spend", "price range"),
    "decision": ("谁来决定", "拍板", "决策", "负责人", "老板", "领导", "谁说了算", "审批", "decision", "decide", "sign off", "approve", "who else"),
    "timeline": ("什么时候", "何时", "时间", "多久", "期限", "上线", "交付", "timeline", "when", "deadline", "by which date"),
}  # fmt: skip
POLITE = ("您", "请", "谢谢", "感谢", "不好意思", "抱歉", "麻烦", "please", "thank", "sorry", "appreciate", "kindly")
EMPATHY = (
    "理解", "明白您", "确实", "能体会", "您的顾虑", "您的担心", "换作是我", "辛苦", "给您添麻烦", "非常抱歉",
    "understand", "i hear you", "makes sense", "i'm sorry", "i am sorry", "that must", "appreciate your",
)  # fmt: skip
RUDE = (
    "你懂不懂",
    "随便你",
    "爱买不买",
    "你不懂",
    "听我说完",
    "不可能吧你",
    "whatever",
    "you don't understand",
    "listen to me",
)
FILLERS = (r"嗯+", r"呃+", r"(?:^|[，,。])那个[，,…、]", r"就是说", r"然后呢?[，,]", r"怎么说呢", r"\bum+\b", r"\buh+\b",
           r"\byou know\b", r"\bbasically\b", r"\bkind of\b", r"\blike,")  # fmt: skip
FILLER_RE = re.compile("|".join(FILLERS), re.IGNORECASE)
CLOSE = (
    "约", "安排", "拜访", "见面", "演示", "样品", "试用", "报价单", "方案发", "合同", "签约", "下单", "发给您", "加个微信", "跟进", "确认一下时间",
    "next step", "schedule", "meeting", "demo", "trial", "send you", "sign", "book", "follow up", "set up a call",
)  # fmt: skip
SPECIFIC_TIME = (
    "周一", "周二", "周三", "周四", "周五", "周六", "周日", "星期", "明天", "后天", "下周", "本周", "月底", "点", "号",
    "monday", "tuesday", "wednesday", "thursday", "friday", "tomorrow", "next week", "o'clock", "am", "pm",
)  # fmt: skip
LONG_TURN = 90
SHORT_TURN = 3


@dataclass
class Dimension:
    code: str
    score: int | None
    weight: float
    evidence: list[dict] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    band: str = ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "score": self.score,
            "band": self.band,
            "weight": self.weight,
            "evidence": self.evidence,
            "details": self.details,
        }


def _ev(turn: dict, quote: str, code: str, params: dict | None, kind: str) -> dict:
    """Evidence: the sentence, and why as a code with parameters (practice.engine.reasons renders it in the
    viewer's language)."""
    return {"turn": turn["index"], "quote": quote, "code": code, "params": params or {}, "kind": kind}


def band_for(score: int | None, thresholds: dict) -> str:
    if score is None:
        return "n/a"
    if score >= thresholds["good"]:
        return "good"
    return "fair" if score >= thresholds["fair"] else "poor"


def overall_of(
    scores: list[tuple[int | None, float]], *, pass_mark: float, has_turns: bool, compliance_failed: bool
) -> tuple[int, bool]:
    """The overall score and the verdict from (score, weight) per dimension: the weighted mean of the dimensions
    that have a score and a weight; 0 without a reply of the salesperson; passed from the pass mark unless the
    compliance gate failed. The scorer and a coach's correction (practice.services.score_override) both use it."""
    applicable = [(score, weight) for score, weight in scores if score is not None and weight > 0]
    total_weight = sum(weight for _score, weight in applicable)
    overall = round(sum(score * weight for score, weight in applicable) / total_weight) if total_weight else 0
    if not has_turns:
        overall = 0
    return overall, overall >= pass_mark and not compliance_failed and has_turns


class Scorer:
    def __init__(self, spec: dict, *, matcher: Matcher | None = None, judge=None):
        self.spec = spec
        self.rubric = rubric_of(spec)
        self.matcher = matcher or Matcher()
        self.judge = judge  # an LLM that re-checks borderline key point verdicts (practice.engine.llm), or None

    def _threshold_key(self, sem: float, lex: float) -> float:
        """How far past its own threshold the better signal is (1.0 = just at it)."""
        st = self.rubric["semantic_threshold"]
        lt = self.rubric["lexical_threshold" if self.matcher.encoder else "fallback_lexical_threshold"]
        return max(sem / st if self.matcher.encoder else 0.0, lex / lt)

    def covers(self, sentences: list[str], references: list[str], synonyms=()) -> tuple[int, int, float, float]:
        """(sentence index, reference index, semantic, lexical) of the best match; index -1 when none counts."""
        if not sentences or not references:
            return -1, -1, 0.0, 0.0
        sem, lex = self.matcher.similarities(sentences, references, synonyms)
        best = (-1, -1, 0.0, 0.0)
        best_key = 0.0
        for i, (srow, lrow) in enumerate(zip(sem, lex, strict=True)):
            for j, (s, lx) in enumerate(zip(srow, lrow, strict=True)):
                key = self._threshold_key(s, lx)  # ties go to the earlier sentence
                if key >= 1.0 and key > best_key:
                    best, best_key = (i, j, s, lx), key
        return best

    # --- dimensions ---------------------------------------------------------------------------------

    def key_points(self, units: list[tuple[dict, str]]) -> Dimension:
        """Each key point is covered, partial (some of its required parts), missed or contradicted; see
        practice/engine/points.py for how a reply is judged to state a point."""
        points = self.spec.get("key_points") or []
        dim = Dimension("key_points", None, 0)
        if not points:
            return dim
        judged = judge_points(points, units, matcher=self.matcher, rubric=self.rubric, judge=self.judge)
        total = sum(p.get("weight", 1) for p in points) or 1
        got = sum(point.get("weight", 1) * result["credit"] for point, result in zip(points, judged, strict=True))
        for result in judged:
            if result["state"] == "missed" or result["turn"] is None:
                continue
            params = {"point": result["text"]}
            if result["state"] == "partial":
                params["missing"] = [sub["text"] for sub in result["sub_points"] if sub["state"] != "covered"]
            if result["state"] == "contradicted":
                params["why"] = result["why"]
            ev = _ev({"index": result["turn"]}, result["quote"], f"kp.{result['state']}", params, "key_point")
            ev["numbers"] = result["numbers"]
            dim.evidence.append(ev)
        dim.score = round(100 * got / total)
        dim.details = {
            "points": judged,
            **{state: [r["code"] for r in judged if r["state"] == state] for state in POINT_STATES},
        }
        return dim

    def objections(self, transcript: list[dict]) -> Dimension:
        dim = Dimension("objections", None, 0)
        catalogue = {o["code"]: o for o in self.spec.get("objections") or []}
        results = []
        for k, turn in enumerate(transcript):
            code = turn.get("objection")
            if turn["speaker"] != "customer" or not code or code not in catalogue:
                continue
            # the replies until the customer raises another objection, at most two
            window = []
            for later in transcript[k + 1 :]:
                if later["speaker"] == "customer" and later.get("objection"):
                    break
                if later["speaker"] == "trainee":
                    window.append(later)
                    if len(window) == 2:
                        break
            objection = catalogue[code]
            item = {"code": code, "label": objection["label"], "acknowledged": False, "answered": 0.0, "checked": False}
            if window:
                units = [(t, s) for t in window for s in split_sentences(t["text"])]
                sentences = [s for _t, s in units]
                for i, sentence in enumerate(sentences):
                    if contains_any(sentence, ACKNOWLEDGE):
                        item["acknowledged"] = True
                        dim.evidence.append(_ev(units[i][0], sentence, "objection.acknowledged", {"objection": objection["label"]}, "objection"))  # fmt: skip
                        break
                covered = 0
                for point in objection["points"]:
                    i, _j, _s, _l = self.covers(sentences, [point])
                    if i >= 0:
                        covered += 1
                        dim.evidence.append(_ev(units[i][0], sentences[i], "objection.answered", {"point": point}, "objection"))  # fmt: skip
                model_i, _j, _s, _l = self.covers(sentences, [objection["model_answer"]])
                item["answered"] = 1.0 if model_i >= 0 else covered / len(objection["points"])
                if model_i >= 0 and not covered:
                    dim.evidence.append(_ev(units[model_i][0], sentences[model_i], "objection.model_answer", None, "objection"))  # fmt: skip
                for i, sentence in enumerate(sentences):
                    if contains_any(sentence, CHECK_BACK) or sentence.endswith(("?", "？")):
                        item["checked"] = True
                        dim.evidence.append(_ev(units[i][0], sentence, "objection.checked", None, "objection"))
                        break
            item["score"] = round(25 * item["acknowledged"] + 50 * item["answered"] + 25 * item["checked"])
            results.append(item)
        if results:
            dim.score = round(sum(r["score"] for r in results) / len(results))
        dim.details = {"objections": results}
        return dim

    def compliance(self, units: list[tuple[dict, str]]) -> tuple[Dimension, list[dict]]:
        """Forbidden phrases (practice.engine.compliance): a blocker fails the session, a warning costs 30."""
        dim = Dimension("compliance", 100, 0)
        forbidden = list(self.spec.get("forbidden") or [])
        if self.spec.get("use_default_forbidden", True):
            forbidden += default_lexicon()
        blockers = []
        warnings = 0
        for turn, sentence in units:
            for hit in find_violations([sentence], forbidden):
                params = {"match": hit.match, "rule": hit.rule}
                if hit.note:
                    params["note"] = hit.note
                code = "compliance.hit_note" if hit.note else "compliance.hit"
                ev = _ev(turn, sentence, code, params, "compliance")
                ev["severity"] = hit.severity
                dim.evidence.append(ev)
                if hit.severity == "blocker":
                    blockers.append(ev)
                else:
                    warnings += 1
        dim.score = 0 if blockers else max(0, 100 - 30 * warnings)
        return dim, blockers

    def discovery(self, units: list[tuple[dict, str]]) -> Dimension:
        dim = Dimension("discovery", 0, 0)
        open_questions = 0
        topics = dict.fromkeys(TOPICS, False)
        for turn, sentence in units:
            is_question = sentence.endswith(("?", "？")) or contains_any(sentence, ("请问", "能否", "可否"))
            if is_question and contains_any(sentence, OPEN_QUESTION):
                open_questions += 1
                dim.evidence.append(_ev(turn, sentence, "discovery.open_question", None, "discovery"))
            for topic, words in TOPICS.items():
                if is_question and not topics[topic] and contains_any(sentence, words):
                    topics[topic] = True
                    dim.evidence.append(_ev(turn, sentence, "discovery.topic", {"topic": topic}, "discovery"))  # fmt: skip
        dim.score = min(100, round(40 * min(open_questions, 3) / 3 + 20 * sum(topics.values())))
        dim.details = {"open_questions": open_questions, "topics": topics}
        return dim

    def empathy(self, trainee_turns: list[dict]) -> Dimension:
        dim = Dimension("empathy", None, 0)
        if not trainee_turns:
            return dim
        polite = empathic = rude = 0
        for turn in trainee_turns:
            for sentence in split_sentences(turn["text"]):
                if word := contains_any(sentence, RUDE):
                    rude += 1
                    dim.evidence.append(_ev(turn, sentence, "empathy.rude", {"word": word}, "rude"))
                elif contains_any(sentence, EMPATHY):
                    empathic += 1
                    if empathic <= 3:
                        dim.evidence.append(_ev(turn, sentence, "empathy.shows", None, "empathy"))
            if contains_any(turn["text"], POLITE):
                polite += 1
        dim.score = max(0, min(100, round(50 * polite / len(trainee_turns) + 25 * min(empathic, 2) - 30 * rude)))
        dim.details = {"polite_turns": polite, "empathic_sentences": empathic, "rude_sentences": rude}
        return dim

    def conciseness(self, trainee_turns: list[dict]) -> Dimension:
        dim = Dimension("conciseness", None, 0)
        if not trainee_turns:
            return dim
        long_turns = short_turns = fillers = 0
        lengths = []
        for turn in trainee_turns:
            length = text_length(turn["text"])
            lengths.append(length)
            if length > LONG_TURN:
                long_turns += 1
                dim.evidence.append(_ev(turn, turn["text"][:80] + "…", "conciseness.long", {"n": length}, "long"))  # fmt: skip
            elif length < SHORT_TURN:
                short_turns += 1
            for sentence in split_sentences(turn["text"]):
                found = FILLER_RE.findall(sentence)
                if found:
                    fillers += len(found)
                    dim.evidence.append(_ev(turn, sentence, "conciseness.filler", {"words": "、".join(f.strip("，,…、。") for f in found)}, "filler"))  # fmt: skip
        n = len(trainee_turns)
        dim.score = max(0, round(100 - 50 * long_turns / n - 20 * short_turns / n - min(50, 8 * fillers)))
        dim.details = {"average_length": round(sum(lengths) / n, 1), "long_turns": long_turns, "fillers": fillers}
        return dim

    def close(self, trainee_turns: list[dict]) -> Dimension:
        dim = Dimension("close", 0, 0)
        best = 0
        for position, turn in enumerate(trainee_turns):
            late = position >= len(trainee_turns) - 2
            for sentence in split_sentences(turn["text"]):
                if contains_any(sentence, CLOSE):
                    specific = bool(contains_any(sentence, SPECIFIC_TIME))
                    value = (70 if late else 40) + (30 if specific else 0) - (0 if late else 10 * (not specific))
                    if value > best:
                        best = value
                        dim.evidence = [
                            _ev(turn, sentence, "close.concrete" if specific else "close.next_step", None, "close")
                        ]
        dim.score = min(100, best)
        return dim

    # --- the whole card -----------------------------------------------------------------------------

    def score(self, transcript: list[dict]) -> dict:
        trainee_turns = [t for t in transcript if t["speaker"] == "trainee"]
        units = [(t, s) for t in trainee_turns for s in split_sentences(t["text"])]
        compliance, blockers = self.compliance(units)
        dims = [
            self.key_points(units),
            self.objections(transcript),
            compliance,
            self.discovery(units),
            self.empathy(trainee_turns),
            self.conciseness(trainee_turns),
            self.close(trainee_turns),
        ]
        weights = self.rubric["weights"]
        thresholds = self.rubric["thresholds"]
        for dim in dims:
            dim.weight = float(weights.get(dim.code, 0))
            dim.band = band_for(dim.score, thresholds)
        applicable = [d for d in dims if d.score is not None and d.weight > 0]
        compliance_failed = bool(blockers)
        overall, passed = overall_of(
            [(d.score, d.weight) for d in dims],
            pass_mark=self.rubric["pass_mark"],
            has_turns=bool(trainee_turns),
            compliance_failed=compliance_failed,
        )
        weakest = min(applicable, key=lambda d: (d.score, -d.weight), default=None)
        return {
            "scorer_version": SCORER_VERSION,
            "model_version": self.matcher.version,
            "dimensions": {d.code: d.as_dict() for d in dims},
            "order": list(DIMENSIONS),
            "overall": overall,
            "band": band_for(overall, thresholds),
            "pass_mark": self.rubric["pass_mark"],
            "passed": passed,
            "compliance_failed": compliance_failed,
            "compliance_evidence": blockers,
            "weakest": weakest.code if weakest else None,
        }


def score_transcript(spec: dict, transcript: list[dict], *, matcher: Matcher | None = None, judge=None) -> dict:
    return Scorer(spec, matcher=matcher, judge=judge).score(transcript)
