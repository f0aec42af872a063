from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: employee_no, name, email, team (e.g. 华东区/上海/一组), roles (e.g. salesperson or "
            "manager;trainer), manager_no. Chinese headers (工号, 姓名, 邮箱, 团队, 角色, 经理工号) work too. "
            "UTF-8 or GBK."
        ),
        widget=forms.FileInput(attrs={"class": "form-control", "accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes."),
                params={"size": upload.size, "limit": settings.IMPORT_MAX_BYTES},
            )
        return upload
