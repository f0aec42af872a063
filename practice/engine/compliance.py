"""Forbidden phrases (合规): absolute promises such as 稳赚不赔, 保证收益, 绝对没有风险.

A pattern is literal text where `*` stands for a short gap inside one clause (保证*收益 matches 保证您的收益).
The negation guard leaves a phrase unflagged when its clause negates it before (不能保证收益, no one can
guarantee returns) or right after (保证收益是不可能的)."""

import re
from dataclasses import dataclass
from functools import lru_cache

from practice.engine.text import CLAUSE_BREAK, clause_bounds, has_cjk

GAP_ZH = 8
GAP_EN = 30
# 不但/不仅 etc. contain 不 but do not negate.
NOT_NEGATIONS_ZH = ("不但", "不仅", "不光", "不只", "不少", "不错", "不断", "不管", "不论", "不用担心", "不必担心")
NEGATIONS_ZH = ("不", "没", "无法", "别", "未", "非", "勿", "谁也", "难以")
NEGATIONS_EN = {"not", "no", "never", "cannot", "can't", "won't", "nobody", "don't", "doesn't", "nor", "neither"}
# Said after the phrase in the same clause: the phrase is being ruled out (保证收益是违规的), not promised.
AFTER_NEGATIONS = ("是不可能", "做不到", "违规", "不允许", "违法", "不合规", "不现实", "是不存在的")
AFTER_NEGATIONS_EN = (
    "is impossible", "is not possible", "isn't possible", "is not allowed", "isn't allowed", "are not allowed",
    "aren't allowed", "is not permitted", "isn't permitted", "is illegal", "is against", "doesn't exist",
    "does not exist", "is a myth",
)  # fmt: skip


@dataclass(frozen=True)
class Hit:
    pattern: str
    severity: str
    sentence: str
    match: str
    note: str = ""


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern:
    gap = GAP_ZH if has_cjk(pattern) else GAP_EN
    breaks = re.escape(CLAUSE_BREAK)
    parts = [re.escape(p.strip() if not has_cjk(p) else p) for p in pattern.split("*")]
    body = rf"[^{breaks}]{{0,{gap}}}".join(p for p in parts if p)
    if not has_cjk(pattern):
        body = r"(?<![a-z])" + body.replace(r"\ ", r"\s+")
    return re.compile(body, re.IGNORECASE)


def is_negated(text: str, start: int, end: int) -> bool:
    begin, finish = clause_bounds(text, start, end)
    before = text[begin:start]
    after = text[end:finish].strip().lower()
    if has_cjk(text[start:end]):
        window = before[-8:]
        for phrase in NOT_NEGATIONS_ZH:
            window = window.replace(phrase, "")
        if any(n in window for n in NEGATIONS_ZH):
            return True
        return any(a in after for a in AFTER_NEGATIONS) or after.endswith("不可能的")
    words = re.findall(r"[a-z']+", before.lower())[-5:]
    if NEGATIONS_EN.intersection(words) or any(w.endswith("n't") for w in words):
        return True
    return any(a in after for a in AFTER_NEGATIONS_EN)


def find_violations(sentences: list[str], forbidden: list[dict]) -> list[Hit]:
    hits: list[Hit] = []
    for sentence in sentences:
        for item in forbidden:
            pattern = item.get("pattern", "")
            if not pattern.replace("*", "").strip():
                continue
            for m in compile_pattern(pattern).finditer(sentence):
                if not is_negated(sentence, m.start(), m.end()):
                    hits.append(
                        Hit(pattern, item.get("severity", "blocker"), sentence, m.group(0), item.get("note", ""))
                    )
                    break
    return hits


# Shipped with every scenario unless a trainer removes them: the classic absolute promises.
DEFAULT_FORBIDDEN = [
    {"pattern": "稳赚不赔", "severity": "blocker", "note": "绝对化承诺"},
    {"pattern": "保证*收益", "severity": "blocker", "note": "收益承诺"},
    {"pattern": "绝对*没有风险", "severity": "blocker", "note": "风险承诺"},
    {"pattern": "零风险", "severity": "blocker", "note": "风险承诺"},
    {"pattern": "百分之百*赚", "severity": "blocker", "note": "收益承诺"},
    {"pattern": "保本保息", "severity": "blocker", "note": "收益承诺"},
    {"pattern": "guarantee* return", "severity": "blocker", "note": "promise of returns"},
    {"pattern": "guaranteed profit", "severity": "blocker", "note": "promise of returns"},
    {"pattern": "risk-free", "severity": "blocker", "note": "promise of no risk"},
    {"pattern": "no risk at all", "severity": "blocker", "note": "promise of no risk"},
    {"pattern": "全市最低价", "severity": "warning", "note": "无法证实的绝对化用语"},
    {"pattern": "the cheapest in the market", "severity": "warning", "note": "unverifiable absolute claim"},
]
