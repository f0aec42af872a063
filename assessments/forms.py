"""Forms for trainers' pages. They only shape input; services validate and write."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments import parsers
from assessments.models import PartialCredit, Question, QuestionType, Quiz
from courses.models import Category, Competency
from lms.widgets import RichTextarea

LETTERS = "ABCDEF"


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
    partial_credit = forms.ChoiceField(label=_("Partial credit (multiple choice)"), choices=PartialCredit.choices)
    true_false = forms.ChoiceField(
        label=_("True or false"), choices=[("", "—"), ("true", _("True")), ("false", _("False"))], required=False
    )
    accepted = forms.CharField(
        label=_("Accepted answers (one per line)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    numeric = forms.CharField(label=_("Numeric answer (42, 42±0.5 or 40..45)"), max_length=100, required=False)
    explanation = forms.CharField(
        label=_("Explanation shown at review"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False)
    competency = forms.ModelChoiceField(label=_("Competency"), queryset=Competency.objects.all(), required=False)
    difficulty = forms.IntegerField(label=_("Difficulty (1-5)"), min_value=1, max_value=5, initial=3)
    tags = forms.CharField(label=_("Tags (separated by spaces)"), max_length=400, required=False)

    def clean_numeric(self):
        value = self.cleaned_data["numeric"].strip()
        if self.cleaned_data.get("qtype") == QuestionType.NUMERIC:
            if not value:
                raise forms.ValidationError(_("Give the numeric answer."))
            try:
                return parsers._numeric_spec(value.replace("±", ":"))
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return {}

    def to_data(self) -> dict:
        d = self.cleaned_data
        qtype = d["qtype"]
        options = []
        for letter in LETTERS:
            text = d.get(f"option_{letter.lower()}", "").strip()
            if text:
                options.append({"text": text, "weight": 0.0, "feedback": "", "letter": letter})
        correct = [o for o in options if o["letter"] in d["correct"]]
        for o in correct:
            o["weight"] = round(100.0 / len(correct), 5)
        answer: dict = {}
        if qtype == QuestionType.TRUE_FALSE and d["true_false"]:
            answer = {"value": d["true_false"] == "true"}
        elif qtype == QuestionType.SHORT:
            answer = {"accepted": [a.strip() for a in d["accepted"].splitlines() if a.strip()]}
        elif qtype == QuestionType.NUMERIC:
            answer = d["numeric"]
        return {
            "qtype": qtype,
            "title": d["title"],
            "stem": d["stem"],
            "options": options,
            "answer": answer,
            "partial_credit": d["partial_credit"],
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
        for o in version.options:
            if o["key"] in LETTERS:
                initial[f"option_{o['key'].lower()}"] = o["text"]
        answer = version.answer or {}
        if version.qtype == QuestionType.TRUE_FALSE:
            initial["true_false"] = "true" if answer.get("value") else "false"
        if version.qtype == QuestionType.SHORT:
            initial["accepted"] = "\n".join(answer.get("accepted", []))
        if version.qtype == QuestionType.NUMERIC and answer:
            spec = (answer.get("any") or [answer])[0]
            initial["numeric"] = (
                f"{spec['min']}..{spec['max']}" if "min" in spec else f"{spec['value']}±{spec['tolerance']}"
            )
        return initial


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
