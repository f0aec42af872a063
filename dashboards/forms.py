from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Quiz
from courses.models import Course
from practice.models import Scenario


class AssignForm(forms.Form):
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.filter(status=Course.Status.PUBLISHED).order_by("title")
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    reset_progress = forms.BooleanField(
        label=_("Reset learning progress"),
        required=False,
        help_text=_(
            "Only for people whose enrollment is re-opened (overdue or completed): their finished lessons of this "
            "course are cleared and they start again. Without it, a completed course keeps its finished lessons."
        ),
    )

    def clean_due_date(self):
        return _future(self.cleaned_data["due_date"])


def _future(due):
    if due < timezone.localdate():
        raise forms.ValidationError(_("The due date cannot be in the past."))
    return due


class PracticeAssignForm(forms.Form):
    scenario = forms.ModelChoiceField(
        label=_("Role-play scenario"),
        queryset=Scenario.objects.filter(status=Scenario.Status.PUBLISHED).order_by("title", "id"),
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_due_date(self):
        return _future(self.cleaned_data["due_date"])


class QuizAssignForm(forms.Form):
    quiz = forms.ModelChoiceField(
        label=_("Quiz"), queryset=Quiz.objects.filter(status=Quiz.Status.PUBLISHED).order_by("title", "id")
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_due_date(self):
        return _future(self.cleaned_data["due_date"])


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    q = forms.CharField(required=False, max_length=100)
    overdue = forms.BooleanField(required=False)
    sort = forms.CharField(required=False, max_length=40)
