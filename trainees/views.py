from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.permissions import role_required
from lms.roles import MANAGER, TRAINER
from lms.templatetags.lms_tags import role_label
from trainees import selectors, services
from trainees.forms import PeopleImportForm
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
    teams = selectors.teams_for_user(user=request.user).order_by("full_name")
    return render(request, "trainees/people.html", {"page": page, "q": search, "team": team, "teams": teams})


@login_required
def person(request, person_id: int):
    person = selectors.person_get_for_user(user=request.user, person_id=person_id)
    return render(
        request, "trainees/person.html", {"person": person, "roles": [role_label(g.name) for g in person.groups.all()]}
    )


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
