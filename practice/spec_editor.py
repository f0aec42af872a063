"""The form-based scenario script editor: a scenario spec to and from flat form fields.

Field names follow the spec paths that `validate_spec` reports (`nodes[0].branches[1].to` is the field
`nodes-0-branches-1-to`), so the one validator's messages land next to the field they concern. List-valued
fields are textareas with one entry a line (synonym groups: one group a line, words separated by commas).
Rows are added and removed by `apply_action` (htmx re-renders the editor; without JS the page does).

Key points get help the validator cannot give: a compound point without `sub_points` shows the split the scorer
will use (`keypoints.split_compound`), prefilled in its field; left as suggested it is not stored (the scorer splits
the current text itself), edited it is. A point without examples gets a warning with generated paraphrases that one
click (`examples-key_point-N`) adds as its examples.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from practice.engine.keypoints import paraphrases, split_compound
from practice.engine.spec import DEFAULT_RUBRIC, DIMENSIONS, MAX_EXAMPLES, rubric_of
from practice.labels import DIMENSION_LABELS

LIST_SPLIT = re.compile(r"[,，、;；\n]+")
ACTION = re.compile(r"^(add|remove|examples)-(node|branch|objection|key_point|forbidden)(?:-(\d+))?(?:-(\d+))?$")
MAX_ROWS = 60
RUBRIC_NUMBERS = ("semantic_threshold", "lexical_threshold", "fallback_lexical_threshold", "branch_margin")
MATCHING_LABELS = {
    "semantic_threshold": _("Semantic match from (model cosine, 0-1)"),
    "lexical_threshold": _("Lexical match from (0-1)"),
    "fallback_lexical_threshold": _("Lexical match without the model (0-1)"),
    "branch_margin": _("Branch margin over the runner-up (0-1)"),
}


@dataclass
class Field:
    name: str
    value: Any = ""
    errors: list = field(default_factory=list)


# --- form data -> spec -------------------------------------------------------------------------------------


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in (raw or "").splitlines() if line.strip()]


def _words(raw: str) -> list[str]:
    return [w.strip() for w in LIST_SPLIT.split(raw or "") if w.strip()]


def _number(raw: str):
    """An int or float from the field; anything else is kept as typed so the validator names the field."""
    raw = (raw or "").strip()
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    try:
        return float(raw)
    except ValueError:
        return raw


def _indexes(data, pattern: str) -> list[int]:
    rx = re.compile(pattern)
    return sorted({int(m.group(1)) for key in data for m in [rx.fullmatch(key)] if m})


def spec_from_post(data) -> dict:
    """The spec the editor's fields describe (a QueryDict or a plain dict of strings)."""
    get = data.get
    spec: dict = {
        "start": (get("start") or "").strip(),
        "max_turns": _number(get("max_turns", "")),
        "fallback_line": (get("fallback_line") or "").strip(),
        "nodes": [],
        "objections": [],
        "key_points": [],
        "forbidden": [],
    }
    if (get("end_line") or "").strip():
        spec["end_line"] = get("end_line").strip()
    if get("use_default_forbidden_shown") and not get("use_default_forbidden"):
        spec["use_default_forbidden"] = False
    for i in _indexes(data, r"nodes-(\d+)-id"):
        p = f"nodes-{i}"
        node: dict = {"id": (get(f"{p}-id") or "").strip(), "lines": _lines(get(f"{p}-lines", ""))}
        if (get(f"{p}-objection") or "").strip():
            node["objection"] = get(f"{p}-objection").strip()
        if get(f"{p}-closing"):
            node["closing"] = True
        for key in ("next", "farewell"):
            if (get(f"{p}-{key}") or "").strip():
                node[key] = get(f"{p}-{key}").strip()
        branches = []
        for j in _indexes(data, rf"{p}-branches-(\d+)-to"):
            b = f"{p}-branches-{j}"
            branches.append(
                {
                    "to": (get(f"{b}-to") or "").strip(),
                    "intents": _lines(get(f"{b}-intents", "")),
                    "keywords": _words(get(f"{b}-keywords", "")),
                }
            )
        if branches:
            node["branches"] = branches
        spec["nodes"].append(node)
    for i in _indexes(data, r"objections-(\d+)-code"):
        p = f"objections-{i}"
        spec["objections"].append(
            {
                "code": (get(f"{p}-code") or "").strip(),
                "label": (get(f"{p}-label") or "").strip(),
                "model_answer": (get(f"{p}-model_answer") or "").strip(),
                "points": _lines(get(f"{p}-points", "")),
            }
        )
    for i in _indexes(data, r"key_points-(\d+)-code"):
        p = f"key_points-{i}"
        kp: dict = {
            "code": (get(f"{p}-code") or "").strip(),
            "canonical": (get(f"{p}-canonical") or "").strip(),
            "examples": _lines(get(f"{p}-examples", "")),
            "synonyms": [_words(line) for line in _lines(get(f"{p}-synonyms", ""))],
        }
        if (get(f"{p}-weight") or "").strip():
            kp["weight"] = _number(get(f"{p}-weight"))
        sub_points = _lines(get(f"{p}-sub_points", ""))
        # the split the editor suggested, left as it was: the scorer makes it from the current text anyway
        if sub_points and sub_points != _lines(get(f"{p}-sub_points_suggested", "")):
            kp["sub_points"] = sub_points
        counter_examples = _lines(get(f"{p}-counter_examples", ""))
        if counter_examples:
            kp["counter_examples"] = counter_examples
        spec["key_points"].append(kp)
    for i in _indexes(data, r"forbidden-(\d+)-pattern"):
        p = f"forbidden-{i}"
        item = {"pattern": (get(f"{p}-pattern") or "").strip(), "severity": get(f"{p}-severity") or "blocker"}
        if (get(f"{p}-note") or "").strip():
            item["note"] = get(f"{p}-note").strip()
        spec["forbidden"].append(item)
    rubric: dict = {"weights": {d: _number(get(f"rubric-weights-{d}", "") or "0") for d in DIMENSIONS}}
    thresholds = {k: _number(get(f"rubric-thresholds-{k}", "")) for k in ("good", "fair")}
    rubric["thresholds"] = {k: v for k, v in thresholds.items() if v != ""}
    for key in ("pass_mark", *RUBRIC_NUMBERS):
        value = _number(get(f"rubric-{key}", ""))
        if value != "":
            rubric[key] = value
    spec["rubric"] = rubric
    return spec


# --- row actions -------------------------------------------------------------------------------------------


def _new_node(spec: dict) -> dict:
    ids = {n.get("id") for n in spec["nodes"]}
    n = len(spec["nodes"]) + 1
    while f"node{n}" in ids:
        n += 1
    return {"id": f"node{n}", "lines": []}


def apply_action(spec: dict, action: str, data=None) -> dict:
    """add-node, remove-node-2, add-branch-2, remove-branch-2-0, add-objection, remove-objection-1, add-key_point,
    remove-key_point-0, add-forbidden, remove-forbidden-3; examples-key_point-0 adds the paraphrases the editor
    offered (posted in `key_points-0-example_suggestions`) to that point's examples. Unknown actions and indexes
    leave the spec alone."""
    m = ACTION.match(action or "")
    if not m:
        return spec
    verb, kind, a, b = m.group(1), m.group(2), m.group(3), m.group(4)
    a = int(a) if a is not None else None
    b = int(b) if b is not None else None
    if verb == "examples":
        if kind == "key_point" and a is not None and 0 <= a < len(spec["key_points"]) and data is not None:
            point = spec["key_points"][a]
            offered = _lines(data.get(f"key_points-{a}-example_suggestions", ""))
            examples = list(dict.fromkeys([*point.get("examples", []), *offered]))
            point["examples"] = examples[:MAX_EXAMPLES]
        return spec
    lists = {"node": "nodes", "objection": "objections", "key_point": "key_points", "forbidden": "forbidden"}
    blanks = {
        "objection": lambda: {"code": "", "label": "", "model_answer": "", "points": []},
        "key_point": lambda: {"code": "", "canonical": "", "examples": [], "synonyms": []},
        "forbidden": lambda: {"pattern": "", "severity": "blocker"},
    }
    if kind == "branch":
        if a is None or not 0 <= a < len(spec["nodes"]):
            return spec
        branches = spec["nodes"][a].setdefault("branches", [])
        if verb == "add" and len(branches) < MAX_ROWS:
            branches.append({"to": "", "intents": [], "keywords": []})
        elif verb == "remove" and b is not None and 0 <= b < len(branches):
            branches.pop(b)
        return spec
    rows = spec[lists[kind]]
    if verb == "add" and len(rows) < MAX_ROWS:
        rows.append(_new_node(spec) if kind == "node" else blanks[kind]())
    elif verb == "remove" and a is not None and 0 <= a < len(rows):
        rows.pop(a)
    return spec


# --- spec (+ errors) -> editor fields ----------------------------------------------------------------------

_LIST_ITEM = re.compile(r"-(lines|intents|keywords|points|examples|synonyms|sub_points|counter_examples)-\d+$")


def field_name(path: str) -> str:
    """`nodes[0].branches[1].to` -> `nodes-0-branches-1-to`; an item of a list field -> the list field."""
    name = path.replace("[", "-").replace("]", "").replace(".", "-")
    return _LIST_ITEM.sub(r"-\1", name)


class _Errors:
    def __init__(self, errors: list[tuple[str, str]]):
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for path, message in errors or ():
            self.by_name[field_name(path)].append(str(message))
        self.used: set[str] = set()

    def field(self, name: str, value: Any = "") -> Field:
        self.used.add(name)
        return Field(name, value, self.by_name.get(name, []))

    def rest(self) -> list[tuple[str, str]]:
        return [(name, m) for name, msgs in self.by_name.items() if name not in self.used for m in msgs]


def _text(value) -> str:
    return "" if value is None else str(value)


def _join_lines(value) -> str:
    return "\n".join(str(v) for v in value) if isinstance(value, list) else _text(value)


def _join_words(value) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else _text(value)


def _key_point_help(kp: dict, language: str) -> dict:
    """The split suggested for a compound point without sub-points, and paraphrases for a point without examples."""
    canonical = kp.get("canonical") if isinstance(kp.get("canonical"), str) else ""
    canonical = canonical.strip()
    suggested: list[str] = []
    if canonical and not kp.get("sub_points"):
        parts = split_compound(canonical)
        suggested = parts if len(parts) > 1 else []
    offered: list[str] = []
    if canonical and not kp.get("examples"):
        offered = [p for p in paraphrases(canonical, language) if isinstance(p, str) and p.strip()][:MAX_EXAMPLES]
    return {"suggested_split": suggested, "offered_examples": offered}


def editor_context(spec: Any, errors: list[tuple[str, str]] | None = None, *, language: str = "zh-hans") -> dict:
    """Everything `_spec_editor.html` renders: fields with their values, the validator's messages, and the key
    points' suggestions (`language` is the scenario's, for the paraphrases)."""
    spec = spec if isinstance(spec, dict) else {}
    e = _Errors(errors or [])
    nodes = []
    for i, node in enumerate(spec.get("nodes") or []):
        node = node if isinstance(node, dict) else {}
        p = f"nodes-{i}"
        branches = []
        for j, br in enumerate(node.get("branches") or []):
            br = br if isinstance(br, dict) else {}
            b = f"{p}-branches-{j}"
            branches.append(
                {
                    "index": j,
                    "row": e.field(b),
                    "to": e.field(f"{b}-to", _text(br.get("to"))),
                    "intents": e.field(f"{b}-intents", _join_lines(br.get("intents") or [])),
                    "keywords": e.field(f"{b}-keywords", _join_words(br.get("keywords") or [])),
                }
            )
        nodes.append(
            {
                "index": i,
                "row": e.field(p),
                "id": e.field(f"{p}-id", _text(node.get("id"))),
                "lines": e.field(f"{p}-lines", _join_lines(node.get("lines") or [])),
                "objection": e.field(f"{p}-objection", _text(node.get("objection"))),
                "closing": e.field(f"{p}-closing", bool(node.get("closing"))),
                "next": e.field(f"{p}-next", _text(node.get("next"))),
                "farewell": e.field(f"{p}-farewell", _text(node.get("farewell"))),
                "branches_field": e.field(f"{p}-branches"),
                "branches": branches,
            }
        )
    objections = []
    for i, obj in enumerate(spec.get("objections") or []):
        obj = obj if isinstance(obj, dict) else {}
        p = f"objections-{i}"
        objections.append(
            {
                "index": i,
                "row": e.field(p),
                "code": e.field(f"{p}-code", _text(obj.get("code"))),
                "label": e.field(f"{p}-label", _text(obj.get("label"))),
                "model_answer": e.field(f"{p}-model_answer", _text(obj.get("model_answer"))),
                "points": e.field(f"{p}-points", _join_lines(obj.get("points") or [])),
            }
        )
    key_points = []
    for i, kp in enumerate(spec.get("key_points") or []):
        kp = kp if isinstance(kp, dict) else {}
        p = f"key_points-{i}"
        synonyms = kp.get("synonyms") or []
        hints = _key_point_help(kp, language)
        suggested = _join_lines(hints["suggested_split"])
        key_points.append(
            {
                "index": i,
                "row": e.field(p),
                "code": e.field(f"{p}-code", _text(kp.get("code"))),
                "canonical": e.field(f"{p}-canonical", _text(kp.get("canonical"))),
                "examples": e.field(f"{p}-examples", _join_lines(kp.get("examples") or [])),
                "synonyms": e.field(
                    f"{p}-synonyms",
                    "\n".join(_join_words(g) for g in synonyms) if isinstance(synonyms, list) else _text(synonyms),
                ),
                "weight": e.field(f"{p}-weight", _text(kp.get("weight"))),
                "sub_points": e.field(f"{p}-sub_points", _join_lines(kp.get("sub_points") or []) or suggested),
                "sub_points_suggested": e.field(f"{p}-sub_points_suggested", suggested),
                "counter_examples": e.field(f"{p}-counter_examples", _join_lines(kp.get("counter_examples") or [])),
                "example_suggestions": e.field(f"{p}-example_suggestions", _join_lines(hints["offered_examples"])),
                "offered_examples": hints["offered_examples"],
                "needs_examples": not kp.get("examples") and bool(_text(kp.get("canonical")).strip()),
            }
        )
    forbidden = []
    for i, item in enumerate(spec.get("forbidden") or []):
        item = item if isinstance(item, dict) else {}
        p = f"forbidden-{i}"
        forbidden.append(
            {
                "index": i,
                "row": e.field(p),
                "pattern": e.field(f"{p}-pattern", _text(item.get("pattern"))),
                "severity": e.field(f"{p}-severity", _text(item.get("severity") or "blocker")),
                "note": e.field(f"{p}-note", _text(item.get("note"))),
            }
        )
    given = spec.get("rubric") if isinstance(spec.get("rubric"), dict) else {}
    try:
        rubric = rubric_of(spec)
    except (TypeError, AttributeError):
        rubric = dict(DEFAULT_RUBRIC)
    weights_given = given.get("weights") if isinstance(given.get("weights"), dict) else rubric["weights"]
    weights = [
        e.field(f"rubric-weights-{d}", _text(weights_given.get(d, 0) if given.get("weights") else rubric["weights"][d]))
        for d in DIMENSIONS
    ]
    thresholds = given.get("thresholds") if isinstance(given.get("thresholds"), dict) else {}
    context = {
        "start": e.field("start", _text(spec.get("start"))),
        "max_turns": e.field("max_turns", _text(spec.get("max_turns"))),
        "fallback_line": e.field("fallback_line", _text(spec.get("fallback_line"))),
        "end_line": e.field("end_line", _text(spec.get("end_line"))),
        "use_default_forbidden": e.field("use_default_forbidden", spec.get("use_default_forbidden", True) is not False),
        "nodes_field": e.field("nodes"),
        "nodes": nodes,
        "node_ids": [n["id"].value for n in nodes if n["id"].value],
        "objections": objections,
        "objection_codes": [o["code"].value for o in objections if o["code"].value],
        "key_points": key_points,
        "forbidden": forbidden,
        "weights": [(d, DIMENSION_LABELS[d], f) for d, f in zip(DIMENSIONS, weights, strict=True)],
        "weights_field": e.field("rubric-weights"),
        "good": e.field("rubric-thresholds-good", _text(thresholds.get("good", rubric["thresholds"]["good"]))),
        "fair": e.field("rubric-thresholds-fair", _text(thresholds.get("fair", rubric["thresholds"]["fair"]))),
        "pass_mark": e.field("rubric-pass_mark", _text(given.get("pass_mark", rubric["pass_mark"]))),
        "matching": [
            (MATCHING_LABELS[k], e.field(f"rubric-{k}", _text(given.get(k, rubric[k])))) for k in RUBRIC_NUMBERS
        ],
    }
    context["other_errors"] = e.rest()
    context["error_count"] = sum(len(m) for m in e.by_name.values())
    context["first_error"] = next(iter(e.by_name), "")
    context["warning_count"] = sum(1 for kp in key_points if kp["needs_examples"])
    return context


def post_data(spec: Any) -> dict[str, str]:
    """The form values the editor shows for `spec` (what a browser would post back unchanged)."""
    data: dict[str, str] = {"use_default_forbidden_shown": "1"}

    def walk(value) -> None:
        if isinstance(value, Field):
            if isinstance(value.value, bool):
                if value.value:
                    data[value.name] = "1"
            elif not re.search(r"(-\d+|-branches|^nodes|^rubric-weights)$", value.name):
                data[value.name] = str(value.value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(editor_context(spec))
    return data


def unchanged(posted: dict, saved: Any) -> bool:
    """True when the editor's spec is what the saved spec shows as (so saving it changes nothing)."""
    return posted == spec_from_post(post_data(saved))
