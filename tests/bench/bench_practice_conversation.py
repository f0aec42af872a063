"""The scripted customer in conversation: plays tests/practice/eval/conversations.yaml over the shipped scenarios and
prints, per conversation and per way of playing (in order; responsive: the reply written for the customer's current
line), the replies played, how the customer chose its answers (matched a branch, advanced when unsure, fallback
line), whether the call reached the closing line, and the median and p95 milliseconds per customer turn.
"understood" is the share of replies that match a branch when heard right after the line they were written for.

Times are measured after a warm-up (the sentence model, jieba and the scenarios' reference embeddings loaded); the
replies' own embeddings are not cached beforehand, as for a real reply.

Run: .venv/bin/python tests/bench/bench_practice_conversation.py [--lexical] [--show]
     (--lexical: without the sentence model; --show: print each exchange; prints figures, not a pass/fail test)
"""

import argparse
import os
import statistics
import sys
from collections import Counter, OrderedDict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")

MATCHED = ("semantic", "lexical", "keyword", "next")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lexical", action="store_true", help="match without the sentence model")
    parser.add_argument("--show", action="store_true", help="print every exchange")
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings

    if args.lexical:
        settings.PRACTICE_SEMANTIC_BACKEND = "lexical"
    from practice.engine.customers import ScriptedCustomer
    from practice.engine.semantic import model_version
    from tests.practice.test_customer_conversation import SCENARIO_SPECS, load_conversations, play, understood

    conversations = load_conversations()
    customer = ScriptedCustomer()
    for conversation in conversations:  # warm-up: the model, jieba and every reference embedding, no reply's
        spec = SCENARIO_SPECS[conversation["scenario"]]["spec"]
        for node in spec["nodes"]:
            customer.score_branches(spec=spec, node=node, reply="预热，warm-up。")
    # the embeddings cache as the warm-up left it, put back before each play, so that the same replies played twice
    # are embedded twice, as new text would be
    encoder = customer.matcher.encoder
    warm = OrderedDict(encoder._cache) if encoder is not None else None
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    print(f"matching: {model_version()}  conversations: {len(conversations)}  load {load} (the machine is shared)")
    print(
        f"{'conversation':<18} {'play':<10} {'played':>6} {'matched':>7} {'advance':>7} {'fallback':>8} "
        f"{'closed':>6} {'median ms':>9} {'p95 ms':>6}"
    )
    totals = {False: Counter(), True: Counter()}
    times: dict[bool, list[float]] = {False: [], True: []}
    hit = judged = 0
    for conversation in conversations:
        for responsive in (False, True):
            if encoder is not None:
                encoder._cache = OrderedDict(warm)
            played = play(conversation, customer, responsive=responsive)
            hows = Counter(t.matched_by for t in played.turns[1:])
            hows["played"] = len(played.said)
            hows["closed"] = int(any(t.trace.get("reason") == "closing" for t in played.turns))
            totals[responsive].update(hows)
            times[responsive] += played.ms
            print(
                f"{conversation['id'] if not responsive else '':<18} {'responsive' if responsive else 'in order':<10} "
                f"{len(played.said):>6} {sum(hows[h] for h in MATCHED):>7} {hows['advance']:>7} {hows['fallback']:>8} "
                f"{'yes' if hows['closed'] else 'no':>6} {statistics.median(played.ms):>9.1f} {p95(played.ms):>6.1f}"
            )
            if args.show:
                print(f"    C: {played.turns[0].text}")
                for said, turn in zip(played.said, played.turns[1:], strict=True):
                    print(f"    S: {said}")
                    scores = {k: turn.trace[k] for k in ("branches", "scores") if k in turn.trace}
                    print(f"    C [{turn.matched_by} → {turn.node_id}] {turn.text}  {scores}")
        h, n = understood(conversation, customer)
        hit, judged = hit + h, judged + n
    for responsive in (False, True):
        t = totals[responsive]
        print(
            f"{'all' if not responsive else '':<18} {'responsive' if responsive else 'in order':<10} {t['played']:>6} "
            f"{sum(t[h] for h in MATCHED):>7} {t['advance']:>7} {t['fallback']:>8} {t['closed']:>6} "
            f"{statistics.median(times[responsive]):>9.1f} {p95(times[responsive]):>6.1f}"
        )
    print(f"understood (a branch matched right after the line written for): {hit}/{judged}")


if __name__ == "__main__":
    main()
