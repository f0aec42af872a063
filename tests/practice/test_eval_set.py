"""The labelled evaluation set (tests/practice/eval/) is well formed and has the make-up its README states; the
figures themselves come from `make practice-eval` (not a pass/fail test)."""

from collections import Counter

import pytest

from tests.bench.practice_eval import load_sets, spec_of, transcript_of

STATES = {"covered", "partial", "missed", "contradicted"}


@pytest.fixture(scope="module")
def sets():
    return load_sets()


def test_key_point_pairs_are_enough_mostly_chinese_and_split(sets):
    scenarios, cases, _compliance = sets
    assert len(cases) >= 300
    zh = sum(1 for c in cases if scenarios[c["scenario"]]["language"].startswith("zh"))
    assert zh / len(cases) >= 0.7
    assert {c["split"] for c in cases} == {"tune", "holdout"}
    assert 0.3 <= sum(c["split"] == "holdout" for c in cases) / len(cases) <= 0.5
    assert len({c["id"] for c in cases}) == len(cases)
    assert set(Counter(c["label"] for c in cases)) == STATES


def test_every_case_names_a_known_point_and_partial_only_for_compound_points(sets):
    scenarios, cases, _compliance = sets
    for case in cases:
        scenario = scenarios[case["scenario"]]
        spec = spec_of(scenario, case["point"])  # raises StopIteration for an unknown point
        assert case["label"] in STATES, case["id"]
        if case["label"] == "partial":
            assert spec["key_points"][0]["sub_points"], case["id"]
        assert transcript_of(case)[-1]["speaker"] == "trainee"


def test_compliance_cases_are_enough_with_both_kinds(sets):
    _scenarios, _cases, compliance = sets
    assert len(compliance) >= 80
    assert sum(c["violation"] for c in compliance) >= 40
    assert sum(not c["violation"] for c in compliance) >= 30
    assert sum(c["language"].startswith("zh") for c in compliance) / len(compliance) >= 0.7
    assert {c["split"] for c in compliance} == {"tune", "holdout"}
    assert any("negation" in (c.get("tags") or []) for c in compliance if not c["violation"])
