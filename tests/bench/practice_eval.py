"""The practice scorer against the labelled evaluation set in tests/practice/eval/ (see its README): key point
verdicts (covered / partial / missed / contradicted) and the compliance gate, per split, language and tag, with
the time per reply, the model load time and the memory.

The set has a `tune` split (thresholds and rules may be adjusted on it) and a `holdout` split (never tuned on): the
figures that count are those of `holdout`.

Run: make practice-eval   or   .venv/bin/python tests/bench/practice_eval.py [--split holdout] [--errors N]
     [--lexical] (the fallback without the sentence encoder)
Prints figures; not a pass/fail test.
"""

import argparse
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
EVAL = ROOT / "tests" / "practice" / "eval"

from tests.bench.bench_practice import rss_mb  # noqa: E402 - after the path is set


def load_sets() -> tuple[dict, list[dict], list[dict]]:
    keypoints = yaml.safe_load((EVAL / "keypoints.yaml").read_text(encoding="utf-8"))
    compliance = yaml.safe_load((EVAL / "compliance.yaml").read_text(encoding="utf-8"))
    scenarios = {s["code"]: s for s in keypoints["scenarios"]}
    return scenarios, keypoints["cases"], compliance["cases"]


def transcript_of(case: dict) -> list[dict]:
    turns = []
    if case.get("customer"):
        turns.append({"index": 0, "speaker": "customer", "text": case["customer"], "objection": None})
    replies = case["reply"] if isinstance(case["reply"], list) else [case["reply"]]
    for reply in replies:
        if turns and turns[-1]["speaker"] == "trainee":
            turns.append({"index": len(turns), "speaker": "customer", "text": "嗯。", "objection": None})
        turns.append({"index": len(turns), "speaker": "trainee", "text": reply, "objection": None})
    return turns


def spec_of(scenario: dict, point_code: str) -> dict:
    point = next(p for p in scenario["key_points"] if p["code"] == point_code)
    item = {
        "code": point["code"],
        "canonical": point["canonical"],
        "weight": 1,
        "examples": point.get("examples") or [],
        "counter_examples": point.get("counter_examples") or [],
        "sub_points": point.get("sub_points") or [],
    }
    return {"key_points": [item], "use_default_forbidden": True}


def pct(num: int, den: int) -> str:
    return f"{100 * num / den:5.1f} % ({num}/{den})" if den else "   n/a"


def run_keypoints(scenarios, cases, split, errors, scorer_cls, matcher):
    rows = []
    timings = []
    for case in cases:
        if split != "all" and case.get("split") != split:
            continue
        scenario = scenarios[case["scenario"]]
        scorer = scorer_cls(spec_of(scenario, case["point"]), matcher=matcher)
        transcript = transcript_of(case)
        started = time.perf_counter()
        card = scorer.score(transcript)
        timings.append((time.perf_counter() - started) * 1000)
        point = card["dimensions"]["key_points"]["details"]["points"][0]
        rows.append((case, scenario.get("language", "zh-hans"), point["state"], point))
    print(f"\n== Key points ({split}: {len(rows)} reply/key-point pairs)")
    if not rows:
        return timings
    groups = defaultdict(list)
    for case, language, predicted, _p in rows:
        groups["all"].append((case["label"], predicted))
        groups["zh" if language.startswith("zh") else "en"].append((case["label"], predicted))
    for name in ("all", "zh", "en"):
        pairs = groups[name]
        agree = sum(1 for gold, got in pairs if gold == got)
        credited_gold = [gold in ("covered",) for gold, _g in pairs]
        credited_got = [got in ("covered",) for _g, got in pairs]
        tp = sum(1 for a, b in zip(credited_gold, credited_got, strict=True) if a and b)
        fp = sum(1 for a, b in zip(credited_gold, credited_got, strict=True) if b and not a)
        fn = sum(1 for a, b in zip(credited_gold, credited_got, strict=True) if a and not b)
        binary = sum(1 for gold, got in pairs if (gold == "covered") == (got == "covered"))
        print(
            f"{name:>4}: agreement {pct(agree, len(pairs))}   covered-vs-not {pct(binary, len(pairs))}   "
            f"precision {pct(tp, tp + fp)}   recall {pct(tp, tp + fn)}"
        )
    confusion = Counter((case["label"], got) for case, _l, got, _p in rows)
    states = ("covered", "partial", "missed", "contradicted")
    print("gold \\ scorer  " + "".join(f"{s:>13}" for s in states))
    for gold in states:
        print(f"{gold:>13}  " + "".join(f"{confusion[(gold, got)]:>13}" for got in states))
    credited_contradictions = sum(1 for case, _l, got, _p in rows if case["label"] == "contradicted" and got in ("covered", "partial"))  # fmt: skip
    print(f"contradicted replies credited: {credited_contradictions}")
    by_tag = defaultdict(lambda: [0, 0])
    for case, _l, got, _p in rows:
        for tag in case.get("tags") or ["(none)"]:
            by_tag[tag][0] += case["label"] == got
            by_tag[tag][1] += 1
    print("per tag: " + ", ".join(f"{t} {a}/{n}" for t, (a, n) in sorted(by_tag.items())))
    wrong = [(case, got, p) for case, _l, got, p in rows if case["label"] != got]
    for case, got, p in wrong[:errors]:
        print(f"  {case['id']} [{case['label']} -> {got}] {case['point']}: {case['reply']!s:.90}  ({p.get('why')}, {p.get('numbers')})")  # fmt: skip
    return timings


def run_compliance(cases, split, errors):
    from practice.engine.compliance import default_lexicon, find_violations
    from practice.engine.text import split_sentences

    rows = []
    for case in cases:
        if split != "all" and case.get("split") != split:
            continue
        hits = []
        for sentence in split_sentences(case["reply"]):
            hits += find_violations([sentence], default_lexicon())
        rows.append((case, hits))
    print(f"\n== Compliance ({split}: {len(rows)} cases)")
    for name, keep in (("all", lambda c: True), ("zh", lambda c: c["language"].startswith("zh")), ("en", lambda c: c["language"].startswith("en"))):  # fmt: skip
        part = [(c, h) for c, h in rows if keep(c)]
        violations = [(c, h) for c, h in part if c["violation"]]
        clean = [(c, h) for c, h in part if not c["violation"]]
        caught = sum(1 for _c, h in violations if h)
        flagged = sum(1 for _c, h in clean if h)
        negations = [(c, h) for c, h in clean if "negation" in (c.get("tags") or [])]
        print(
            f"{name:>4}: recall {pct(caught, len(violations))}   false flags {pct(flagged, len(clean))}   "
            f"on plain negations {pct(sum(1 for _c, h in negations if h), len(negations))}"
        )
    by_tag = defaultdict(lambda: [0, 0])
    for case, hits in rows:
        for tag in (case.get("tags") or ["(none)"]) + [case.get("category", "")]:
            by_tag[tag][0] += bool(hits) == case["violation"]
            by_tag[tag][1] += 1
    print("per tag/category: " + ", ".join(f"{t} {a}/{n}" for t, (a, n) in sorted(by_tag.items()) if t))
    wrong = [(c, h) for c, h in rows if bool(h) != c["violation"]]
    for case, hits in wrong[:errors]:
        print(f"  {case['id']} [{'violation' if case['violation'] else 'clean'}] {case['reply']:.80}  {[h.match for h in hits]}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="holdout", choices=("tune", "holdout", "all"))
    parser.add_argument("--errors", type=int, default=0, help="print this many disagreements")
    parser.add_argument("--lexical", action="store_true", help="without the sentence encoder")
    args = parser.parse_args()
    if args.lexical:
        os.environ["PRACTICE_SEMANTIC_BACKEND"] = "lexical"
    import django

    django.setup()
    from django.conf import settings

    if args.lexical:
        settings.PRACTICE_SEMANTIC_BACKEND = "lexical"
    from practice.engine import semantic
    from practice.engine.scoring import Scorer

    before = rss_mb()
    started = time.perf_counter()
    matcher = semantic.Matcher()
    load = time.perf_counter() - started
    scenarios, kp_cases, co_cases = load_sets()
    zh = sum(1 for c in kp_cases if scenarios[c["scenario"]].get("language", "zh-hans").startswith("zh"))
    print(f"set: {len(kp_cases)} key-point pairs ({zh} zh, {len(kp_cases) - zh} en; {Counter(c['label'] for c in kp_cases)}); "
          f"{len(co_cases)} compliance cases ({sum(c['violation'] for c in co_cases)} violations)")  # fmt: skip
    print(
        f"backend: {matcher.version}; model load {load:.2f} s; RSS {before:.0f} MB before, {rss_mb():.0f} MB after load"
    )
    splits = ("tune", "holdout") if args.split == "all" else (args.split,)
    timings = []
    for split in splits:
        timings += run_keypoints(scenarios, kp_cases, split, args.errors, Scorer, matcher)
        run_compliance(co_cases, split, args.errors)
    if timings:
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(0.95 * len(timings)))]
        print(
            f"\nscoring per reply: median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms; peak RSS {rss_mb():.0f} MB"
        )


if __name__ == "__main__":
    main()
