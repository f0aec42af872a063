import json
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Course, TrainingPlan
from lms.storable import unstorable_values
from practice.engine.spec import validate_spec
from practice.models import Scenario

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
