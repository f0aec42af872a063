"""A scenario's script built from its description (the brief): what a trainer fills in on the form-first editor.

The brief is plain data kept in the spec under `brief` (so re-opening the form shows it):

    {"opening": "...", "closing": "...", "fallback": "...",
     "objections": [{"says": "...", "answer": ["what a good answer contains", ...], "examples": ["...", ...]}],
     "key_points": [{"point": "...", "examples": [...], "sub_points": [...], "counter_examples": [...]}],
     "forbidden": ["phrase", ...], "use_default_forbidden": true,
     "pass_mark": 60, "weights": {"key_points": 25, ...}, "built": "<fingerprint>"}

`spec_from_brief` turns it into the graph the engine plays (deterministic: the same brief, the same spec): the
customer opens; any reply moves on to the first objection; each objection node takes the answer examples and points
as its intents to the next objection (or the closing line). An answer that matches none of them gets one push-back
("press" node, no new objection) and the talk then moves on whatever is said, so a conversation always ends.

`built` is the fingerprint of the graph the brief made; `brief_applies` compares it with the spec as it is now: a
script edited in the expert view (or as JSON) no longer matches, and the form then refuses to overwrite it.
"""

import copy
import hashlib
import json
from typing import Any

from django.utils.translation import gettext as _

from lms.storable import text_problem
from practice.engine.spec import (
    DEFAULT_RUBRIC,
    DEFAULT_WEIGHTS,
    DIMENSIONS,
    MAX_COUNTER_EXAMPLES,
    MAX_EXAMPLES,
    MAX_ITEM_CHARS,
    MAX_SUB_POINTS,
)

MAX_OBJECTIONS = 12
MAX_KEY_POINTS = 12
MAX_ANSWER_POINTS = 6
MAX_FORBIDDEN = 30
MAX_LINE_CHARS = 500  # what the customer says in one turn
MAX_FORBIDDEN_CHARS = 60
LABEL_CHARS = 40

DEFAULT_LINES = {
    "zh-hans": {
        "fallback": "我没太听明白，您能具体说说吗？",
        "closing": "好的，你说的我大概了解了。那你把方案发给我，我们再约时间细谈。",
        "press": "这个我还是有点顾虑，您能再具体说说吗？",
    },
    "en": {
        "fallback": "Sorry, I didn't quite follow. Could you be more specific?",
        "closing": "OK, I get the picture. Send me a proposal and let's set up a time to talk it through.",
        "press": "I'm still not convinced. Could you be more specific?",
    },
}


def default_lines(language: str) -> dict[str, str]:
    return DEFAULT_LINES["en"] if (language or "").startswith("en") else DEFAULT_LINES["zh-hans"]


def empty_brief() -> dict:
    """The form of a new scenario: one objection and one key point to fill in, the default rubric."""
    return {
        "opening": "",
        "closing": "",
        "fallback": "",
        "objections": [{"says": "", "answer": [], "examples": []}],
        "key_points": [{"point": "", "examples": [], "sub_points": [], "counter_examples": []}],
        "forbidden": [],
        "use_default_forbidden": True,
        "pass_mark": DEFAULT_RUBRIC["pass_mark"],
        "weights": dict(DEFAULT_WEIGHTS),
    }


# --- checking a brief ------------------------------------------------------------------------------------------


def _check_text(value: Any, name: str, errors: list, *, required: bool, max_chars: int) -> None:
    if not isinstance(value, str):
        errors.append((name, _("Must be a text.")))
        return
    if problem := _broken(value):
        errors.append((name, problem))
    elif required and not value.strip():
        errors.append((name, _("This field is required.")))
    elif len(value) > max_chars:
        errors.append((name, _("At most %(n)s characters (now %(len)s).") % {"n": max_chars, "len": len(value)}))


def _broken(value: str) -> str:
    # a form post cannot carry a lone surrogate: Django decodes it as U+FFFD, which is as broken to the trainer
    if "\ufffd" in value:
        return _("Contains a broken character (�, often half of an emoji); remove it and save again.")
    return text_problem(value)


def _check_items(value: Any, name: str, errors: list, *, max_items: int, max_chars: int = MAX_ITEM_CHARS) -> None:
    if not isinstance(value, list):
        errors.append((name, _("Must be a list of texts.")))
        return
    if len(value) > max_items:
        errors.append((name, _("At most %(n)s entries, one a line (now %(count)s).") % {"n": max_items, "count": len(value)}))  # fmt: skip
        return
    for k, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            errors.append((name, _("Line %(k)s is empty.") % {"k": k + 1}))
        elif problem := _broken(item):
            errors.append((name, _("Line %(k)s: %(problem)s") % {"k": k + 1, "problem": problem}))
        elif len(item) > max_chars:
            errors.append((name, _("Line %(k)s is longer than %(n)s characters.") % {"k": k + 1, "n": max_chars}))


def _check_number(value: Any, name: str, errors: list, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        errors.append((name, _("Enter a number from %(lo)s to %(hi)s.") % {"lo": lo, "hi": hi}))


def brief_errors(brief: Any) -> list[tuple[str, str]]:  # noqa: C901 - one walk over the form
    """(form field name, message) for everything wrong in the brief; [] when `spec_from_brief` can build it."""
    if not isinstance(brief, dict):
        return [("brief", _("The description is missing."))]
    errors: list[tuple[str, str]] = []
    _check_text(brief.get("opening"), "brief-opening", errors, required=True, max_chars=MAX_LINE_CHARS)
    for key in ("closing", "fallback"):
        _check_text(brief.get(key, ""), f"brief-{key}", errors, required=False, max_chars=MAX_LINE_CHARS)
    objections = brief.get("objections")
    if not isinstance(objections, list) or not objections:
        errors.append(("brief-objections", _("Add at least one objection the customer raises.")))
        objections = []
    elif len(objections) > MAX_OBJECTIONS:
        errors.append(
            (
                "brief-objections",
                _("At most %(n)s objections in one scenario (now %(count)s): split it into several scenarios.")
                % {"n": MAX_OBJECTIONS, "count": len(objections)},
            )
        )
        objections = []
    for i, obj in enumerate(objections):
        p = f"brief-objections-{i}"
        if not isinstance(obj, dict):
            errors.append((p, _("Must be an object.")))
            continue
        _check_text(obj.get("says"), f"{p}-says", errors, required=True, max_chars=MAX_LINE_CHARS)
        _check_items(obj.get("answer"), f"{p}-answer", errors, max_items=MAX_ANSWER_POINTS)
        _check_items(obj.get("examples"), f"{p}-examples", errors, max_items=MAX_EXAMPLES)
        if isinstance(obj.get("answer"), list) and not obj["answer"]:
            errors.append((f"{p}-answer", _("Say what a good answer contains (one point a line).")))
    key_points = brief.get("key_points")
    if not isinstance(key_points, list):
        errors.append(("brief-key_points", _("Must be a list.")))
        key_points = []
    elif len(key_points) > MAX_KEY_POINTS:
        errors.append(
            (
                "brief-key_points",
                _("At most %(n)s key points (now %(count)s).") % {"n": MAX_KEY_POINTS, "count": len(key_points)},
            )  # fmt: skip
        )
        key_points = []
    for i, kp in enumerate(key_points):
        p = f"brief-key_points-{i}"
        if not isinstance(kp, dict):
            errors.append((p, _("Must be an object.")))
            continue
        _check_text(kp.get("point"), f"{p}-point", errors, required=True, max_chars=MAX_ITEM_CHARS)
        _check_items(kp.get("examples"), f"{p}-examples", errors, max_items=MAX_EXAMPLES)
        _check_items(kp.get("sub_points"), f"{p}-sub_points", errors, max_items=MAX_SUB_POINTS)
        _check_items(kp.get("counter_examples"), f"{p}-counter_examples", errors, max_items=MAX_COUNTER_EXAMPLES)
    forbidden = brief.get("forbidden", [])
    _check_items(forbidden, "brief-forbidden", errors, max_items=MAX_FORBIDDEN, max_chars=MAX_FORBIDDEN_CHARS)
    if isinstance(forbidden, list) and not any(n == "brief-forbidden" for n, _m in errors):
        for k, item in enumerate(forbidden):
            if item.replace("*", "").strip() == "":
                errors.append(("brief-forbidden", _("Line %(k)s needs some words besides the * gaps.") % {"k": k + 1}))
    _check_number(brief.get("pass_mark"), "brief-pass_mark", errors, 0, 100)
    weights = brief.get("weights")
    if not isinstance(weights, dict) or set(weights) - set(DIMENSIONS):
        errors.append(("brief-weights", _("Unknown rubric dimensions.")))
    else:
        for d in DIMENSIONS:
            _check_number(weights.get(d, 0), f"brief-weights-{d}", errors, 0, 100)
        numbers = [weights.get(d, 0) for d in DIMENSIONS]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
            if round(sum(numbers), 6) != 100:
                errors.append(
                    (
                        "brief-weights",
                        _("The weights must add up to 100 (now %(sum)s).") % {"sum": round(sum(numbers), 2)},
                    )  # fmt: skip
                )
    return errors


# --- building the spec -----------------------------------------------------------------------------------------


def _label(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def spec_from_brief(brief: dict, *, language: str = "zh-hans") -> dict:
    """The spec (graph, objections, key points, forbidden phrases, rubric) a valid brief describes, with the brief
    and its fingerprint kept under `brief`. The same brief always gives the same spec."""
    lines = default_lines(language)
    objections = brief["objections"]
    count = len(objections)
    nodes: list[dict] = []
    spec_objections: list[dict] = []
    first = "objection-1" if count else "close"
    nodes.append({"id": "open", "lines": [brief["opening"].strip()], "next": first})
    for i, obj in enumerate(objections, start=1):
        code = f"objection-{i}"
        after = f"objection-{i + 1}" if i < count else "close"
        points = [p.strip() for p in obj["answer"]]
        examples = [e.strip() for e in obj.get("examples") or []]
        says = obj["says"].strip()
        spec_objections.append(
            {
                "code": code,
                "label": _label(says),
                "model_answer": examples[0] if examples else points[0],
                "points": points,
            }
        )
        intents = list(dict.fromkeys([*examples, *points]))
        nodes.append(
            {
                "id": code,
                "lines": [says],
                "objection": code,
                "branches": [{"to": after, "intents": intents, "keywords": []}],
                "next": f"{code}-press",
            }
        )
        # one push-back when the answer matched nothing, then the talk moves on whatever is said
        nodes.append(
            {
                "id": f"{code}-press",
                "lines": [lines["press"]],
                "branches": [{"to": after, "intents": intents, "keywords": []}],
                "next": after,
            }
        )
    nodes.append({"id": "close", "lines": [(brief.get("closing") or "").strip() or lines["closing"]], "closing": True})
    key_points = []
    for i, kp in enumerate(brief.get("key_points") or [], start=1):
        point: dict = {
            "code": f"point-{i}",
            "canonical": kp["point"].strip(),
            "examples": [e.strip() for e in kp.get("examples") or []],
            "synonyms": [],
        }
        if kp.get("sub_points"):
            point["sub_points"] = [s.strip() for s in kp["sub_points"]]
        if kp.get("counter_examples"):
            point["counter_examples"] = [c.strip() for c in kp["counter_examples"]]
        key_points.append(point)
    rubric = copy.deepcopy(DEFAULT_RUBRIC)
    rubric["weights"] = {d: brief["weights"].get(d, 0) for d in DIMENSIONS}
    rubric["pass_mark"] = brief["pass_mark"]
    spec: dict = {
        "start": "open",
        # every objection may take a push-back, plus the opening and the closing replies
        "max_turns": min(50, 2 * count + 3),
        "fallback_line": (brief.get("fallback") or "").strip() or lines["fallback"],
        "nodes": nodes,
        "objections": spec_objections,
        "key_points": key_points,
        "forbidden": [{"pattern": f.strip(), "severity": "blocker"} for f in brief.get("forbidden") or []],
        "rubric": rubric,
    }
    if brief.get("use_default_forbidden", True) is False:
        spec["use_default_forbidden"] = False
    kept = {k: copy.deepcopy(v) for k, v in brief.items() if k != "built"}
    kept["built"] = fingerprint(spec)
    spec["brief"] = kept
    return spec


def fingerprint(spec: dict) -> str:
    """A hash of everything in the spec but the brief: what the engine plays."""
    played = {k: v for k, v in spec.items() if k != "brief"}
    raw = json.dumps(played, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def brief_of(spec: Any) -> dict | None:
    brief = spec.get("brief") if isinstance(spec, dict) else None
    return brief if isinstance(brief, dict) else None


def brief_applies(spec: Any) -> bool:
    """True when the spec was built from its brief and nothing has changed it since (so the form may edit it)."""
    brief = brief_of(spec)
    return brief is not None and brief.get("built") == fingerprint(spec)
