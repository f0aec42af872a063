import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Course, TrainingPlan
from lms.storable import unstorable_values
from practice.engine.spec import DIMENSIONS, validate_spec
from practice.labels import DIMENSION_LABELS
from practice.models import Scenario
from practice.spec_builder import MAX_KEY_POINTS, MAX_OBJECTIONS

SCENARIO_FORM_FIELDS = [
    "code",
    "title",
    "language",
    "status",
    "difficulty",
    "category",
    "competency",
    "variant_of",
    "persona_role",
    "persona_company",
    "persona_temperament",
    "situation",
    "goal",
]


class _NotAConstant(ValueError):
    pass


def _refuse_constant(name: str):
    raise _NotAConstant(name)


def _line_of(raw: str, pattern: str) -> int:
    match = re.search(pattern, raw)
    return raw.count("\n", 0, match.start()) + 1 if match else 1


def load_json(raw: str):
    """json.loads for what a trainer pastes or uploads: every failure is a form error that names the line (never a
    500: too deep nesting, a number of thousands of digits, and NaN/Infinity, which cannot be stored, included)."""
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise forms.ValidationError(
            _("Not valid JSON: %(msg)s at line %(line)s, column %(col)s")
            % {"msg": exc.msg, "line": exc.lineno, "col": exc.colno}
        ) from None
    except _NotAConstant as exc:
        raise forms.ValidationError(
            _("Not valid JSON: %(value)s is not a number JSON allows (line %(line)s).")
            % {"value": exc.args[0], "line": _line_of(raw, re.escape(exc.args[0]))}
        ) from None
    except RecursionError:
        raise forms.ValidationError(_("Not valid JSON: the lists and objects are nested too deeply.")) from None
    except ValueError:  # an integer of more than 4300 digits
        raise forms.ValidationError(
            _("Not valid JSON: the number on line %(line)s is too long.") % {"line": _line_of(raw, r"\d{4000,}")}
        ) from None


def spec_unstorable(spec) -> list[tuple[str, str]]:
    """(path, message) of the texts in a script no database can store (NUL, a lone surrogate such as "\\ud800"),
    in validate_spec's shape; checked first, since nothing else about such a script can be shown or saved."""
    return [(path, message) for path, messages in unstorable_values(spec, root="spec").items() for message in messages]


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class ScenarioMetaForm(forms.ModelForm):
    """Who the customer is and what the call is about; the script is edited beside it (form or JSON)."""

    class Meta:
        model = Scenario
        fields = SCENARIO_FORM_FIELDS
        widgets = {"situation": forms.Textarea(attrs={"rows": 3}), "goal": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["variant_of"].queryset = Scenario.objects.exclude(pk=self.instance.pk)
        _bootstrap(self)


class ScenarioForm(ScenarioMetaForm):
    """The advanced editor: the same fields with the script as JSON (also the import/export format)."""

    spec_json = forms.CharField(
        label=_("Script, objections, key points, forbidden phrases and rubric (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "form-control font-monospace"}),
        help_text=_(
            "nodes: the customer's turns (id, lines, branches with intents/keywords and the node they lead to, "
            "objection, closing); objections (code, label, model_answer, points); fallback_line; max_turns; "
            "key_points (code, canonical, examples, synonyms, weight, sub_points: the required parts of a compound "
            "point, counter_examples: typical wrong answers); forbidden (pattern with * gaps, severity "
            "blocker/warning); rubric (weights, thresholds, pass_mark, semantic_threshold, lexical_threshold, "
            "branch_margin)."
        ),
    )

    class Meta(ScenarioMetaForm.Meta):
        pass

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("spec_json", json.dumps(self.instance.spec, ensure_ascii=False, indent=2))

    def clean_spec_json(self):
        spec = load_json(self.cleaned_data["spec_json"])
        errors = spec_unstorable(spec) or validate_spec(spec)
        if errors:
            raise forms.ValidationError([f"{path}: {message}" for path, message in errors])
        return spec


class ImportForm(forms.Form):
    file = forms.FileField(label=_("JSON file"), required=False)
    text = forms.CharField(label=_("…or paste JSON"), required=False, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        raw = ""
        if upload:
            if upload.size > 2 * 1024 * 1024:
                raise forms.ValidationError(_("The file is larger than 2 MB."))
            try:
                raw = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
        else:
            raw = data.get("text", "")
        if not raw.strip():
            raise forms.ValidationError(_("Choose a file or paste JSON."))
        data["payload"] = load_json(raw)
        return data


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Coaching comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


OVERRIDE_FIELD = re.compile(r"^(?P<code>[A-Za-z0-9_]{1,40})-(?P<part>score|reason)$")


class OverrideForm(forms.Form):
    """Re-score dimensions of the rubric: per dimension a new score (blank: unchanged) and the reason. The service
    validates (a form field per dimension only shows what was typed and the errors next to it)."""

    def __init__(self, *args, dimensions: list[tuple[str, str, int | None]] = (), **kwargs):
        """`dimensions`: (code, label, current score) of the dimensions a coach may re-score."""
        super().__init__(*args, **kwargs)
        self.dimension_codes = [code for code, _label, _score in dimensions]
        for code, label, score in dimensions:
            now = "—" if score is None else score
            self.fields[f"{code}-score"] = forms.CharField(
                label=_("%(dimension)s: new score (now %(score)s)") % {"dimension": label, "score": now},
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "0-100", "autocomplete": "off"}),
            )
            self.fields[f"{code}-reason"] = forms.CharField(
                label=_("%(dimension)s: reason") % {"dimension": label},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        _bootstrap(self)

    def rows(self):
        """(score field, reason field) per dimension, for the template."""
        return [(self[f"{code}-score"], self[f"{code}-reason"]) for code in self.dimension_codes]

    def changes(self) -> dict[str, dict]:
        """{code: {"score", "reason"}} of every dimension the coach filled in, unknown codes included (the service
        says they are unknown rather than ignoring them)."""
        out: dict[str, dict] = {}
        for key, value in self.data.items():
            match = OVERRIDE_FIELD.match(key)
            if not match or not str(value).strip():
                continue
            out.setdefault(match["code"], {"score": "", "reason": ""})[match["part"]] = value
        return out


class RequirementForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=None, required=False)
    plan = forms.ModelChoiceField(label=_("Training plan"), queryset=None, required=False)
    day = forms.IntegerField(label=_("Day of the plan"), required=False, min_value=1, max_value=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.order_by("title")
        self.fields["plan"].queryset = TrainingPlan.objects.order_by("title")
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        if bool(data.get("course")) == bool(data.get("plan")):
            raise forms.ValidationError(_("Choose either a course or a training plan."))
        if data.get("day") and not data.get("plan"):
            self.add_error("day", _("A day only applies to a training plan."))
        return data


# --- the form-first editor: the scenario's description (practice.spec_builder) -------------------------------

BRIEF_ACTION = re.compile(r"^(add|remove)-(objection|key_point)(?:-(\d+))?$")


def _brief_lines(raw) -> list[str]:
    return [line.strip() for line in str(raw or "").splitlines() if line.strip()]


def _brief_number(raw):
    """An int or float from the field; anything else as typed, so brief_errors names the field."""
    raw = str(raw or "").strip()
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    try:
        value = float(raw)
    except ValueError:
        return raw
    return value if value == value and abs(value) != float("inf") else raw


def _brief_rows(data, kind: str) -> list[int]:
    rx = re.compile(rf"brief-{kind}-(\d{{1,4}})-(says|point)")
    return sorted({int(m.group(1)) for key in data for m in [rx.fullmatch(key)] if m})


def brief_from_post(data, *, keep_blank_rows: bool = False) -> dict:
    """The description the form's fields hold (a QueryDict or a dict of strings); see spec_builder for its shape.
    Rows are read whatever their numbers (removed rows leave gaps). A key point row left entirely blank is no key
    point (the form shows one empty row to start from), unless `keep_blank_rows` (adding or removing rows)."""
    get = data.get
    objections, key_points = [], []
    for i in _brief_rows(data, "objections"):
        p = f"brief-objections-{i}"
        objections.append(
            {
                "says": str(get(f"{p}-says") or "").strip(),
                "answer": _brief_lines(get(f"{p}-answer")),
                "examples": _brief_lines(get(f"{p}-examples")),
            }
        )
    for i in _brief_rows(data, "key_points"):
        p = f"brief-key_points-{i}"
        key_points.append(
            {
                "point": str(get(f"{p}-point") or "").strip(),
                "examples": _brief_lines(get(f"{p}-examples")),
                "sub_points": _brief_lines(get(f"{p}-sub_points")),
                "counter_examples": _brief_lines(get(f"{p}-counter_examples")),
            }
        )
    if not keep_blank_rows:
        key_points = [kp for kp in key_points if any(kp.values())]
    return {
        "opening": str(get("brief-opening") or "").strip(),
        "closing": str(get("brief-closing") or "").strip(),
        "fallback": str(get("brief-fallback") or "").strip(),
        "objections": objections,
        "key_points": key_points,
        "forbidden": _brief_lines(get("brief-forbidden")),
        "use_default_forbidden": bool(get("brief-use_default_forbidden")),
        "pass_mark": _brief_number(get("brief-pass_mark")),
        "weights": {d: _brief_number(get(f"brief-weights-{d}") or "0") for d in DIMENSIONS},
    }


def brief_apply_action(brief: dict, action: str) -> dict:
    """add-objection, remove-objection-2, add-key_point, remove-key_point-0 (unknown actions change nothing)."""
    m = BRIEF_ACTION.match(action or "")
    if not m:
        return brief
    verb, kind, index = m.group(1), m.group(2), m.group(3)
    key, limit = ("objections", MAX_OBJECTIONS) if kind == "objection" else ("key_points", MAX_KEY_POINTS)
    rows = brief.setdefault(key, [])
    if verb == "add" and len(rows) < limit:
        blank = {"says": "", "answer": [], "examples": []} if kind == "objection" else {
            "point": "", "examples": [], "sub_points": [], "counter_examples": []
        }  # fmt: skip
        rows.append(blank)
    elif verb == "remove" and index is not None and 0 <= int(index) < len(rows):
        rows.pop(int(index))
    return brief


def brief_context(brief: dict, errors: list[tuple[str, str]] | None = None) -> dict:
    """The values and messages `_brief_editor.html` shows: each field as {name, value, errors}."""
    by_name: dict[str, list[str]] = {}
    for name, message in errors or ():
        by_name.setdefault(name, []).append(str(message))

    def f(name: str, value) -> dict:
        if isinstance(value, list):
            value = "\n".join(str(v) for v in value)
        return {"name": name, "value": "" if value is None else value, "errors": by_name.get(name, [])}

    objections = [
        {
            "index": i,
            "says": f(f"brief-objections-{i}-says", o.get("says")),
            "answer": f(f"brief-objections-{i}-answer", o.get("answer")),
            "examples": f(f"brief-objections-{i}-examples", o.get("examples")),
            "row_errors": by_name.get(f"brief-objections-{i}", []),
        }
        for i, o in enumerate(brief.get("objections") or [])
        if isinstance(o, dict)
    ]
    key_points = [
        {
            "index": i,
            "point": f(f"brief-key_points-{i}-point", kp.get("point")),
            "examples": f(f"brief-key_points-{i}-examples", kp.get("examples")),
            "sub_points": f(f"brief-key_points-{i}-sub_points", kp.get("sub_points")),
            "counter_examples": f(f"brief-key_points-{i}-counter_examples", kp.get("counter_examples")),
        }
        for i, kp in enumerate(brief.get("key_points") or [])
        if isinstance(kp, dict)
    ]
    weights = brief.get("weights") if isinstance(brief.get("weights"), dict) else {}
    return {
        "opening": f("brief-opening", brief.get("opening")),
        "closing": f("brief-closing", brief.get("closing")),
        "fallback": f("brief-fallback", brief.get("fallback")),
        "objections_field": f("brief-objections", ""),
        "objections": objections,
        "key_points_field": f("brief-key_points", ""),
        "key_points": key_points,
        "forbidden": f("brief-forbidden", brief.get("forbidden")),
        "use_default_forbidden": brief.get("use_default_forbidden", True) is not False,
        "pass_mark": f("brief-pass_mark", brief.get("pass_mark")),
        "weights_field": f("brief-weights", ""),
        "weights": [(DIMENSION_LABELS[d], f(f"brief-weights-{d}", weights.get(d, 0))) for d in DIMENSIONS],
        "error_count": sum(len(m) for m in by_name.values()),
        "error_list": [
            {"label": brief_field_label(name), "anchor": f"bf-{name}" if name != "brief" else "", "message": str(m)}
            for name, m in errors or ()
        ],
    }


BRIEF_LABELS = {
    "opening": _("Customer's opening line"),
    "closing": _("Customer's closing line"),
    "fallback": _("When the customer did not follow"),
    "objections": _("Objections"),
    "key_points": _("Key points"),
    "forbidden": _("Forbidden phrases"),
    "pass_mark": _("Pass mark"),
    "weights": _("Rubric weights"),
}
BRIEF_ROW_LABELS = {
    "says": _("Objection %(n)s: what the customer says"),
    "answer": _("Objection %(n)s: what a good answer contains"),
    "examples": _("%(row)s %(n)s: example answers"),
    "point": _("Key point %(n)s"),
    "sub_points": _("Key point %(n)s: required parts"),
    "counter_examples": _("Key point %(n)s: typical wrong answers"),
}
_BRIEF_NAME = re.compile(r"^brief-(objections|key_points)-(\d+)(?:-(\w+))?$")


def brief_field_label(name: str) -> str:
    """The words a trainer knows a field by, for the list of problems beside the button ("" for the whole form)."""
    if name.startswith("brief-weights-"):
        return f"{BRIEF_LABELS['weights']} · {DIMENSION_LABELS.get(name.removeprefix('brief-weights-'), '')}"
    if m := _BRIEF_NAME.match(name):
        kind, n, part = m.group(1), int(m.group(2)) + 1, m.group(3)
        row = _("Objection") if kind == "objections" else _("Key point")
        if part in BRIEF_ROW_LABELS:
            return str(BRIEF_ROW_LABELS[part]) % {"n": n, "row": row}
        return f"{row} {n}"
    return str(BRIEF_LABELS.get(name.removeprefix("brief-"), ""))
