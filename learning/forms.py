from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Course, TrainingPlan
from trainees.models import Team, User


class EnrollForm(forms.Form):
    TARGET_PERSON = "person"
    TARGET_TEAM = "team"
    TARGET_CSV = "csv"

    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.none(), required=False, empty_label=_("(no course)")
    )
    plan = forms.ModelChoiceField(
        label=_("Training plan"), queryset=TrainingPlan.objects.none(), required=False, empty_label=_("(no plan)")
    )
    who = forms.ChoiceField(
        label=_("Who"),
        choices=[
            (TARGET_PERSON, _("One person")),
            (TARGET_TEAM, _("A team and its sub-teams")),
            (TARGET_CSV, _("A CSV of employee numbers")),
        ],
        initial=TARGET_PERSON,
        widget=forms.RadioSelect,
    )
    person = forms.CharField(label=_("Employee number or user name"), required=False, max_length=150)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("(choose a team)")
    )
    csv_file = forms.FileField(
        label=_("CSV file"),
        required=False,
        help_text=_("One employee number per line (a header line 工号 or employee_no is allowed); UTF-8 or GBK."),
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, courses=None, plans=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses if courses is not None else Course.objects.none()
        self.fields["plan"].queryset = plans if plans is not None else TrainingPlan.objects.none()
        self.fields["team"].queryset = Team.objects.order_by("full_name")
        for name, field in self.fields.items():
            if name == "who":
                continue
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    def clean(self):
        data = super().clean()
        if bool(data.get("course")) == bool(data.get("plan")):
            raise forms.ValidationError(_("Choose a course or a training plan (one of them)."))
        who = data.get("who")
        if who == self.TARGET_PERSON:
            key = (data.get("person") or "").strip()
            if not key:
                self.add_error("person", _("Enter an employee number or user name."))
            else:
                user = User.objects.filter(is_active=True).filter(employee_no=key).first() or (
                    User.objects.filter(is_active=True, username=key).first()
                )
                if user is None:
                    self.add_error("person", _("Nobody has this employee number or user name."))
                data["user"] = user
        elif who == self.TARGET_TEAM and not data.get("team"):
            self.add_error("team", _("Choose a team."))
        elif who == self.TARGET_CSV and not data.get("csv_file"):
            self.add_error("csv_file", _("Choose a CSV file."))
        return data
