"""Pure scoring rules: one answer against one question version. No database access here."""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from assessments.models import PartialCredit, QuestionType

ZERO = Decimal("0")
ONE = Decimal("1")


def normalise_text(value: str) -> str:
    """Case, full-width/half-width forms (NFKC) and spaces do not matter in short answers."""
    text = unicodedata.normalize("NFKC", value or "").casefold()
    return re.sub(r"\s+", " ", text).strip()


def correct_keys(options: list[dict]) -> set[str]:
    return {o["key"] for o in options if float(o.get("weight", 0)) > 0}


def fraction_for(version, answer) -> Decimal | None:
    """The share of the points this answer earns, 0..1; None when a person must grade it."""
    qtype = version.qtype
    if qtype == QuestionType.ESSAY or (qtype == QuestionType.SHORT and not version.answer.get("accepted")):
        return None
    if answer is None or answer == "" or answer == []:
        return ZERO
    if qtype == QuestionType.TRUE_FALSE:
        return ONE if bool(answer) == bool(version.answer.get("value")) else ZERO
    if qtype == QuestionType.SINGLE:
        weights = {o["key"]: Decimal(str(o.get("weight", 0))) for o in version.options}
        return max(ZERO, min(ONE, weights.get(answer, ZERO) / 100))
    if qtype == QuestionType.MULTIPLE:
        return _multiple(version, set(answer))
    if qtype == QuestionType.SHORT:
        given = normalise_text(str(answer))
        return ONE if any(given == normalise_text(a) for a in version.answer["accepted"]) else ZERO
    if qtype == QuestionType.NUMERIC:
        try:
            value = Decimal(normalise_text(str(answer)).replace(" ", ""))
        except InvalidOperation:
            return ZERO
        specs = version.answer.get("any") or [version.answer]
        return ONE if any(_numeric_ok(spec, value) for spec in specs) else ZERO
    return ZERO


def _numeric_ok(spec: dict, value: Decimal) -> bool:
    if "min" in spec:
        return Decimal(spec["min"]) <= value <= Decimal(spec["max"])
    return abs(value - Decimal(spec["value"])) <= Decimal(spec.get("tolerance", "0"))


def _multiple(version, chosen: set[str]) -> Decimal:
    correct = correct_keys(version.options)
    keys = {o["key"] for o in version.options}
    chosen &= keys
    rule = version.partial_credit
    if rule == PartialCredit.WEIGHTED:
        total = sum((Decimal(str(o.get("weight", 0))) for o in version.options if o["key"] in chosen), ZERO)
        return max(ZERO, min(ONE, total / 100))
    if rule == PartialCredit.RIGHT_MINUS_WRONG:
        if not correct:
            return ZERO
        right = len(chosen & correct)
        wrong = len(chosen - correct)
        return max(ZERO, Decimal(right - wrong) / Decimal(len(correct)))
    return ONE if chosen == correct else ZERO
