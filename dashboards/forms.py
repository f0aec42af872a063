from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Course


class AssignForm(forms.Form):
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.filter(status=Course.Status.PUBLISHED).order_by("title")
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return due


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    q = forms.CharField(required=False, max_length=100)
    overdue = forms.BooleanField(required=False)
    sort = forms.CharField(required=False, max_length=40)
