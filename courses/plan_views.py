"""Training plan pages: list, create, the plan page, the builder (htmx fragments) and exports. Thin: they parse,
call plan_services / plan_selectors, and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import hooks, plan_exports, plan_selectors, plan_services
from courses.models import Category, Competency, Method, TrainingPlan
from courses.plan_forms import CloneForm, NewPlanForm, ObjectiveForm, PlanForm, SessionForm, apply_errors
from lms.permissions import role_required
from lms.roles import MANAGER, SALESPERSON, TRAINER, has_role

PLAN_READERS = (TRAINER, MANAGER, SALESPERSON)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- list, create ---------------------------------------------------------------------------------------------


@login_required
@role_required(*PLAN_READERS)
def plan_list(request):
    search = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    qs = plan_selectors.plan_list(user=request.user, search=search, kind=kind, status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/plans/list.html",
        {
            "page": page,
            "q": search,
            "kind": kind,
            "status": status,
            "statuses": TrainingPlan.Status.choices,
            "can_create": has_role(request.user, TRAINER),
        },
    )


@login_required
@role_required(TRAINER)
def plan_new(request):
    templates = plan_selectors.templates_for_user(user=request.user)
    form = NewPlanForm(request.POST or None, templates=templates, initial={"template": request.GET.get("template")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["template"]:
                plan = plan_services.plan_clone(
                    plan=data["template"],
                    user=request.user,
                    start_date=data["start_date"],
                    as_template=data["as_template"],
                    title=data["title"],
                )
            else:
                plan = plan_services.plan_create(
                    user=request.user,
                    title=data["title"],
                    start_date=data["start_date"],
                    days=data["days"] if data["days"] is not None else 6,
                    is_template=data["as_template"],
                )
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, _("Plan created. Now build its schedule."))
            return redirect("courses:plan_edit", plan_id=plan.pk)
    return render(request, "courses/plans/new.html", {"form": form, "templates": templates})


# --- the plan page --------------------------------------------------------------------------------------------


def _reference() -> dict:
    return {"categories": list(Category.objects.all()), "competencies": list(Competency.objects.all())}


def _plan_context(request, plan: TrainingPlan, *, editable: bool) -> dict:
    sessions = plan_selectors.plan_sessions(plan=plan)
    objectives = plan_selectors.plan_objectives(plan=plan)
    ref = _reference()
    clashes = plan_selectors.trainer_clashes(plan=plan, sessions=sessions)
    overlaps = plan_selectors.session_overlaps(sessions=sessions)
    # Links the apps above add to each session card of the builder (one call for all the sessions).
    actions: dict[int, list[dict]] = {}
    if editable:
        for provided in hooks.plan_session_actions.call(user=request.user, plan=plan, sessions=sessions):
            for session_id, links in (provided or {}).items():
                actions.setdefault(session_id, []).extend(links)
    for s in sessions:
        s.clashes = clashes.get(s.pk, [])
        s.overlaps = overlaps.get(s.pk, [])
        s.actions = actions.get(s.pk, [])
    return {
        "plan": plan,
        "editable": editable,
        "can_edit": editable or plan_selectors.plan_can_edit(user=request.user, plan=plan),
        "objectives": objectives,
        "schedule": plan_selectors.plan_schedule(plan=plan, sessions=sessions),
        "day_numbers": list(range(1, plan.days + 1)),
        "coverage": plan_selectors.plan_coverage(
            plan=plan,
            sessions=sessions,
            objectives=objectives,
            categories=ref["categories"],
            competencies=ref["competencies"],
        ),
        "clashes": clashes,
        "overlaps": overlaps,
        "conflicts": plan_selectors.plan_conflicts(sessions=sessions, overlaps=overlaps, clashes=clashes),
        "team_links": plan_selectors.plan_team_links(user=request.user, plan=plan),
        "changes": plan_selectors.plan_changes(plan=plan),
        "can_clone": has_role(request.user, TRAINER),
        "today": timezone.localdate(),
    }


@login_required
def plan_detail(request, plan_id: int):
    plan = plan_selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    context = _plan_context(request, plan, editable=False)
    for extra in hooks.plan_page_context.call(user=request.user, plan=plan):
        context.update(extra)
    return render(request, "courses/plans/detail.html", context)


@login_required
def plan_edit(request, plan_id: int):
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    context = _plan_context(request, plan, editable=True)
    context["header_form"] = PlanForm(instance=plan, initial={"teams": list(plan.teams.all())})
    context["objective_form"] = ObjectiveForm()
    context["methods"] = list(Method.objects.all())
    return render(request, "courses/plans/builder.html", context)


def _render_board(
    request, plan: TrainingPlan, *, error: str = "", saved_id: int | None = None, moved: bool = False
) -> HttpResponse:
    """The schedule grid and the coverage panel (out of band); after a save, the warnings of the saved session.

    A move answers with no main target (hx-swap none), so its warnings are shown inside the schedule (`moved`).
    """
    context = _plan_context(request, plan, editable=True)
    context["board_error"] = error
    context["saved_clashes"] = context["clashes"].get(saved_id, []) if saved_id else []
    context["saved_overlaps"] = context["overlaps"].get(saved_id, []) if saved_id else []
    context["moved"] = moved
    return render(request, "courses/plans/_board_response.html", context)


# --- header and objectives ------------------------------------------------------------------------------------


@login_required
@require_POST
def plan_header(request, plan_id: int):
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    form = PlanForm(request.POST, instance=TrainingPlan.objects.get(pk=plan.pk))
    saved = False
    if form.is_valid():
        data = {name: form.cleaned_data.get(name) for name in plan_services.PLAN_FIELDS}
        data["days"] = data["days"] if data["days"] is not None else plan.days
        for text_field in ("audience", "venue", "equipment", "description", "title"):
            data[text_field] = data[text_field] or ""
        try:
            days_before, start_before = plan.days, plan.start_date
            plan = plan_services.plan_update(
                plan=plan, user=request.user, teams=form.cleaned_data["teams"], request=request, **data
            )
        except (ValidationError, plan_services.PlanStateError) as e:
            apply_errors(form, e if isinstance(e, ValidationError) else ValidationError(e.message))
        else:
            saved = True
            if (plan.days, plan.start_date) != (days_before, start_before) and _is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Refresh"] = "true"
                return response
    if not _is_htmx(request):
        # Without JavaScript: back to the builder, or the whole builder page with the errors in place.
        if saved:
            return redirect("courses:plan_edit", plan_id=plan.pk)
        context = _plan_context(request, plan, editable=True)
        context.update(header_form=form, objective_form=ObjectiveForm(), methods=list(Method.objects.all()))
        return render(request, "courses/plans/builder.html", context)
    return render(request, "courses/plans/_header_form.html", {"plan": plan, "header_form": form, "saved": saved})


def _objectives_fragment(request, plan, form=None, editing=None):
    objectives = plan_selectors.plan_objectives(plan=plan)
    coverage = plan_selectors.plan_coverage(plan=plan, objectives=objectives)
    return render(
        request,
        "courses/plans/_objectives_response.html",
        {
            "plan": plan,
            "objectives": objectives,
            "objective_form": form or ObjectiveForm(),
            "editing": editing,
            "editable": True,
            "coverage": coverage,
        },
    )


@login_required
@require_POST
def objective_add(request, plan_id: int):
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    form = ObjectiveForm(request.POST)
    if form.is_valid():
        try:
            plan_services.objective_create(plan=plan, user=request.user, **form.cleaned_data)
        except ValidationError as e:
            apply_errors(form, e)
        else:
            form = None
    return _objectives_fragment(request, plan, form)


@login_required
def objective_edit(request, plan_id: int, objective_id: int):
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    objective = plan_selectors.objective_get_for_plan(plan=plan, objective_id=objective_id)
    if request.method == "POST":
        form = ObjectiveForm(request.POST, auto_id=f"objective_{objective.pk}_%s")
        if form.is_valid():
            try:
                plan_services.objective_update(objective=objective, user=request.user, **form.cleaned_data)
            except ValidationError as e:
                apply_errors(form, e)
            else:
                return _objectives_fragment(request, plan)
        return _objectives_fragment(request, plan, editing=(objective.pk, form))
    if request.GET.get("cancel"):
        return _objectives_fragment(request, plan)
    form = ObjectiveForm(
        initial={"kind": objective.kind, "text": objective.text}, auto_id=f"objective_{objective.pk}_%s"
    )
    return _objectives_fragment(request, plan, editing=(objective.pk, form))


@login_required
@require_POST
def objective_delete(request, plan_id: int, objective_id: int):
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    objective = plan_selectors.objective_get_for_plan(plan=plan, objective_id=objective_id)
    plan_services.objective_delete(objective=objective, user=request.user)
    return _objectives_fragment(request, plan)


# --- sessions -------------------------------------------------------------------------------------------------


@login_required
def session_new(request, plan_id: int):
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    if request.method == "POST":
        form = SessionForm(request.POST, plan=plan)
        if form.is_valid():
            try:
                session = plan_services.session_create(plan=plan, user=request.user, **form.service_data())
            except ValidationError as e:
                apply_errors(form, e)
            else:
                return _render_board(request, plan, saved_id=session.pk)
        return render(request, "courses/plans/_session_form.html", {"plan": plan, "form": form})
    day = int(request.GET["day"]) if request.GET.get("day", "").isdigit() else 1
    start, end = plan_selectors.next_free_slot(plan=plan, day=day)
    initial = {"day": day, "start_time": start, "end_time": end, "room": ""}
    form = SessionForm(plan=plan, initial=initial)
    return render(request, "courses/plans/_session_form.html", {"plan": plan, "form": form})


@login_required
def session_edit(request, plan_id: int, session_id: int):
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    session = plan_selectors.session_get_for_plan(plan=plan, session_id=session_id)
    if request.method == "POST":
        form = SessionForm(request.POST, plan=plan, instance=session)
        if form.is_valid():
            try:
                plan_services.session_update(session=session, user=request.user, **form.service_data())
            except ValidationError as e:
                apply_errors(form, e)
            else:
                return _render_board(request, plan, saved_id=session.pk)
        return render(
            request,
            "courses/plans/_session_form.html",
            {"plan": plan, "form": form, "session": session},
        )
    form = SessionForm(plan=plan, instance=session)
    return render(request, "courses/plans/_session_form.html", {"plan": plan, "form": form, "session": session})


@login_required
@require_POST
def session_delete(request, plan_id: int, session_id: int):
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    session = plan_selectors.session_get_for_plan(plan=plan, session_id=session_id)
    plan_services.session_delete(session=session, user=request.user)
    return _render_board(request, plan)


@login_required
@require_POST
def session_move(request, plan_id: int, session_id: int):
    """Drag to another day, or the keyboard "move to day N" / "earlier" / "later" controls."""
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    session = plan_selectors.session_get_for_plan(plan=plan, session_id=session_id)
    error = ""
    try:
        direction = request.POST.get("direction")
        if direction in ("up", "down"):
            plan_services.session_shift(session=session, user=request.user, direction=-1 if direction == "up" else 1)
        else:
            day = request.POST.get("day", "")
            if not day.isdigit():
                raise ValidationError({"day": [_("Choose a day.")]})
            # A session moved to another day keeps its times; the grid shows it in time order there.
            plan_services.session_move(session=session, user=request.user, day=int(day))
    except ValidationError as e:
        error = " ".join(e.messages)
    return _render_board(request, plan, error=error, saved_id=None if error else session.pk, moved=not error)


@login_required
@require_POST
def day_reorder(request, plan_id: int, day: int):
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    order = [int(i) for raw in request.POST.getlist("order") for i in raw.split(",") if i.strip().isdigit()]
    error = ""
    try:
        plan_services.session_reorder(plan=plan, user=request.user, day=day, session_ids=order)
    except ValidationError as e:
        error = " ".join(e.messages)
    return _render_board(request, plan, error=error)


# --- lifecycle ------------------------------------------------------------------------------------------------


def _state_change(request, plan_id: int, action) -> HttpResponse:
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    try:
        action(plan=plan, user=request.user)
    except plan_services.PlanStateError as e:
        messages.error(request, e.message)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        return None
    return redirect("courses:plan_detail", plan_id=plan.pk)


@login_required
def plan_publish(request, plan_id: int):
    """A confirmation page (GET) listing what publishing does, the conflicts and a draft checklist; its form
    POSTs with `confirm`. A POST without it (an old form, a stray request) shows the page instead of publishing.
    With conflicts the trainer must also tick `accept_conflicts`."""
    plan = plan_selectors.plan_get_for_edit(user=request.user, plan_id=plan_id)
    if plan.status != TrainingPlan.Status.DRAFT or plan.is_template:
        messages.error(
            request,
            _("A template cannot be published; clone it into a plan with a start date first.")
            if plan.is_template
            else _("Only a draft can be published."),
        )
        return redirect("courses:plan_detail", plan_id=plan.pk)
    context = _plan_context(request, plan, editable=False)
    context["checklist"] = plan_selectors.plan_publish_checklist(
        plan=plan,
        sessions=[s for day in context["schedule"] for s in day["sessions"]],
        objectives=context["objectives"],
        coverage=context["coverage"],
    )
    context["team_member_count"] = plan_selectors.plan_team_member_count(plan=plan)
    context["blocked"] = any(item.blocking and not item.ok for item in context["checklist"])
    error = ""
    if request.method == "POST" and request.POST.get("confirm") == "1":
        if context["conflicts"] and request.POST.get("accept_conflicts") != "1":
            error = _("Tick the box to publish in spite of the conflicts, or fix them first.")
        else:
            response = _state_change(request, plan_id, lambda **kw: plan_services.plan_publish(**kw, request=request))
            if response is None:
                messages.success(request, _("The plan is published. Later changes are recorded in its change log."))
            return response or redirect("courses:plan_detail", plan_id=plan_id)
    context["publish_error"] = error
    return render(request, "courses/plans/publish_confirm.html", context, status=400 if error else 200)


@login_required
@require_POST
def plan_archive(request, plan_id: int):
    response = _state_change(request, plan_id, plan_services.plan_archive)
    if response is None:
        messages.success(request, _("The plan is archived."))
    return response or redirect("courses:plan_detail", plan_id=plan_id)


@login_required
@require_POST
def plan_delete(request, plan_id: int):
    response = _state_change(request, plan_id, plan_services.plan_delete)
    if response is None:
        messages.success(request, _("The plan is deleted."))
        return redirect("courses:plan_list")
    return response


@login_required
@role_required(TRAINER)
def plan_clone(request, plan_id: int):
    plan = plan_selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    form = CloneForm(request.POST or None, initial={"as_template": request.GET.get("as_template") == "1"})
    if request.method == "POST" and form.is_valid():
        try:
            copy = plan_services.plan_clone(plan=plan, user=request.user, **form.cleaned_data)
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, _("Copy created."))
            return redirect("courses:plan_edit", plan_id=copy.pk)
    return render(request, "courses/plans/clone.html", {"plan": plan, "form": form})


# --- exports --------------------------------------------------------------------------------------------------


@login_required
def plan_calendar(request, plan_id: int):
    plan = plan_selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    if plan.start_date is None:
        raise Http404
    response = HttpResponse(plan_exports.plan_ical(plan=plan), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}.ics"'
    return response


@login_required
def plan_print(request, plan_id: int):
    plan = plan_selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    return render(request, "courses/plans/print.html", {"doc": plan_selectors.plan_document(plan=plan), "plan": plan})


@login_required
def plan_docx(request, plan_id: int):
    plan = plan_selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    response = HttpResponse(
        plan_exports.plan_docx(plan=plan),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}.docx"'
    return response
