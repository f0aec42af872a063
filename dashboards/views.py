"""Dashboard pages. Thin: access through the selectors' *_get functions (404 outside scope), figures from the
precomputed tables, writes through the services."""

from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboards import exports, selectors, services
from dashboards.forms import AssignForm, ExportForm, PracticeAssignForm, QuizAssignForm
from learning.services import team_member_ids
from lms.permissions import role_required
from lms.roles import MANAGER, TRAINER


def _clean_q(value: str | None) -> str:
    """A table's search text: trimmed, at most 100 characters. (An address with NUL never gets here: the
    NulCharacterMiddleware answers it with 400.)"""
    return (value or "").strip()[:100]


def _table_params(request) -> dict:
    return {
        "q": _clean_q(request.GET.get("q")),
        "overdue": request.GET.get("overdue") == "1",
        "sort": selectors.parse_sort(request.GET.get("sort")),
        "cursor": request.GET.get("cursor") or None,
    }


def _people_table(team, params) -> dict:
    rows, next_cursor = selectors.keyset_page(
        qs=selectors.team_people(team=team, search=params["q"], overdue_only=params["overdue"]),
        sort=params["sort"],
        cursor=params["cursor"],
    )
    return {"rows": rows, "next_cursor": next_cursor, "params": params}


def _plan_params(request) -> dict:
    return {
        "q": _clean_q(request.GET.get("plan_q")),
        "overdue": request.GET.get("plan_overdue") == "1",
        "sort": selectors.parse_plan_sort(request.GET.get("plan_sort")),
        "cursor": request.GET.get("plan_cursor") or None,
    }


def _plans_table(qs, params, *, base_qs: str) -> dict:
    if params["q"]:
        qs = qs.filter(plan__title__icontains=params["q"])
    if params["overdue"]:
        qs = qs.filter(overdue__gt=0)
    rows, next_cursor = selectors.plans_page(qs=qs, sort=params["sort"], cursor=params["cursor"])
    return {"plan_rows": rows, "plan_next_cursor": next_cursor, "plan_params": params, "plan_base_qs": base_qs}


def _team_course_params(request) -> dict:
    return {
        "q": _clean_q(request.GET.get("course_q")),
        "overdue": request.GET.get("course_overdue") == "1",
        "sort": selectors.parse_course_sort(request.GET.get("course_sort")),
        "cursor": request.GET.get("course_cursor") or None,
    }


def _team_courses_table(team, params) -> dict:
    """The managers' course completion table (TeamCourseStats). The full page does not read it: it is loaded
    through htmx when scrolled into view (`partial=courses`), which keeps the page within its query budget."""
    rows, next_cursor = selectors.courses_page(
        qs=selectors.team_courses(team=team, search=params["q"], overdue_only=params["overdue"]),
        sort=params["sort"],
        cursor=params["cursor"],
    )
    base = {"team": team.id, "course_q": params["q"]} | ({"course_overdue": 1} if params["overdue"] else {})
    return {
        "team_course_rows": rows,
        "team_course_next_cursor": next_cursor,
        "team_course_params": params,
        "team_course_base": urlencode(base),
    }


def _overdue_params(request) -> dict:
    return {
        "q": _clean_q(request.GET.get("overdue_q")),
        "min_days": exports.parse_min_days(request.GET.get("overdue_days")),
        "sort": selectors.parse_overdue_sort(request.GET.get("overdue_sort")),
        "cursor": request.GET.get("overdue_cursor") or None,
    }


def _overdue_table(team, params) -> dict:
    """The overdue items table: every overdue course enrollment of the subtree, a page at a time. Loaded through
    htmx when scrolled into view (`partial=overdue`), like the course table."""
    rows, next_cursor = selectors.overdue_page(
        qs=selectors.team_overdue_enrollments(team=team, search=params["q"], min_days=params["min_days"]),
        sort=params["sort"],
        cursor=params["cursor"],
    )
    base = {"team": team.id, "overdue_q": params["q"]} | (
        {"overdue_days": params["min_days"]} if params["min_days"] else {}
    )
    return {
        "overdue_rows": rows,
        "overdue_next_cursor": next_cursor,
        "overdue_params": params,
        "overdue_base": urlencode(base),
    }


def _lowest_params(request) -> dict:
    return {
        "q": _clean_q(request.GET.get("low_q")),
        "category": _clean_q(request.GET.get("low_category"))[: selectors.AREA_CODE_MAX + 1],
        "competency": _clean_q(request.GET.get("low_competency"))[: selectors.AREA_CODE_MAX + 1],
        "sort": selectors.parse_lowest_sort(request.GET.get("low_sort") or request.GET.get("low")),
        "cursor": request.GET.get("low_cursor") or None,
    }


def _lowest_table(team, params) -> dict:
    """The lowest scores table: the subtree's people with quiz results (PersonStats), or with a score in the chosen
    category or competency, a page at a time. Loaded through htmx when scrolled into view (`partial=lowest`). A
    bad filter is shown as a message and dropped (the table shows everyone)."""
    area, error = None, ""
    try:
        area = selectors.parse_lowest_area(category=params["category"], competency=params["competency"])
    except ValidationError as exc:
        error = " ".join(exc.messages)
        params = {**params, "category": "", "competency": "", "cursor": None}
    rows, next_cursor = selectors.lowest_page(
        qs=selectors.team_lowest_people(team=team, search=params["q"], area=area),
        sort=params["sort"],
        cursor=params["cursor"],
    )
    base = {"team": team.id, "low_q": params["q"]}
    if area:
        base[f"low_{area.axis}"] = area.code
    return {
        "lowest_rows": rows,
        "lowest_next_cursor": next_cursor,
        "lowest_params": params,
        "lowest_area": area,
        "lowest_error": error,
        "lowest_base": urlencode(base),
    }


def _due_default():
    return timezone.localdate() + timedelta(days=14)


# Every table of the dashboard pages pages by its own cursor parameter.
CURSOR_PARAMS = ("cursor", "plan_cursor", "course_cursor", "overdue_cursor", "low_cursor")


def _invalid_cursor_page(request, exc: selectors.InvalidCursor):
    """400 for a page address whose cursor we did not write (someone edited or cut it), with a link to the same
    page without any cursor. Loaded into the page through htmx (a table's next page), the table's place shows the
    message (dashboard.js swaps this 400 in)."""
    query = request.GET.copy()
    for name in (*CURSOR_PARAMS, "partial"):
        query.pop(name, None)
    context = {"message": " ".join(exc.messages), "first_page": f"{request.path}?{query.urlencode()}"}
    if request.htmx:
        context["target"] = request.htmx.target or ""
        response = render(request, "dashboards/_invalid_cursor.html", context, status=400)
        response["X-Invalid-Cursor"] = "1"  # dashboard.js swaps this 400 in
        return response
    return render(request, "dashboards/invalid_cursor.html", context, status=400)


def _cursors_checked(view):
    """Every cursor in the address is read before the page is built: a forged one is a 400 page, not a silent first
    page, also for the tables the page loads later through htmx (whose cursors it passes on). A cursor that reads
    but does not fit its table's sort is found by the table's selector, with the same answer."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        try:
            for name in CURSOR_PARAMS:
                if request.GET.get(name):
                    selectors.cursor_decode(request.GET[name])
            return view(request, *args, **kwargs)
        except selectors.InvalidCursor as exc:
            return _invalid_cursor_page(request, exc)

    return checked


@login_required
@role_required(MANAGER)
@_cursors_checked
def dashboard(request):
    roots = []
    if request.GET.get("team"):
        team = selectors.dashboard_team_get(user=request.user, team_id=request.GET["team"], with_children=True)
    else:
        roots = selectors.dashboard_root_teams(user=request.user, with_children=True)
        if not roots:
            return render(request, "dashboards/empty.html")
        team = roots[0]
    course_params = _team_course_params(request)
    if request.GET.get("partial") == "courses":
        return render(
            request, "dashboards/_team_courses_table.html", {"team": team, **_team_courses_table(team, course_params)}
        )
    overdue_params = _overdue_params(request)
    if request.GET.get("partial") == "overdue":
        return render(request, "dashboards/_overdue_table.html", {"team": team, **_overdue_table(team, overdue_params)})
    lowest_params = _lowest_params(request)
    if request.GET.get("partial") == "lowest":
        return render(request, "dashboards/_lowest_table.html", {"team": team, **_lowest_table(team, lowest_params)})
    params = _table_params(request)
    table = _people_table(team, params)
    if request.htmx and request.GET.get("partial") == "people":
        return render(request, "dashboards/_people_table.html", {"team": team, **table})
    plans = _plans_table(selectors.team_plans(team=team), _plan_params(request), base_qs=f"team={team.id}&")
    if request.htmx and request.GET.get("partial") == "plans":
        return render(request, "dashboards/_plans_table.html", {"team": team, **plans})
    overview = selectors.team_overview(team=team)
    charts = selectors.team_charts(team=team)
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "team": team,
            "up_url": selectors.dashboard_up_link(user=request.user, team=team),
            "home_link": bool(request.GET.get("team")),
            "roots": roots if len(roots) > 1 else [],
            "overview": overview,
            "charts": charts,
            "mastery_axes": list(charts["mastery"].items()),
            "chart_data": selectors.chart_payload(overview=overview, charts=charts),
            "lowest_params": lowest_params,
            "weak_spots": selectors.remedy_links(
                user=request.user,
                spots=selectors.weak_spots(areas=charts["mastery"]["category"] + charts["mastery"]["competency"]),
            ),
            "weak_threshold": settings.DASHBOARD_WEAK_SCORE,
            "due_default": _due_default(),
            "overdue_params": overdue_params,
            "expiring": selectors.team_expiring_certificates(team=team),
            "export_form": ExportForm(initial={"format": "xlsx"}),
            **table,
            **plans,
            "team_course_params": course_params,
        },
    )


@login_required
@role_required(TRAINER)
@_cursors_checked
def courses(request):
    """A trainer's dashboard: headline figures and charts over the courses and training plans they own (OwnerStats
    and its daily snapshots), and the completion of each (CourseStats, TeamPlanStats over every participant)."""
    plans = _plans_table(selectors.owned_plans(user=request.user), _plan_params(request), base_qs="")
    if request.htmx and request.GET.get("partial") == "plans":
        return render(request, "dashboards/_plans_table.html", plans)
    params = {
        "q": _clean_q(request.GET.get("q")),
        "overdue": request.GET.get("overdue") == "1",
        "sort": selectors.parse_course_sort(request.GET.get("sort")),
        "cursor": request.GET.get("cursor") or None,
    }
    rows, next_cursor = selectors.courses_page(
        qs=selectors.owned_courses(user=request.user, search=params["q"], overdue_only=params["overdue"]),
        sort=params["sort"],
        cursor=params["cursor"],
    )
    courses = {"course_rows": rows, "course_next_cursor": next_cursor, "course_params": params}
    if request.htmx and request.GET.get("partial") == "courses":
        return render(request, "dashboards/_courses_table.html", courses)
    stats = selectors.owner_stats_get(user=request.user)
    overview = selectors.owner_overview(user=request.user, stats=stats)
    charts = selectors.stats_charts(stats=stats)
    return render(
        request,
        "dashboards/courses.html",
        {
            **courses,
            **plans,
            "overview": overview,
            "charts": charts,
            "mastery_axes": list(charts["mastery"].items()),
            "chart_data": selectors.chart_payload(overview=overview, charts=charts),
        },
    )


@login_required
@role_required(MANAGER)
def person(request, person_id: int):
    person = selectors.dashboard_person_get(user=request.user, person_id=person_id)
    data = selectors.person_overview(person=person)
    return render(
        request,
        "dashboards/person.html",
        {
            "person": person,
            "chart_data": selectors.chart_payload(charts={"mastery": data["mastery"]}),
            "mastery_axes": list(data["mastery"].items()),
            "weak_threshold": settings.DASHBOARD_WEAK_SCORE,
            "due_default": _due_default(),
            **data,
            "weak_spots": selectors.remedy_links(user=request.user, spots=data["weak_spots"]),
        },
    )


def _assign_target(request, data):
    """(team, person): exactly one of them, checked against the user's scope (404 outside)."""
    if data.get("person"):
        return None, selectors.dashboard_person_get(user=request.user, person_id=data["person"])
    if data.get("team"):
        return selectors.dashboard_team_get(user=request.user, team_id=data["team"]), None
    raise Http404


def _back_to(team, person):
    if person:
        return redirect("dashboards:person", person_id=person.id)
    return redirect(f"{reverse('dashboards:home')}?team={team.id}")


@login_required
@role_required(MANAGER)
def assign(request):
    """Assign a course with a due date to a person or a whole team: new people are enrolled, overdue or completed
    enrollments re-opened with the new date (optionally with their progress reset), the rest left as they are."""
    data = request.POST if request.method == "POST" else request.GET
    team, person = _assign_target(request, data)
    form = AssignForm(request.POST or None, initial={"course": request.GET.get("course")})
    if request.method == "POST" and form.is_valid():
        user_ids = [person.id] if person else team_member_ids(team=team)
        try:
            result = services.dashboard_assign(
                user_ids=user_ids,
                course=form.cleaned_data["course"],
                due_date=form.cleaned_data["due_date"],
                by=request.user,
                reset_progress=form.cleaned_data["reset_progress"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, result.message)
            return _back_to(team, person)
    return render(request, "dashboards/assign.html", {"form": form, "team": team, "person": person})


def _assignment_page(request, *, form_class, field: str, assign, template: str):
    """A page assigning one thing (`field` of `form_class`: a scenario, a quiz) with a due date to a person or a
    whole team through `assign` (a dashboards service: it checks who may be assigned and says what it did)."""
    data = request.POST if request.method == "POST" else request.GET
    team, person = _assign_target(request, data)
    form = form_class(request.POST or None, initial={field: request.GET.get(field)})
    if request.method == "POST" and form.is_valid():
        user_ids = [person.id] if person else team_member_ids(team=team)
        try:
            result = assign(
                user_ids=user_ids,
                due_date=form.cleaned_data["due_date"],
                by=request.user,
                **{field: form.cleaned_data[field]},
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, result["message"])
            return _back_to(team, person)
    return render(request, template, {"form": form, "team": team, "person": person})


@login_required
@role_required(MANAGER)
def assign_practice(request):
    """Assign a role-play scenario with a due date to a person or a whole team (one open assignment each; assigning
    again changes its due date). Each learner is notified with a link to start it."""
    return _assignment_page(
        request,
        form_class=PracticeAssignForm,
        field="scenario",
        assign=services.dashboard_practice_assign,
        template="dashboards/assign_practice.html",
    )


@login_required
@role_required(MANAGER)
def assign_quiz(request):
    """Assign a published quiz with a due date to a person or a whole team (one open assignment each; assigning
    again changes its due date). Each learner is notified with a link to the quiz, which they may then take even
    outside its course; the assignment is done once they pass it."""
    return _assignment_page(
        request,
        form_class=QuizAssignForm,
        field="quiz",
        assign=services.dashboard_quiz_assign,
        template="dashboards/assign_quiz.html",
    )


@login_required
@role_required(MANAGER)
@require_POST
def nudge(request):
    team, person = _assign_target(request, request.POST)
    user_ids = [person.id] if person else team_member_ids(team=team)
    _sent, message = services.nudge_overdue(user_ids=user_ids, by=request.user)
    messages.success(request, message)
    if person:
        return redirect("dashboards:person", person_id=person.id)
    return redirect(f"{reverse('dashboards:home')}?team={team.id}")


@login_required
@role_required(MANAGER, TRAINER)
@require_POST
def export_start(request):
    """Start an export of one table (`table`, `format` and the page's filters); 404 outside its scope."""
    table = request.POST.get("table") or "people"
    try:
        job = exports.export_start(
            user=request.user, table=table, fmt=request.POST.get("format", ""), params=request.POST
        )
    except ValidationError as exc:
        messages.error(request, _("The export did not start: %(reason)s") % {"reason": " ".join(exc.messages)})
        if table in ("courses", "owned_plans"):
            return redirect("dashboards:courses")
        team = request.POST.get("team", "")
        return redirect(f"{reverse('dashboards:home')}?team={team}" if team.isdigit() else "dashboards:home")
    return redirect("dashboards:export", job_id=job.id)


@login_required
def export_page(request, job_id: int):
    job = exports.export_get_for_user(user=request.user, job_id=job_id)
    if request.htmx:
        return render(request, "dashboards/_export_status.html", {"job": job})
    return render(request, "dashboards/export.html", {"job": job, **exports.export_page_context(job=job)})


@login_required
def export_download(request, job_id: int):
    return exports.export_file_response(exports.export_get_for_user(user=request.user, job_id=job_id))
