"""Practice scorer figures: model load time and memory, 10-turn scoring time after warm-up, and the scorer's
precision/recall on the labelled set (model and lexical fallback), compliance accuracy.

Model load figures come from fresh child processes: the package's own loader (no cache), the first load that
writes the local cache (practice/engine/model_cache.py), and three cached loads; each line carries the machine's
load average, since the machine is shared. The jieba figure on each line is the first Chinese tokenisation of that
process (jieba's dictionary load): in the no-cache row jieba's own loader (its cache file in /tmp, read with
`marshal.load`; a throw-away process writes that file first), in the cached rows ours (`prepare_jieba`), in the
"first load" row jieba building the dictionary from dict.txt. CPU seconds beside it do not depend on the load.

Run: .venv/bin/python tests/bench/bench_practice.py   (prints figures; not a pass/fail test)
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
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


def load_average() -> str:
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def measure_load(cache_dir: str) -> None:
    """Child process: load jieba's dictionary, then the model, with PRACTICE_MODEL_CACHE_DIR=cache_dir
    ("" = no cache: the package's own loader); print one JSON line."""
    import django

    django.setup()
    from django.conf import settings

    settings.PRACTICE_MODEL_CACHE_DIR = cache_dir
    from practice.engine import semantic
    from practice.engine.text import tokens

    t0, c0 = time.perf_counter(), time.process_time()
    tokens("预热分词词典")
    jieba_s, jieba_cpu = time.perf_counter() - t0, time.process_time() - c0
    before = rss_mb()
    t0 = time.perf_counter()
    encoder = semantic.get_encoder()
    load_s = time.perf_counter() - t0
    after = rss_mb()
    print(
        json.dumps(
            {
                "model": encoder.version if encoder else None,
                "jieba": jieba_s,
                "jieba_cpu": jieba_cpu,
                "load": load_s,
                "added": after - before,
                "rss": after,
                "loadavg": load_average(),
            }
        )
    )


def _child(cache_dir: str) -> dict:
    out = subprocess.run(  # noqa: S603 - this script with a path we made
        [sys.executable, __file__, "--measure-load", cache_dir], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def load_figures() -> None:
    """Each figure in a fresh process, with the machine's load average beside it (the machine is shared)."""
    with tempfile.TemporaryDirectory() as cache:
        _child("")  # so that jieba's own /tmp cache exists and the next row measures its reader, not a build
        rows = [("package loader, no cache (before)", _child(""))]
        rows.append(("first load, writes the cache", _child(cache)))
        rows += [(f"cached load #{i + 1}", _child(cache)) for i in range(3)]
    for label, r in rows:
        print(
            f"model load [{label}]: {r['load']:.2f} s, memory added {r['added']:.0f} MB (RSS {r['rss']:.0f} MB); "
            f"jieba dictionary {r['jieba']:.2f} s ({r['jieba_cpu']:.2f} s CPU) — {r['loadavg']}"
        )
    if rows[0][1]["model"] is None:
        print("model: not installed (lexical fallback)")


def main() -> None:
    import django

    load_figures()
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

    tokens("预热分词词典")
    encoder = semantic.get_encoder()
    print(f"model: {encoder.version if encoder else 'not installed (lexical fallback)'} — {load_average()}")

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
    print(
        f"10-turn scoring after warm-up: median {statistics.median(runs):.0f} ms, max {max(runs):.0f} ms "
        f"(20 runs) — {load_average()}"
    )

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
    if len(sys.argv) == 3 and sys.argv[1] == "--measure-load":
        measure_load(sys.argv[2])
    else:
        main()
