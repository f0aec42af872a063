"""Practice scorer figures: model load time and memory, 10-turn scoring time after warm-up, and the scorer's
precision/recall on the labelled set (model and lexical fallback), compliance accuracy.

Run: .venv/bin/python tests/bench/bench_practice.py   (prints figures; not a pass/fail test)
"""

import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    import django

    django.setup()
    from django.test import override_settings

    from practice.engine import semantic
    from practice.engine.compliance import DEFAULT_FORBIDDEN, find_violations
    from practice.engine.scoring import score_transcript
    from practice.engine.text import tokens
    from practice.scenario_library import TOO_EXPENSIVE
    from tests.practice.conftest import GOOD_REPLIES
    from tests.practice.labelled import COMPLIANCE_CASES
    from tests.practice.test_labelled import agreement

    tokens("预热分词词典")  # jieba's dictionary is not part of the model figure
    before = rss_mb()
    started = time.perf_counter()
    encoder = semantic.get_encoder()
    load = time.perf_counter() - started
    after = rss_mb()
    print(f"model: {encoder.version if encoder else 'not installed (lexical fallback)'}")
    print(f"model load: {load:.2f} s, memory added: {after - before:.0f} MB (RSS {after:.0f} MB)")

    spec = TOO_EXPENSIVE["spec"]
    replies = (GOOD_REPLIES * 2)[:10]
    transcript = []
    for text in replies:
        transcript.append(
            {
                "index": len(transcript),
                "speaker": "customer",
                "text": "你们太贵了。",
                "node_id": "open",
                "objection": "price",
            }
        )
        transcript.append(
            {"index": len(transcript), "speaker": "trainee", "text": text, "node_id": "", "objection": None}
        )
    score_transcript(spec, transcript)  # warm-up: reference embeddings cached
    runs = []
    for i in range(20):
        # every sentence made new (a run number before each end mark), so each one is encoded as in real use;
        # only the scenario's reference sentences come from the cache
        fresh = [
            dict(t, text=re.sub(r"(?=[。？！?!.])", f"（{i}）", t["text"])) if t["speaker"] == "trainee" else t
            for t in transcript
        ]
        t0 = time.perf_counter()
        score_transcript(spec, fresh)
        runs.append((time.perf_counter() - t0) * 1000)
    print(f"10-turn scoring after warm-up: median {statistics.median(runs):.0f} ms, max {max(runs):.0f} ms (20 runs)")

    accuracy, precision, recall = agreement(semantic.Matcher())
    print(f"key points, model:   accuracy {accuracy:.3f} precision {precision:.3f} recall {recall:.3f}")
    with override_settings(PRACTICE_SEMANTIC_BACKEND="lexical"):
        accuracy, precision, recall = agreement(semantic.Matcher())
    print(f"key points, lexical: accuracy {accuracy:.3f} precision {precision:.3f} recall {recall:.3f}")
    tp = fp = fn = 0
    for sentence, flagged in COMPLIANCE_CASES:
        got = any(h.severity == "blocker" for h in find_violations([sentence], DEFAULT_FORBIDDEN))
        tp += got and flagged
        fp += got and not flagged
        fn += flagged and not got
    print(
        f"compliance ({len(COMPLIANCE_CASES)} cases): precision {tp / max(1, tp + fp):.3f} recall {tp / max(1, tp + fn):.3f}"
    )


if __name__ == "__main__":
    main()
