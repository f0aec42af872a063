"""Judging key points: does what the salesperson said state each point of the scenario?

A point is judged on spans of the trainee's words: each sentence, each clause of a long sentence, and each two
consecutive sentences (in one turn or in two consecutive trainee turns), so a point said over two sentences
counts and a point buried in a long turn is found. For a span and a point:

- similarity: the best, over the point's content (its text without the instruction verb), its text and its
  examples, of the sentence encoder's cosine and the lexical containment, each against its own threshold;
- mode: a point to tell is not stated by a question about it; a point to ask needs a question;
- polarity: a span on the point's topic that asserts the opposite (keypoints.polarity_clash) contradicts it;
- counter-examples: a span nearer a typical wrong answer than to the point is not credited and contradicts it.

Compound points are judged part by part (the trainer's `sub_points`, else `keypoints.split_compound`): all
parts covered is covered, some is partial (credit in proportion), a contradicted part contradicts the point.
An optional LLM judge (practice.engine.llm) re-checks the verdicts near the thresholds.
"""

import re

from practice.engine import keypoints as kp
from practice.engine.text import has_cjk, normalise, text_length

POINT_STATES = ("covered", "partial", "missed", "contradicted")
MIN_LENGTH = 3  # characters (Chinese) or words (English) a span needs to state anything
LONG_SENTENCE = 24  # sentences longer than this are also judged clause by clause
ON_TOPIC = 0.85  # a span this close (as a share of the threshold) can contradict a point
OFF_TOPIC = 0.55  # below this, the nearest sentence was about something else
BORDERLINE = (0.8, 1.25)  # verdicts the LLM judge re-checks


SENTENCE, CLAUSE, PAIR = "sentence", "clause", "pair"


def _spans(units: list[tuple[dict, str]]) -> list[tuple[int, str, str]]:
    """(turn index, text, kind) for every span judged: sentences, clauses of long sentences, and pairs."""
    spans: list[tuple[int, str, str]] = []
    for k, (turn, sentence) in enumerate(units):
        spans.append((turn["index"], sentence, SENTENCE))
        if text_length(sentence) > LONG_SENTENCE:
            clauses = [c for c in kp.CLAUSE.split(sentence) if c and text_length(c) >= MIN_LENGTH]
            if len(clauses) > 1:
                spans.extend((turn["index"], c.strip(), CLAUSE) for c in clauses)
        if k + 1 < len(units):
            spans.append((turn["index"], sentence + " " + units[k + 1][1], PAIR))
    return spans


def _refs(text: str, examples: list[str]) -> list[str]:
    """The point's content, its text, each alternative of a "A/B" content, and its examples."""
    content = kp.instruction(text).content
    refs = [content] if content else []
    if "/" in content:
        refs += [alt.strip() for alt in content.split("/") if alt.strip()]
    refs += [normalise(text)] + [normalise(e) for e in examples]
    return list(dict.fromkeys(r for r in refs if r.strip()))


def _example_parts(sub: str, examples: list[str]) -> list[str]:
    """The clause of each example of a compound point nearest the part (by shared characters or words): the
    part's own model sentence, so a part is judged on an example too."""
    content = set(kp.instruction(sub).content.lower())
    out = []
    for example in examples:
        clauses = [c.strip() for c in kp.CLAUSE.split(normalise(example)) if c and text_length(c) >= MIN_LENGTH]
        if not clauses:
            continue
        best = max(clauses, key=lambda c: len(content & set(c.lower())) / (len(content) or 1))
        if len(content & set(best.lower())) >= max(2, len(content) // 3):
            out.append(best)
    return out


class _Table:
    """Similarities of every span with every reference, computed in one batch."""

    def __init__(self, spans: list[str], references: list[str], matcher, rubric: dict, synonyms):
        self.index = {r: j for j, r in enumerate(references)}
        self.sem, self.lex = matcher.similarities(spans, references, synonyms) if spans and references else ([], [])
        self.st = rubric["semantic_threshold"]
        self.lt = rubric["lexical_threshold" if matcher.encoder else "fallback_lexical_threshold"]
        self.model = matcher.encoder is not None

    def best(self, i: int, references: list[str]) -> tuple[float, str, float, float]:
        """(key, reference, semantic, lexical): key is how far past its threshold the better signal is."""
        out = (0.0, "", 0.0, 0.0)
        for ref in references:
            j = self.index[ref]
            sem, lex = self.sem[i][j], self.lex[i][j]
            key = max(sem / self.st if self.model else 0.0, lex / self.lt)
            if key > out[0]:
                out = (key, ref, sem, lex)
        return out


def _judge_one(text: str, examples: list[str], counters: list[str], spans, table: _Table, *, own_text=True) -> dict:
    """The verdict on one (sub-)point; `own_text=False` judges a compound point on its examples only (its text
    shares words with each part, so only a model answer stands for all parts at once)."""
    mode = kp.instruction(text).mode
    refs = _refs(text, examples) if own_text else [normalise(e) for e in examples]
    counter_refs = [normalise(c) for c in counters]
    best_cover = best_clash = nearest = None
    for i, (turn, span, kind) in enumerate(spans):
        key, ref, sem, lex = table.best(i, refs)
        numbers = {"semantic": round(sem, 2), "lexical": round(lex, 2)}
        row = {"turn": turn, "quote": span, "key": key, "numbers": numbers, "why": None}
        if nearest is None or key > nearest["key"]:
            nearest = row
        if key < ON_TOPIC:
            continue
        counter_key = table.best(i, counter_refs)[0] if counter_refs else 0.0
        question = kp.is_question(span)
        if counter_key >= 1.0 and counter_key >= key and not _clashes_all(counter_refs, span):
            row["why"] = "counter_example"
        elif mode != kp.ASK and kind != CLAUSE and not question and kp.polarity_clash(ref, span):
            # (a clause alone lacks the context of its sentence: 不是药，降压药该怎么吃还怎么吃)
            row["why"] = "opposite"
        row["order"] = i
        if row["why"]:
            if best_clash is None or key > best_clash["key"]:
                best_clash = row
            continue
        if key < 1.0:
            continue
        if text_length(span) < MIN_LENGTH:
            row["why"] = "too_short"
        elif mode == kp.TELL and question and _asks_about(span):
            row["why"] = "asked_not_told"
        elif mode == kp.ASK and not kp.asks(span) and not question:
            row["why"] = "told_not_asked"
        if row["why"]:
            if nearest["key"] <= key:
                nearest = row
            continue
        if best_cover is None or key > best_cover["key"]:
            best_cover = row
    # Said both ways: the later statement stands (a correction, or a retraction).
    if best_clash is not None and (best_cover is None or best_clash["order"] > best_cover["order"]):
        return {"state": "contradicted", **best_clash}
    if best_cover is not None:
        return {"state": "covered", **best_cover}
    if nearest is None:
        return {"state": "missed", "turn": None, "quote": None, "key": 0.0, "numbers": {}, "why": "off_topic"}
    why = nearest["why"] or ("off_topic" if nearest["key"] < OFF_TOPIC else "not_stated")
    return {"state": "missed", **nearest, "why": why}


def _clashes_all(counters: list[str], span: str) -> bool:
    """The span says the opposite of every counter-example it resembles (so it is not one of them)."""
    return all(kp.polarity_clash(c, span) for c in counters)


def _asks_about(span: str) -> bool:
    """A question that asks the customer rather than a statement with a check-back ("…，您看可以吗？")."""
    text = normalise(span)
    tail = kp.CLAUSE.split(text.rstrip("?？ "))[-1]
    if re.search(r"(.)[不没]\1", tail):  # 赔不赔, 有没有
        return True
    return any(q in tail for q in ("吗", "呢", "是不是", "什么", "怎么", "多少", "哪")) or (
        not has_cjk(text)
        and bool(re.match(r"(?:is|are|do|does|did|can|could|would|will|what|how|which|why)\b", text.lower()))
    )


def judge_points(points: list[dict], units: list[tuple[dict, str]], *, matcher, rubric: dict, judge=None) -> list:
    """One verdict per key point, in order: {"code", "text", "state", "credit", "quote", "turn", "why",
    "sub_points": [{"text", "state", "quote", "turn", "why"}], "numbers"}."""
    spans = _spans(units)
    span_texts = [s for _t, s, _kind in spans]
    plans = []
    references: list[str] = []
    synonyms: list = []
    for point in points:
        subs = [s for s in (point.get("sub_points") or []) if s.strip()] or kp.split_compound(point["canonical"])
        examples = point.get("examples") or []
        counters = point.get("counter_examples") or []
        plans.append((point, subs, examples, counters))
        references += _refs(point["canonical"], examples) + [normalise(c) for c in counters]
        for sub in subs:
            references += _refs(sub, _example_parts(sub, examples))
        synonyms += point.get("synonyms") or []
    references = list(dict.fromkeys(references))
    table = _Table(span_texts, references, matcher, rubric, synonyms)
    results = []
    for point, subs, examples, counters in plans:
        whole = _judge_one(point["canonical"], examples, counters, spans, table, own_text=not subs)
        sub_results = []
        if subs:
            for sub in subs:
                one = _judge_one(sub, _example_parts(sub, examples), counters, spans, table)
                sub_results.append({"text": sub, **_public(one)})
            result = _combine(whole, sub_results)
        else:
            result = {**whole, "credit": 1.0 if whole["state"] == "covered" else 0.0}
        if judge is not None and (result["state"] != "missed" or result["key"] >= BORDERLINE[0]):
            result = _recheck(judge, point, subs, result, spans)
        results.append(
            {
                "code": point["code"],
                "text": point["canonical"],
                **_public(result),
                "credit": round(result["credit"], 2),
                "sub_points": sub_results,
            }
        )
    return results


def _public(row: dict) -> dict:
    return {k: row.get(k) for k in ("state", "quote", "turn", "why", "numbers")}


def _combine(whole: dict, subs: list[dict]) -> dict:
    """A compound point from its parts; the whole point's own match (one of its examples) covers the parts too."""
    states = [s["state"] for s in subs]
    if "contradicted" in states:
        clash = next(s for s in subs if s["state"] == "contradicted")
        return {**whole, **clash, "state": "contradicted", "credit": 0.0}
    if whole["state"] == "contradicted":
        return {**whole, "credit": 0.0}
    covered = states.count("covered")
    if covered == len(subs):
        first = next(s for s in subs if s["state"] == "covered")
        return {**whole, **first, "state": "covered", "credit": 1.0, "why": None}
    if covered:
        first = next(s for s in subs if s["state"] == "covered")
        return {**whole, **first, "state": "partial", "credit": covered / len(subs), "why": None}
    return {**whole, "state": "missed", "credit": 0.0}


def _recheck(judge, point: dict, subs: list[str], result: dict, spans) -> dict:
    """The LLM judge's verdict replaces ours when ours is near a threshold and the judge answers."""
    if BORDERLINE[0] <= result.get("key", 0.0) <= BORDERLINE[1] or result["state"] == "contradicted":
        sentences = list(dict.fromkeys(s for _t, s, kind in spans if kind == SENTENCE))
        language = "zh-hans" if has_cjk(point["canonical"]) else "en"
        verdict = judge.verdict(point=point["canonical"], sub_points=subs, sentences=sentences, language=language)
        if verdict is not None and verdict.label in POINT_STATES:
            credit = {"covered": 1.0, "partial": 0.5, "missed": 0.0, "contradicted": 0.0}[verdict.label]
            if verdict.label == "partial" and subs:
                credit = len(verdict.sub_points_covered) / len(subs)
            quote = sentences[verdict.sentence] if verdict.sentence is not None and verdict.sentence < len(sentences) else result["quote"]  # fmt: skip
            why = {"contradicted": "opposite", "missed": result.get("why") or "not_stated"}.get(verdict.label)
            return {**result, "state": verdict.label, "credit": credit, "quote": quote, "why": why, "judge": True}
    return result
