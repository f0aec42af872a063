from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.roles import ROLE_LABELS, SALESPERSON
from trainees.models import Team, User


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


class _Bootstrap:
    """Bootstrap classes on every widget, and is-invalid on those with errors (partials/form_fields.html)."""

    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs.setdefault("class", css)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


def apply_errors(form: forms.Form, error) -> None:
    """A service's ValidationError next to the matching fields; anything else on top of the form."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class PersonForm(_Bootstrap, forms.Form):
    """One person. Built for an actor: the fields a trainer may not change are shown disabled (and ignored)."""

    display_name = forms.CharField(label=_("Name"), max_length=100, required=False)
    employee_no = forms.CharField(label=_("Employee number"), max_length=40, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False, empty_label="—")
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=(), required=False, widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Active (may log in)"), required=False, initial=True)
    send_welcome = forms.BooleanField(
        label=_("Send a welcome e-mail with a link to choose a password"), required=False, initial=True
    )

    def __init__(self, *args, admin: bool, person=None, **kwargs):
        if person is not None:
            kwargs.setdefault(
                "initial",
                {
                    "display_name": person.display_name,
                    "employee_no": person.employee_no or "",
                    "email": person.email,
                    "team": person.team_id,
                    "roles": [g.name for g in person.groups.all() if g.name in ROLE_LABELS],
                    "is_active": person.is_active,
                },
            )
        else:
            kwargs.setdefault("initial", {"roles": [SALESPERSON], "is_active": True, "send_welcome": True})
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("full_name")
        self.fields["roles"].choices = list(ROLE_LABELS.items())
        self.fields["display_name"].required = True
        self.fields["display_name"].error_messages["required"] = _("The name is missing.")
        if person is None or person.employee_no:
            self.fields["employee_no"].required = True
            self.fields["employee_no"].error_messages["required"] = _("The employee number is missing.")
        if person is not None:
            del self.fields["send_welcome"]
        if not admin:
            self.fields["roles"].disabled = True
            self.fields["is_active"].disabled = True
            self.fields["roles"].help_text = _("Only an administrator may grant or change roles.")
            if person is not None:
                self.fields["employee_no"].disabled = True
                self.fields["team"].disabled = True
                self.fields["team"].help_text = _("Only an administrator may move a person to another team.")
        self._style()


class TeamForm(_Bootstrap, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=())
    parent = forms.ModelChoiceField(
        label=_("Parent team"), queryset=None, required=False, empty_label=_("— none (a top-level team) —")
    )
    managers = forms.CharField(
        label=_("Managers"),
        required=False,
        help_text=_("Employee numbers (or usernames) of the team's managers, separated by commas."),
    )

    def __init__(self, *args, admin: bool, team=None, **kwargs):
        if team is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": team.name,
                    "kind": team.kind,
                    "parent": team.parent_id,
                    "managers": ", ".join(m.employee_no or m.username for m in team.managers.all()),
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Team.Kind.choices
        self.fields["name"].required = True
        self.fields["name"].error_messages["required"] = _("The name is missing.")
        parents = Team.objects.order_by("full_name")
        if team is not None:
            parents = parents.exclude(path__startswith=team.path)  # not itself nor below itself
        self.fields["parent"].queryset = parents
        if not admin:
            del self.fields["managers"]
        self._style()

    def clean_managers(self):
        raw = self.cleaned_data.get("managers", "")
        keys = [k for k in (p.strip() for p in raw.replace("，", ",").replace("、", ",").split(",")) if k]
        if len(keys) > 50:
            raise forms.ValidationError(_("At most 50 managers per team."))
        found = list(User.objects.filter(Q(employee_no__in=keys) | Q(username__in=keys), is_active=True))
        known = {u.employee_no for u in found} | {u.username for u in found}
        missing = [k for k in keys if k not in known]
        if missing:
            raise forms.ValidationError(
                _("No active person with the employee number or username: %(keys)s.") % {"keys": ", ".join(missing)}
            )
        return found
