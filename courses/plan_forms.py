"""Forms for the plan pages: they parse input only; the rules live in `plan_services`."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from courses.models import Course, Objective, Session, TrainingPlan
from lms.roles import TRAINER
from trainees.models import Team, User


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the matching fields; anything else goes on top of the form."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
            if name in form.fields:
                attrs = form.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
    else:
        form.add_error(None, error.messages)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs.setdefault("class", css)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"
                self.fields[name].widget.attrs["aria-invalid"] = "true"


class PlanForm(BootstrapMixin, forms.ModelForm):
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.order_by("full_name"),
        required=False,
        help_text=_("Teams the plan is for; their managers can read it."),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    class Meta:
        model = TrainingPlan
        fields = ["title", "start_date", "days", "audience", "venue", "equipment", "description"]
        widgets = {
            "start_date": DateInput(),
            "audience": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def _post_clean(self):
        # Model validation belongs to the services; the form only parses.
        pass


class NewPlanForm(BootstrapMixin, forms.Form):
    template = forms.ModelChoiceField(
        label=_("Start from template"),
        queryset=TrainingPlan.objects.none(),
        required=False,
        empty_label=_("(blank plan)"),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput())
    days = forms.IntegerField(label=_("Number of days"), initial=6, required=False)
    as_template = forms.BooleanField(label=_("Create a template instead of a plan"), required=False)

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if templates is not None:
            self.fields["template"].queryset = templates


class CloneForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("Title of the copy"), max_length=200, required=False)
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput())
    as_template = forms.BooleanField(label=_("Save the copy as a template"), required=False)


class ObjectiveForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Objective.Kind.choices)
    text = forms.CharField(label=_("Objective"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "objective_%s")
        super().__init__(*args, **kwargs)


def trainer_choices():
    return User.objects.filter(groups__name=TRAINER).order_by("display_name", "id").distinct()


class SessionForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Session
        fields = [
            "day",
            "start_time",
            "end_time",
            "title",
            "category",
            "competency",
            "method",
            "trainer",
            "trainer_name",
            "room",
            "course",
            "notes",
        ]
        widgets = {
            "start_time": TimeInput(),
            "end_time": TimeInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, plan: TrainingPlan, **kwargs):
        # Its own id prefix: the builder shows this form beside the plan header form, which has a title too.
        kwargs.setdefault("auto_id", "session_%s")
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["day"] = forms.TypedChoiceField(
            label=_("Day"),
            coerce=int,
            choices=[(d, _("Day %(n)d") % {"n": d}) for d in range(1, plan.days + 1)],
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.fields["trainer"].queryset = trainer_choices()
        self.fields["course"].queryset = Course.objects.order_by("title")
        self.fields["start_time"].required = False
        self.fields["end_time"].required = False
        self.fields["title"].required = False
        self.fields["day"].required = False

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields} | {
            "trainer_name": self.cleaned_data.get("trainer_name") or "",
            "room": self.cleaned_data.get("room") or "",
            "notes": self.cleaned_data.get("notes") or "",
            "title": self.cleaned_data.get("title") or "",
        }
