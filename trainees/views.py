from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.permissions import role_required
from lms.roles import MANAGER, TRAINER, is_admin
from lms.templatetags.lms_tags import role_label
from trainees import selectors, services
from trainees.forms import PeopleImportForm, PersonForm, TeamForm, apply_errors
from trainees.importing import parse_people_csv
from trainees.models import PeopleImport

PREVIEW_ROWS = 500


@login_required
@role_required(MANAGER, TRAINER)
def people(request):
    search = request.GET.get("q", "").strip()
    team = request.GET.get("team", "")
    qs = selectors.person_list(user=request.user, search=search, team_id=int(team) if team.isdigit() else None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    teams = list(selectors.teams_for_user(user=request.user).order_by("full_name"))
    chosen = next((t for t in teams if str(t.id) == team), None)
    context = {
        "page": page,
        "q": search,
        "team": team,
        "teams": teams,
        "can_add_person": services.person_can_add(actor=request.user),
        "can_add_team": services.team_can_add(actor=request.user),
        "edit_team": chosen if chosen and services.team_can_edit(actor=request.user) else None,
    }
    return render(request, "trainees/people.html", context)


@login_required
def person(request, person_id: int):
    person = selectors.person_get_for_user(user=request.user, person_id=person_id)
    can_edit = services.person_can_edit(actor=request.user, person=person)
    context = {
        "person": person,
        "roles": [role_label(g.name) for g in person.groups.all()],
        "can_edit": can_edit,
        "can_welcome": can_edit and person.is_active and bool(person.email) and not person.has_usable_password(),
    }
    return render(request, "trainees/person.html", context)


@login_required
@role_required(TRAINER)
def person_add(request):
    admin = is_admin(request.user)
    form = PersonForm(request.POST or None, admin=admin)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_create(
                actor=request.user,
                display_name=data["display_name"],
                employee_no=data["employee_no"],
                email=data["email"],
                team=data["team"],
                roles=set(data["roles"]),
                is_active=data["is_active"],
                send_welcome=data["send_welcome"],
                language=get_language(),
                request=request,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": person})
            if selectors.people_for_user(user=request.user).filter(pk=person.pk).exists():
                return redirect("trainees:person", person_id=person.pk)
            return redirect("trainees:people")
    return render(request, "trainees/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request, person_id: int):
    person = selectors.person_get_for_user(user=request.user, person_id=person_id)
    if not services.person_can_edit(actor=request.user, person=person):
        raise PermissionDenied
    admin = is_admin(request.user)
    form = PersonForm(request.POST or None, admin=admin, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        extra = {}
        if admin:
            extra = {
                "employee_no": data["employee_no"],
                "team": data["team"],
                "roles": set(data["roles"]),
                "is_active": data["is_active"],
            }
        try:
            services.person_update(
                actor=request.user,
                person=person,
                display_name=data["display_name"],
                email=data["email"],
                request=request,
                **extra,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("trainees:person", person_id=person.pk)
    return render(request, "trainees/person_form.html", {"form": form, "person": person})


@login_required
@require_POST
def person_welcome(request, person_id: int):
    """Send (again) the e-mail with a link to choose a password, to a person who has none yet."""
    person = selectors.person_get_for_user(user=request.user, person_id=person_id)
    if not services.person_can_edit(actor=request.user, person=person):
        raise PermissionDenied
    if not person.is_active or not person.email or person.has_usable_password():
        messages.error(request, _("This person has no e-mail address, is inactive or has already chosen a password."))
    else:
        services.person_welcome_mail_queue(person=person, actor=request.user, language=get_language(), request=request)
        messages.success(request, _("The e-mail with a link to choose a password is on its way to %(email)s.") % {"email": person.email})  # fmt: skip
    return redirect("trainees:person", person_id=person.pk)


@login_required
@role_required(TRAINER)
def team_add(request):
    admin = is_admin(request.user)
    form = TeamForm(request.POST or None, admin=admin)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team = services.team_add(
                actor=request.user,
                name=data["name"],
                parent=data["parent"],
                kind=data["kind"],
                managers=data.get("managers") or [],
                request=request,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The team %(name)s was added.") % {"name": team})
            return redirect("trainees:people")
    return render(request, "trainees/team_form.html", {"form": form, "team": None})


@login_required
def team_edit(request, team_id: int):
    team = selectors.team_get_for_user(user=request.user, team_id=team_id)
    if not services.team_can_edit(actor=request.user):
        raise PermissionDenied
    form = TeamForm(request.POST or None, admin=True, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.team_update(
                actor=request.user,
                team=team,
                name=data["name"],
                parent=data["parent"],
                kind=data["kind"],
                managers=data["managers"],
                request=request,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('trainees:people')}?team={team.pk}")
    return render(request, "trainees/team_form.html", {"form": form, "team": team})


def _file_level_errors(report) -> list[str]:
    """Problems with the whole file (not CSV, encoding, header), which make a preview pointless."""
    return [e.message for e in report.errors if e.line <= 1 and not e.column]


@login_required
@role_required(TRAINER)
def people_import(request):
    form = PeopleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        report = services.people_import(content=content, dry_run=True, actor=request.user)
        problems = _file_level_errors(report)
        if problems:
            for problem in problems:
                form.add_error("file", problem)
        else:
            pending = services.people_import_upload(owner=request.user, filename=upload.name, content=content)
            return redirect("trainees:import-preview", import_id=pending.id)
    return render(request, "trainees/import.html", {"form": form})


@login_required
@role_required(TRAINER)
def people_import_preview(request, import_id: int):
    pending = selectors.people_import_get_for_user(user=request.user, import_id=import_id)
    context = {"pending": pending, "form": PeopleImportForm()}
    if pending.status == PeopleImport.Status.DONE:
        numbers = [row.employee_no for row in parse_people_csv(bytes(pending.content)).rows]
        context["people"] = selectors.people_by_employee_nos(employee_nos=numbers)
    else:
        report = services.people_import(content=bytes(pending.content), dry_run=True, actor=request.user)
        context["report"] = report
        context["preview_rows"] = report.rows[:PREVIEW_ROWS]
        context["preview_limit"] = PREVIEW_ROWS
    return render(request, "trainees/import.html", context)


@login_required
@role_required(TRAINER)
@require_POST
def people_import_confirm(request, import_id: int):
    pending = selectors.people_import_get_for_user(user=request.user, import_id=import_id)
    if pending.status == PeopleImport.Status.PENDING:
        report = services.people_import_confirm(pending=pending, actor=request.user, request=request)
        if report.ok:
            messages.success(
                request,
                _("Import done: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
                % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
            )
        else:
            messages.error(request, _("Nothing was imported: the file has errors."))
    return redirect("trainees:import-preview", import_id=pending.id)
