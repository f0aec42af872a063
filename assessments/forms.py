"""Forms for trainers' pages. They only shape input; services validate and write."""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments import parsers
from assessments.models import CHOICE_TYPES, PartialCredit, Question, QuestionType, Quiz
from courses.models import Category, Competency
from lms.widgets import RichTextarea

LETTERS = "ABCDEF"


# Which form fields belong to which question type: the editor shows only these (static/js/question_editor.js),
# and the form ignores the others (they are cleared before validation, so a hidden field never blocks a save).
OPTION_FIELDS = [f"option_{letter.lower()}" for letter in LETTERS]
WEIGHT_FIELDS = [f"weight_{letter.lower()}" for letter in LETTERS]
TYPE_FIELDS = {
    QuestionType.SINGLE: [*OPTION_FIELDS, "correct"],
    QuestionType.MULTIPLE: [*OPTION_FIELDS, "correct", "partial_credit", *WEIGHT_FIELDS],
    QuestionType.TRUE_FALSE: ["true_false"],
    QuestionType.SHORT: ["accepted"],
    QuestionType.NUMERIC: ["numeric", "tolerance"],
    QuestionType.ESSAY: [],
}
TYPED_FIELDS = sorted({name for names in TYPE_FIELDS.values() for name in names})
WEIGHT_SLACK = Decimal("0.01")


class QuestionForm(forms.Form):
    qtype = forms.ChoiceField(label=_("Type"), choices=QuestionType.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    stem = forms.CharField(label=_("Question"), widget=RichTextarea(attrs={"rows": 4}), max_length=20000)
    option_a = forms.CharField(label=_("Option A"), max_length=2000, required=False)
    option_b = forms.CharField(label=_("Option B"), max_length=2000, required=False)
    option_c = forms.CharField(label=_("Option C"), max_length=2000, required=False)
    option_d = forms.CharField(label=_("Option D"), max_length=2000, required=False)
    option_e = forms.CharField(label=_("Option E"), max_length=2000, required=False)
    option_f = forms.CharField(label=_("Option F"), max_length=2000, required=False)
    correct = forms.MultipleChoiceField(
        label=_("Correct options"),
        choices=[(c, c) for c in LETTERS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    partial_credit = forms.ChoiceField(
        label=_("Partial credit (multiple choice)"),
        choices=PartialCredit.choices,
        required=False,
        initial=PartialCredit.ALL_OR_NOTHING,
    )
    weight_a = forms.DecimalField(label=_("Weight of A (%)"), max_digits=7, decimal_places=2, required=False)
    weight_b = forms.DecimalField(label=_("Weight of B (%)"), max_digits=7, decimal_places=2, required=False)
    weight_c = forms.DecimalField(label=_("Weight of C (%)"), max_digits=7, decimal_places=2, required=False)
    weight_d = forms.DecimalField(label=_("Weight of D (%)"), max_digits=7, decimal_places=2, required=False)
    weight_e = forms.DecimalField(label=_("Weight of E (%)"), max_digits=7, decimal_places=2, required=False)
    weight_f = forms.DecimalField(label=_("Weight of F (%)"), max_digits=7, decimal_places=2, required=False)
    true_false = forms.ChoiceField(
        label=_("True or false"), choices=[("", "—"), ("true", _("True")), ("false", _("False"))], required=False
    )
    accepted = forms.CharField(
        label=_("Accepted answers (one per line)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    numeric = forms.CharField(label=_("Numeric answer (42, or a range 40..45)"), max_length=100, required=False)
    tolerance = forms.CharField(label=_("Tolerance (±)"), max_length=40, required=False, initial="0")
    explanation = forms.CharField(
        label=_("Explanation shown at review"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    competency = forms.ModelChoiceField(label=_("Competency"), queryset=Competency.objects.all(), required=False)
    difficulty = forms.IntegerField(label=_("Difficulty (1-5)"), min_value=1, max_value=5, initial=3)
    tags = forms.CharField(label=_("Tags (separated by spaces)"), max_length=400, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            # The fields of the other types are not read at all: a value left in a hidden section is dropped.
            data = self.data.copy()
            keep = set(TYPE_FIELDS.get(data.get("qtype"), TYPED_FIELDS))
            for name in TYPED_FIELDS:
                if name not in keep:
                    data.pop(name, None)
            self.data = data
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            elif not isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs.setdefault("class", "form-control")
        for name in WEIGHT_FIELDS:
            self.fields[name].widget.attrs.update({"step": "0.01", "inputmode": "decimal"})
        self.fields["tolerance"].widget.attrs["inputmode"] = "decimal"

    def option_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """(letter, option field, weight field) per option, for the editor's option rows."""
        return [(letter, self[f"option_{letter.lower()}"], self[f"weight_{letter.lower()}"]) for letter in LETTERS]

    def type_of(self, name: str) -> str:
        """The types a field belongs to, space-separated ('' for the fields every type has): the template marks each
        field's block with it."""
        return " ".join(qtype for qtype, names in TYPE_FIELDS.items() if name in names)

    def clean(self):
        d = super().clean()
        qtype = d.get("qtype")
        if qtype in CHOICE_TYPES:
            self._clean_choices(d, qtype)
        elif qtype == QuestionType.TRUE_FALSE and not d.get("true_false"):
            self.add_error("true_false", _("Choose whether the statement is true or false."))
        elif qtype == QuestionType.SHORT and not [a for a in d.get("accepted", "").splitlines() if a.strip()]:
            self.add_error("accepted", _("Give at least one accepted answer."))
        elif qtype == QuestionType.NUMERIC:
            self._clean_numeric(d)
        return d

    def _clean_choices(self, d: dict, qtype: str) -> None:
        filled = [letter for letter in LETTERS if d.get(f"option_{letter.lower()}", "").strip()]
        correct = [letter for letter in d.get("correct") or [] if letter in LETTERS]
        if len(filled) < 2:
            self.add_error("option_a", _("A choice question needs at least two options."))
            return
        empty = [letter for letter in correct if letter not in filled]
        if empty:
            self.add_error(
                "correct", _("Option %(letters)s is marked correct but has no text.") % {"letters": "、".join(empty)}
            )
            return
        if qtype == QuestionType.SINGLE:
            if len(correct) != 1:
                self.add_error("correct", _("A single-choice question has exactly one correct option."))
            return
        if not correct:
            self.add_error("correct", _("Mark at least one option as correct."))
            return
        weights = {letter: d.get(f"weight_{letter.lower()}") for letter in filled}
        weighted = d.get("partial_credit") == PartialCredit.WEIGHTED or any(w is not None for w in weights.values())
        if not weighted:
            return
        for letter in filled:
            weight = weights[letter]
            if letter in correct and (weight is None or weight <= 0):
                self.add_error(
                    f"weight_{letter.lower()}",
                    _("A correct option needs a positive weight (e.g. 50 for half the points)."),
                )
            elif letter not in correct and weight is not None and weight > 0:
                self.add_error(
                    f"weight_{letter.lower()}",
                    _("Only correct options carry a positive weight; mark it correct or give 0 or less."),
                )
        if any(f"weight_{letter.lower()}" in self.errors for letter in filled):
            return
        total = sum((weights[letter] for letter in correct), Decimal(0))
        if abs(total - 100) > WEIGHT_SLACK:
            self.add_error(
                "correct",
                _("The weights of the correct options must add up to 100 %% (now %(total)s %%).")
                % {"total": f"{total.normalize():f}"},
            )

    def _clean_numeric(self, d: dict) -> None:
        value = d.get("numeric", "").strip()
        tolerance_text = (d.get("tolerance") or "").strip() or "0"
        if not value:
            self.add_error("numeric", _("Give the numeric answer."))
            return
        if "±" in value:  # "42±0.5" typed in one field, as the editor used to ask
            value, tolerance_text = (part.strip() or "0" for part in value.split("±", 1))
        try:
            if ".." in value:
                d["numeric_spec"] = parsers._numeric_spec(value)
                return
            number = parsers._number(value)
        except ValueError as exc:
            self.add_error("numeric", str(exc))
            return
        try:
            tolerance = parsers._number(tolerance_text)
        except ValueError:
            self.add_error("tolerance", _("The tolerance must be a number, e.g. 0.5."))
            return
        if tolerance < 0:
            self.add_error("tolerance", _("The tolerance must be 0 or more."))
            return
        d["numeric_spec"] = {"value": str(number), "tolerance": str(tolerance)}

    def to_data(self) -> dict:
        d = self.cleaned_data
        qtype = d["qtype"]
        options = []
        if qtype in CHOICE_TYPES:
            weights = {letter: d.get(f"weight_{letter.lower()}") for letter in LETTERS}
            use_weights = qtype == QuestionType.MULTIPLE and any(w is not None for w in weights.values())
            for letter in LETTERS:
                text = d.get(f"option_{letter.lower()}", "").strip()
                if text:
                    options.append({"text": text, "weight": 0.0, "feedback": "", "letter": letter})
            correct = [o for o in options if o["letter"] in d["correct"]]
            for o in options:
                if use_weights:
                    o["weight"] = float(weights[o["letter"]] or 0)
                elif o in correct:
                    o["weight"] = round(100.0 / len(correct), 5)
        answer: dict = {}
        if qtype == QuestionType.TRUE_FALSE and d["true_false"]:
            answer = {"value": d["true_false"] == "true"}
        elif qtype == QuestionType.SHORT:
            answer = {"accepted": [a.strip() for a in d["accepted"].splitlines() if a.strip()]}
        elif qtype == QuestionType.NUMERIC:
            answer = d.get("numeric_spec") or {}
        partial = d.get("partial_credit") or PartialCredit.ALL_OR_NOTHING
        return {
            "qtype": qtype,
            "title": d["title"],
            "stem": d["stem"],
            "options": options,
            "answer": answer,
            "partial_credit": partial if qtype == QuestionType.MULTIPLE else PartialCredit.ALL_OR_NOTHING,
            "explanation": d["explanation"],
            "category": d["category"],
            "competency": d["competency"],
            "difficulty": d["difficulty"],
            "tags": [t for t in re.split(r"\s+", d["tags"]) if t],
        }

    @classmethod
    def initial_from(cls, version) -> dict:
        initial = {
            "qtype": version.qtype,
            "title": version.title,
            "stem": version.stem,
            "partial_credit": version.partial_credit,
            "explanation": version.explanation,
            "category": version.category_id,
            "competency": version.competency_id,
            "difficulty": version.difficulty,
            "tags": " ".join(version.tags),
            "correct": [o["key"] for o in version.options if o.get("weight", 0) > 0],
        }
        correct = [o for o in version.options if o.get("weight", 0) > 0]
        equal = len({round(float(o["weight"]), 2) for o in correct}) <= 1 and all(
            o.get("weight", 0) >= 0 for o in version.options
        )
        for o in version.options:
            if o["key"] in LETTERS:
                initial[f"option_{o['key'].lower()}"] = o["text"]
                if version.qtype == QuestionType.MULTIPLE and not equal:
                    initial[f"weight_{o['key'].lower()}"] = f"{float(o.get('weight', 0)):g}"
        answer = version.answer or {}
        if version.qtype == QuestionType.TRUE_FALSE:
            initial["true_false"] = "true" if answer.get("value") else "false"
        if version.qtype == QuestionType.SHORT:
            initial["accepted"] = "\n".join(answer.get("accepted", []))
        if version.qtype == QuestionType.NUMERIC and answer:
            spec = (answer.get("any") or [answer])[0]
            if "min" in spec:
                initial["numeric"] = f"{spec['min']}..{spec['max']}"
            else:
                initial["numeric"], initial["tolerance"] = spec["value"], spec.get("tolerance", "0")
        return initial


class QuestionBulkForm(forms.Form):
    """The bank's action bar; the chosen questions come as `ids` (checkboxes of the list)."""

    action = forms.ChoiceField(
        label=_("With the chosen questions"),
        choices=[
            ("", "—"),
            ("category", _("Move to category")),
            ("competency", _("Set competency")),
            ("tag_add", _("Add tag")),
            ("tag_remove", _("Remove tag")),
            ("retire", _("Retire (remove from the bank)")),
        ],
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    competency = forms.ModelChoiceField(
        label=_("Competency"),
        queryset=Competency.objects.all(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    tag = forms.CharField(label=_("Tag"), max_length=40, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("gift", _("Moodle GIFT")),
            ("aiken", _("Aiken")),
            ("xlsx", _("Excel template (.xlsx)")),
            ("csv", _("CSV template")),
        ],
    )


class GradeForm(forms.Form):
    score = forms.DecimalField(label=_("Score"), min_value=0, max_digits=8, decimal_places=2)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class QuizForm(forms.ModelForm):
    questions = forms.ModelMultipleChoiceField(
        label=_("Questions (fixed mode)"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )

    class Meta:
        model = Quiz
        fields = [
            "title",
            "description",
            "status",
            "course",
            "is_final",
            "plan",
            "plan_day",
            "mode",
            "shuffle_questions",
            "shuffle_options",
            "pass_mark",
            "attempts_allowed",
            "time_limit_minutes",
            "opens_at",
            "closes_at",
            "review_policy",
            "review_shows_answers",
        ]
        help_texts = {
            "review_policy": _(
                'When learners may look back at their answers and item scores. "After the last attempt": once '
                "they have no attempt left (all used, or the quiz closed)."
            ),
            "review_shows_answers": _("The review also shows the correct answers and explanations."),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questions"].queryset = (
            Question.objects.filter(is_archived=False).select_related("current").order_by("category_id", "id")
        )
        self.fields["questions"].label_from_instance = lambda q: f"[{q.get_qtype_display()}] {q}"
        if self.instance.pk:
            self.initial["questions"] = list(self.instance.quiz_questions.values_list("question_id", flat=True))


class RuleForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    difficulty = forms.IntegerField(label=_("Difficulty (1-5)"), min_value=1, max_value=5, required=False)
    count = forms.IntegerField(label=_("Number of questions"), min_value=1, max_value=200, required=False)
    points = forms.DecimalField(
        label=_("Points each"), min_value=0, max_digits=6, decimal_places=2, initial=1, required=False
    )


RuleFormSet = forms.formset_factory(RuleForm, extra=2, max_num=12)


class QuizBuilderForm(QuizForm):
    """The builder's settings card: the quiz's fields styled for Bootstrap; the fixed questions come from the
    builder's chosen list (hidden inputs, in order), not a select."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questions"].widget = forms.MultipleHiddenInput()
        self.fields["mode"].help_text = _(
            "Fixed: the chosen questions. Random: drawn by the rules. Both: the chosen questions, then the rules' "
            "draws (never a chosen question twice)."
        )
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.MultipleHiddenInput):
                widget.attrs.setdefault("class", "form-control")


class BuilderRuleForm(RuleForm):
    competency = forms.ModelChoiceField(label=_("Competency"), queryset=Competency.objects.all(), required=False)
    field_order = ["category", "competency", "difficulty", "count", "points"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class",
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm",
            )

    def clean_points(self):
        points = self.cleaned_data.get("points")
        if points is not None and points <= 0:
            raise forms.ValidationError(_("Points must be above 0."))
        return points


BuilderRuleFormSet = forms.formset_factory(BuilderRuleForm, extra=1, max_num=12)


class QuizAssignForm(forms.Form):
    """Assign a quiz from its page: a team (its members the owner may reach) or one person, by a due date."""

    TARGET_TEAM = "team"
    TARGET_PERSON = "person"

    who = forms.ChoiceField(
        label=_("Who"),
        choices=[(TARGET_TEAM, _("A team and its sub-teams")), (TARGET_PERSON, _("One person"))],
        initial=TARGET_TEAM,
        widget=forms.RadioSelect,
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False, empty_label=_("(choose a team)"))
    person = forms.CharField(label=_("Employee number or user name"), required=False, max_length=150)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["team"].widget.attrs["class"] = "form-select"
        self.fields["person"].widget.attrs["class"] = "form-control"
        self.fields["due_date"].widget.attrs["class"] = "form-control"
        self.fields["due_date"].error_messages["invalid"] = _("Enter a valid date, such as 2026-05-31.")

    def clean(self):
        data = super().clean()
        if data.get("who") == self.TARGET_TEAM and not data.get("team"):
            self.add_error("team", _("Choose a team."))
        if data.get("who") == self.TARGET_PERSON and not (data.get("person") or "").strip():
            self.add_error("person", _("Enter an employee number or user name."))
        return data
