"""The scenario spec: the JSON a trainer edits (customer turn graph, objections, key points, forbidden
phrases, rubric). `validate_spec` returns the errors with the path they concern, e.g.
`nodes[2].branches[0].to`, so the editor and the importer can point at the field."""

from typing import Any

from django.utils.translation import gettext as _

DIMENSIONS = ("key_points", "objections", "compliance", "discovery", "empathy", "conciseness", "close")
DEFAULT_WEIGHTS = {
    "key_points": 25,
    "objections": 20,
    "compliance": 10,
    "discovery": 15,
    "empathy": 10,
    "conciseness": 5,
    "close": 15,
}
DEFAULT_RUBRIC = {
    "weights": DEFAULT_WEIGHTS,
    "thresholds": {"good": 75, "fair": 50},
    "pass_mark": 60,
    # A reply covers a reference when the cosine reaches semantic_threshold (model) or the lexical
    # containment reaches lexical_threshold; branches need branch_margin over the runner-up.
    # Calibrated on tests/practice/labelled.py (see tests/bench/bench_practice.py).
    "semantic_threshold": 0.45,
    "lexical_threshold": 0.5,
    # used instead of lexical_threshold when the model is not installed
    "fallback_lexical_threshold": 0.3,
    "branch_margin": 0.05,
}
SEVERITIES = ("blocker", "warning")
# Node ids and objection codes are stored with each turn (Turn.node_id, Turn.objection: 60 characters).
MAX_ID_CHARS = 60
MAX_EXAMPLES = 5
MAX_SUB_POINTS = 6
MAX_COUNTER_EXAMPLES = 5
MAX_ITEM_CHARS = 300  # one sub-point or counter-example: a sentence, not a paragraph


class SpecError(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{p}: {m}" for p, m in errors))


def rubric_of(spec: dict) -> dict:
    """The rubric with defaults filled in (weights missing from the spec count 0 if others are given)."""
    rubric = dict(DEFAULT_RUBRIC)
    given = spec.get("rubric") or {}
    rubric.update({k: v for k, v in given.items() if k != "weights"})
    rubric["weights"] = {**{d: 0 for d in DIMENSIONS}, **given["weights"]} if given.get("weights") else DEFAULT_WEIGHTS
    rubric["thresholds"] = {**DEFAULT_RUBRIC["thresholds"], **(given.get("thresholds") or {})}
    return rubric


def _str_list(value: Any, path: str, errors: list, *, required: bool = False, max_items: int = 50) -> None:
    if value is None and not required:
        return
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        errors.append((path, _("must be a list of non-empty texts")))
    elif required and not value:
        errors.append((path, _("must have at least one entry")))
    elif len(value) > max_items:
        errors.append((path, _("has more than %(n)s entries") % {"n": max_items}))


def _text_items(value: Any, path: str, errors: list, *, max_items: int, max_chars: int = MAX_ITEM_CHARS) -> None:
    """An optional list of texts; a bad entry is named by its index (`key_points[2].sub_points[0]`)."""
    if value is None:
        return
    if not isinstance(value, list):
        errors.append((path, _("must be a list of non-empty texts")))
        return
    if len(value) > max_items:
        errors.append((path, _("has more than %(n)s entries") % {"n": max_items}))
    for k, item in enumerate(value[: max_items + 1]):
        if not isinstance(item, str) or not item.strip():
            errors.append((f"{path}[{k}]", _("must be a non-empty text")))
        elif len(item) > max_chars:
            errors.append((f"{path}[{k}]", _("must be at most %(n)s characters") % {"n": max_chars}))


def _text(value: Any, path: str, errors: list, *, required: bool = True) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append((path, _("must be a non-empty text")))


def _number(value: Any, path: str, errors: list, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        errors.append((path, _("must be a number from %(lo)s to %(hi)s") % {"lo": lo, "hi": hi}))


def validate_spec(spec: Any) -> list[tuple[str, str]]:  # noqa: C901 - one walk over the document
    errors: list[tuple[str, str]] = []
    if not isinstance(spec, dict):
        return [("spec", _("must be an object"))]
    nodes = spec.get("nodes")
    node_ids: set[str] = set()
    if not isinstance(nodes, list) or not nodes:
        errors.append(("nodes", _("must be a non-empty list of customer turns")))
        nodes = []
    for i, node in enumerate(nodes):
        path = f"nodes[{i}]"
        if not isinstance(node, dict):
            errors.append((path, _("must be an object")))
            continue
        nid = node.get("id")
        if not isinstance(nid, str) or not nid.strip():
            errors.append((f"{path}.id", _("must be a non-empty text")))
        elif len(nid) > MAX_ID_CHARS:
            errors.append((f"{path}.id", _("must be at most %(n)s characters") % {"n": MAX_ID_CHARS}))
        elif nid in node_ids:
            errors.append((f"{path}.id", _("duplicate node id “%(id)s”") % {"id": nid}))
        else:
            node_ids.add(nid)
        _str_list(node.get("lines"), f"{path}.lines", errors, required=True)
    objection_codes = set()
    objections = spec.get("objections", [])
    if not isinstance(objections, list):
        errors.append(("objections", _("must be a list")))
        objections = []
    for i, obj in enumerate(objections):
        path = f"objections[{i}]"
        if not isinstance(obj, dict):
            errors.append((path, _("must be an object")))
            continue
        _text(obj.get("code"), f"{path}.code", errors)
        _text(obj.get("label"), f"{path}.label", errors)
        _text(obj.get("model_answer"), f"{path}.model_answer", errors)
        _str_list(obj.get("points"), f"{path}.points", errors, required=True)
        if isinstance(obj.get("code"), str) and len(obj["code"]) > MAX_ID_CHARS:
            errors.append((f"{path}.code", _("must be at most %(n)s characters") % {"n": MAX_ID_CHARS}))
        elif isinstance(obj.get("code"), str):
            objection_codes.add(obj["code"])
    for i, node in enumerate(nodes):
        if not isinstance(node, dict):
            continue
        path = f"nodes[{i}]"
        objection = node.get("objection")
        if objection not in (None, "") and not (isinstance(objection, str) and objection in objection_codes):
            errors.append((f"{path}.objection", _("unknown objection “%(code)s”") % {"code": node.get("objection")}))
        if not isinstance(node.get("closing", False), bool):
            errors.append((f"{path}.closing", _("must be true or false")))
        branches = node.get("branches", [])
        if not isinstance(branches, list):
            errors.append((f"{path}.branches", _("must be a list")))
            continue
        for j, branch in enumerate(branches):
            bpath = f"{path}.branches[{j}]"
            if not isinstance(branch, dict):
                errors.append((bpath, _("must be an object")))
                continue
            if not isinstance(branch.get("to"), str) or branch["to"] not in node_ids:
                errors.append((f"{bpath}.to", _("unknown node “%(id)s”") % {"id": branch.get("to")}))
            _str_list(branch.get("intents", []), f"{bpath}.intents", errors)
            _str_list(branch.get("keywords", []), f"{bpath}.keywords", errors)
            if not branch.get("intents") and not branch.get("keywords"):
                errors.append((bpath, _("needs intent examples or keywords")))
    start = spec.get("start")
    if nodes and not (isinstance(start, str) and start in node_ids):
        errors.append(("start", _("unknown node “%(id)s”") % {"id": start}))
    else:
        _check_graph(nodes, start, errors)
    _text(spec.get("fallback_line"), "fallback_line", errors)
    max_turns = spec.get("max_turns")
    if isinstance(max_turns, bool) or not isinstance(max_turns, int) or not 1 <= max_turns <= 50:
        errors.append(("max_turns", _("must be a whole number from 1 to 50")))
    key_points = spec.get("key_points", [])
    if not isinstance(key_points, list):
        errors.append(("key_points", _("must be a list")))
        key_points = []
    for i, kp in enumerate(key_points):
        path = f"key_points[{i}]"
        if not isinstance(kp, dict):
            errors.append((path, _("must be an object")))
            continue
        _text(kp.get("code"), f"{path}.code", errors)
        _text(kp.get("canonical"), f"{path}.canonical", errors)
        _str_list(kp.get("examples", []), f"{path}.examples", errors, max_items=MAX_EXAMPLES)
        # the required parts of a compound point, and typical wrong answers (a reply nearer one is not credited)
        _text_items(kp.get("sub_points"), f"{path}.sub_points", errors, max_items=MAX_SUB_POINTS)
        _text_items(kp.get("counter_examples"), f"{path}.counter_examples", errors, max_items=MAX_COUNTER_EXAMPLES)
        synonyms = kp.get("synonyms", [])
        if not isinstance(synonyms, list):
            errors.append((f"{path}.synonyms", _("must be a list of word groups")))
        else:
            for k, group in enumerate(synonyms):
                _str_list(group, f"{path}.synonyms[{k}]", errors, required=True)
        if "weight" in kp:
            _number(kp["weight"], f"{path}.weight", errors, 0, 10)
    forbidden = spec.get("forbidden", [])
    if not isinstance(forbidden, list):
        errors.append(("forbidden", _("must be a list")))
        forbidden = []
    for i, item in enumerate(forbidden):
        path = f"forbidden[{i}]"
        if not isinstance(item, dict):
            errors.append((path, _("must be an object")))
            continue
        _text(item.get("pattern"), f"{path}.pattern", errors)
        if isinstance(item.get("pattern"), str) and item["pattern"].replace("*", "").strip() == "":
            errors.append((f"{path}.pattern", _("needs some words besides the * gaps")))
        if item.get("severity", "blocker") not in SEVERITIES:
            errors.append((f"{path}.severity", _("must be “blocker” or “warning”")))
    rubric = spec.get("rubric", {})
    if not isinstance(rubric, dict):
        errors.append(("rubric", _("must be an object")))
        rubric = {}
    weights = rubric.get("weights")
    if weights is not None:
        if not isinstance(weights, dict):
            errors.append(("rubric.weights", _("must be an object")))
        else:
            for key, value in weights.items():
                if key not in DIMENSIONS:
                    errors.append((f"rubric.weights.{key}", _("unknown dimension")))
                else:
                    _number(value, f"rubric.weights.{key}", errors, 0, 100)
            numbers = [v for v in weights.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if len(numbers) == len(weights) and round(sum(numbers), 6) != 100:
                errors.append(
                    (
                        "rubric.weights",
                        _("the weights must add up to 100 (now %(sum)s)") % {"sum": round(sum(numbers), 2)},
                    )
                )
    thresholds = rubric.get("thresholds")
    if thresholds is not None:
        if not isinstance(thresholds, dict):
            errors.append(("rubric.thresholds", _("must be an object")))
        else:
            for key in ("good", "fair"):
                if key in thresholds:
                    _number(thresholds[key], f"rubric.thresholds.{key}", errors, 0, 100)
            good, fair = thresholds.get("good", 75), thresholds.get("fair", 50)
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (good, fair)) and fair >= good:
                errors.append(("rubric.thresholds.fair", _("must be below the “good” threshold (%(g)s)") % {"g": good}))
    if "pass_mark" in rubric:
        _number(rubric["pass_mark"], "rubric.pass_mark", errors, 0, 100)
    for key in ("semantic_threshold", "lexical_threshold", "fallback_lexical_threshold"):
        if key in rubric:
            _number(rubric[key], f"rubric.{key}", errors, 0, 1)
    if "branch_margin" in rubric:
        _number(rubric["branch_margin"], "rubric.branch_margin", errors, 0, 1)
    return errors


def _check_graph(nodes: list, start: str, errors: list) -> None:
    """Every node reachable from the start, and none a dead end (no branch, no next node, not closing: the
    customer could only repeat the fallback line). Loops are allowed: max_turns ends every call."""
    by_id = {n["id"]: n for n in nodes if isinstance(n, dict) and isinstance(n.get("id"), str)}
    for i, node in enumerate(nodes):
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            continue
        nxt = node.get("next")
        if nxt not in (None, "") and not (isinstance(nxt, str) and nxt in by_id):
            errors.append((f"nodes[{i}].next", _("unknown node “%(id)s”") % {"id": nxt}))
        branches = node.get("branches") if isinstance(node.get("branches"), list) else []
        if not branches and nxt in (None, "") and not node.get("closing"):
            errors.append(
                (
                    f"nodes[{i}].branches",
                    _("a dead end: add a branch or a next node, or mark it as a closing node"),
                )
            )
    if not isinstance(start, str) or start not in by_id:
        return
    seen, todo = {start}, [start]
    while todo:
        node = by_id[todo.pop()]
        branches = node.get("branches") if isinstance(node.get("branches"), list) else []
        targets = [b.get("to") for b in branches if isinstance(b, dict)] + [node.get("next")]
        for target in targets:
            if isinstance(target, str) and target in by_id and target not in seen:
                seen.add(target)
                todo.append(target)
    for i, node in enumerate(nodes):
        if (
            isinstance(node, dict)
            and isinstance(node.get("id"), str)
            and node["id"] in by_id
            and node["id"] not in seen
        ):
            errors.append((f"nodes[{i}].id", _("cannot be reached from the start node")))


def node_map(spec: dict) -> dict[str, dict]:
    return {n["id"]: n for n in spec.get("nodes", [])}
