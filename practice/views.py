import copy
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.permissions import role_required
from lms.roles import MANAGER, SALESPERSON, TRAINER
from practice import selectors, services, spec_builder, spec_editor
from practice.engine.spec import DEFAULT_RUBRIC, rubric_of, validate_spec
from practice.forms import (
    CommentForm,
    ImportForm,
    OverrideForm,
    ReplyForm,
    RequirementForm,
    ScenarioForm,
    ScenarioMetaForm,
    brief_apply_action,
    brief_context,
    brief_from_post,
    load_json,
    spec_unstorable,
)
from practice.labels import BAND_CSS, BAND_LABELS
from practice.models import PracticeSession, Scenario, ScenarioRequirement
from trainees.selectors import teams_for_user

PRACTISING = (SALESPERSON, MANAGER, TRAINER)

NEW_SPEC = {
    "start": "open",
    "max_turns": 8,
    "fallback_line": "我没太听明白，您能具体说说吗？",
    "nodes": [
        {
            "id": "open",
            "lines": ["你好，有什么事吗？"],
            "branches": [{"to": "close", "intents": ["您好，我是某某公司的销售顾问"], "keywords": ["公司"]}],
        },
        {"id": "close", "lines": ["好的，那你把资料发给我看看。"], "closing": True},
    ],
    "objections": [],
    "key_points": [{"code": "intro", "canonical": "介绍自己和公司，说明来意", "examples": [], "synonyms": []}],
    "forbidden": [],
    "rubric": DEFAULT_RUBRIC,
}


def _form_errors_from(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{key}: {msg}" for key, msgs in exc.message_dict.items() for msg in msgs]
    return exc.messages


@login_required
@role_required(*PRACTISING)
def home(request):
    language = request.GET.get("language", "")
    category = request.GET.get("category", "")
    scenarios = selectors.scenario_list(user=request.user, language=language, category=category).filter(
        status=Scenario.Status.PUBLISHED
    )
    best = {row["scenario_id"]: row for row in selectors.best_scores(user=request.user)}
    unfinished = dict(
        PracticeSession.objects.filter(user=request.user, status=PracticeSession.Status.IN_PROGRESS).values_list(
            "scenario_id", "id"
        )
    )
    required = selectors.requirements_of(user=request.user)
    rows = [
        {"scenario": s, "best": best.get(s.id), "resume": unfinished.get(s.id), "required": required.get(s.id, [])}
        for s in scenarios[:100]
    ]
    # what a course or plan still asks of the person first (stable: the list's own order otherwise)
    rows.sort(key=lambda r: not (r["required"] and not (r["best"] and r["best"]["passed"])))
    return render(
        request,
        "practice/home.html",
        {
            "rows": rows,
            "language": language,
            "languages": Scenario.Language.choices,
            "can_author": selectors.can_author(request.user),
            "is_manager": selectors.is_manager(request.user),
        },
    )


@login_required
@role_required(TRAINER)
@require_POST
def scenario_try(request, scenario_id: int):
    """试一试: the trainer plays their own scenario (a draft too); the session counts nowhere. An open trial is
    resumed (one open conversation per person and scenario)."""
    scenario = selectors.scenario_get_for_editing(user=request.user, scenario_id=scenario_id)
    session = services.session_start(user=request.user, scenario=scenario, is_trial=True)
    return redirect("practice:session", session_id=session.id)


@login_required
@role_required(*PRACTISING)
@require_http_methods(["GET", "POST"])
def start(request, scenario_id: int):
    """GET: the scenario's brief with the button to start (where a course's completion panel links); POST: start
    the conversation, or resume the unfinished one."""
    scenario = selectors.scenario_get_for_user(user=request.user, scenario_id=scenario_id)
    if scenario.status != Scenario.Status.PUBLISHED and not selectors.can_author(request.user):
        raise Http404
    if request.method == "GET":
        best = next((b for b in selectors.best_scores(user=request.user) if b["scenario_id"] == scenario.id), None)
        resume = PracticeSession.objects.filter(
            user=request.user, scenario=scenario, status=PracticeSession.Status.IN_PROGRESS
        ).exists()
        context = {"scenario": scenario, "best": best, "resume": resume, "pass_mark": scenario.pass_mark}
        return render(request, "practice/start.html", context)
    session = services.session_start(user=request.user, scenario=scenario)
    return redirect("practice:session", session_id=session.id)


@login_required
def session_page(request, session_id: int):
    session = selectors.session_get_for_user(user=request.user, session_id=session_id)
    own = session.user_id == request.user.id
    if not session.is_finished and own:
        return _conversation(request, session)
    return _result(request, session)


def _override_form(session, data=None) -> OverrideForm:
    view = selectors.scorecard_view(session=session, numbers=False)
    allowed = set(services.overridable_dimensions(session))
    dims = [(d["code"], d["label"], d["score"]) for d in view["dimensions"] if d["code"] in allowed]
    return OverrideForm(data, dimensions=dims)


def _result(request, session, *, comment_form=None, override_form=None, status=200):
    prefetch_related_objects([session], *selectors.coaching_prefetch())
    card = session.scorecard or {}
    coach = selectors.can_coach(user=request.user, session=session)
    numbers = selectors.can_see_numbers(user=request.user, session=session)
    coaching = selectors.coaching_of(session=session)
    context = {
        "session": session,
        "own": session.user_id == request.user.id,
        "card": card,
        "view": selectors.scorecard_view(session=session, numbers=numbers),
        "numbers": numbers,
        "overall_css": BAND_CSS.get(card.get("band", ""), "secondary"),
        "overall_band": BAND_LABELS.get(card.get("band", ""), ""),
        "transcript": selectors.transcript(session=session, numbers=numbers),
        "comments": coaching["comments"],
        "corrections": coaching["corrections"],
        "compliance_adjusted": "compliance" in coaching["adjusted"],
        "can_coach": coach,
        "comment_form": comment_form or CommentForm(),
        "override_form": override_form or (_override_form(session) if coach and session.is_finished else None),
        "drill": selectors.drill_suggestions(session=session) if session.is_finished else None,
        "pass_mark": rubric_of(session.scenario.spec)["pass_mark"],
    }
    return render(request, "practice/result.html", context, status=status)


def _conversation(request, session, *, text: str = "", error: str = "", status: int = 200):
    context = {
        "session": session,
        "turns": session.turns.order_by("index"),
        "form": ReplyForm(),
        "text": text,
        "error": error,
    }
    return render(request, "practice/session.html", context, status=status)


@login_required
@require_POST
def reply(request, session_id: int):
    session = selectors.session_get_own(user=request.user, session_id=session_id)
    text = request.POST.get("text", "")
    try:
        trainee, customer = services.session_reply(session=session, text=text)
    except (ValidationError, services.TurnInProgress) as exc:
        if isinstance(exc, services.TurnInProgress):
            message = exc.message
        else:
            message = " ".join(m for msgs in exc.message_dict.values() for m in msgs)
        if request.htmx:
            # htmx 2 does not swap 4xx answers, so the error is a 200 aimed at the error slot (the box keeps the text)
            response = render(request, "practice/_reply_error.html", {"message": message})
            response["HX-Retarget"] = "#reply-error"
            response["X-Practice-Error"] = "1"
            response["HX-Reswap"] = "innerHTML"
            return response
        session.refresh_from_db(fields=["status"])
        if session.is_finished:
            messages.error(request, message)
            return redirect("practice:session", session_id=session.id)
        # without JavaScript: the conversation again, with the message and what was typed still in the box
        shown = services.reply_text_for_display(text)
        return _conversation(request, session, text=shown, error=message, status=422)
    session.refresh_from_db(fields=["status"])
    if session.is_finished:
        url = reverse("practice:session", args=[session.id])
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    if request.htmx:
        return render(request, "practice/_turns.html", {"turns": [trainee, customer]})
    return redirect("practice:session", session_id=session.id)


@login_required
@require_POST
def finish(request, session_id: int):
    session = selectors.session_get_own(user=request.user, session_id=session_id)
    services.session_finish(session=session)
    return redirect("practice:session", session_id=session.id)


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@login_required
@require_POST
def comment(request, session_id: int):
    session = selectors.session_get_for_coaching(user=request.user, session_id=session_id)
    form = CommentForm(request.POST)
    form.is_valid()
    try:
        services.comment_add(session=session, author=request.user, body=form.cleaned_data.get("body", ""))
    except ValidationError as exc:
        _apply_errors(form, exc)
        return _result(request, session, comment_form=form, status=422)
    messages.success(request, _("Comment added. The salesperson is notified."))
    return redirect("practice:session", session_id=session.id)


@login_required
@require_POST
def override(request, session_id: int):
    """Re-score dimensions of the rubric, each with its reason; the overall is recomputed."""
    session = selectors.session_get_for_coaching(user=request.user, session_id=session_id)
    form = _override_form(session, data=request.POST)
    try:
        services.score_override(session=session, author=request.user, changes=form.changes(), request=request)
    except ValidationError as exc:
        form.is_valid()
        _apply_errors(form, exc)
        return _result(request, session, override_form=form, status=422)
    messages.success(request, _("Score corrected. The salesperson is notified."))
    return redirect("practice:session", session_id=session.id)


@login_required
@role_required(*PRACTISING)
def history(request):
    sessions = selectors.session_history(user=request.user, with_coaching=True)
    page = Paginator(sessions, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "best": selectors.best_scores(user=request.user),
        "can_author": selectors.can_author(request.user),
    }
    return render(request, "practice/history.html", context)


@login_required
@role_required(MANAGER)
def team(request):
    team_id = request.GET.get("team", "")
    qs = selectors.team_sessions(user=request.user, team_id=int(team_id) if team_id.isdigit() else None)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    teams = teams_for_user(user=request.user).order_by("full_name")
    summary = selectors.team_summary(user=request.user, team_id=int(team_id) if team_id.isdigit() else None)
    context = {"page": page, "team": team_id, "teams": teams, "summary": summary}
    return render(request, "practice/team.html", context)


# --- authoring (trainers) ---------------------------------------------------------------------------------


@login_required
@role_required(TRAINER)
def manage(request):
    scenarios = selectors.scenarios_for_editing(user=request.user).order_by("language", "title", "id")
    page = Paginator(scenarios, 50).get_page(request.GET.get("page"))
    stats = selectors.scenario_stats(scenario_ids=[s.id for s in page])
    rows = [{"scenario": s, "stats": stats.get(s.id)} for s in page]
    return render(request, "practice/manage.html", {"page": page, "rows": rows})


def _save_scenario(request, *, scenario, form, spec) -> Scenario | None:
    """Save through the service (which validates the spec again); model errors go back onto the form."""
    data = {k: v for k, v in form.cleaned_data.items() if k != "spec_json"}
    try:
        return services.scenario_save(scenario=scenario, data=data, spec=spec, user=request.user)
    except ValidationError as exc:
        form.add_error(None, _form_errors_from(exc))
        return None


def _editor_mode(request, scenario) -> str:
    """brief (the description form, default), graph (the expert view) or json. A post says which editor sent it; a
    scenario whose script no longer matches its description opens in the expert view."""
    if request.method == "POST":
        if "spec_json" in request.POST:
            return "json"
        return "brief" if request.POST.get("editor") == "brief" else "graph"
    mode = request.GET.get("mode", "")
    if mode in ("brief", "graph", "json"):
        return mode
    return "brief" if scenario is None or spec_builder.brief_applies(scenario.spec) else "graph"


@login_required
@role_required(TRAINER)
def scenario_edit(request, scenario_id: int | None = None):
    """Trainers author a scenario: from a description (default), in the expert view of the script's steps
    (`?mode=graph`), or as JSON (`?mode=json`)."""
    scenario = selectors.scenario_get_for_editing(user=request.user, scenario_id=scenario_id) if scenario_id else None
    mode = _editor_mode(request, scenario)
    if mode == "json":
        return _scenario_edit_json(request, scenario)
    if mode == "brief":
        return _scenario_edit_brief(request, scenario)
    form = ScenarioMetaForm(request.POST or None, instance=scenario)
    status, errors, checked = 200, [], False
    spec = scenario.spec if scenario else copy.deepcopy(NEW_SPEC)
    if request.method == "POST":
        spec = spec_editor.spec_from_post(request.POST)
        action = request.POST.get("editor_action", "")
        if action == "check":
            errors, checked = validate_spec(spec), True
        elif action:  # add or remove a row without JavaScript: show the page again, nothing saved
            spec = spec_editor.apply_action(spec, action, request.POST)
        else:
            if scenario and spec_editor.unchanged(spec, scenario.spec):
                spec = scenario.spec  # the form shows defaults explicitly; an untouched script is not a new version
            elif scenario and spec_builder.brief_of(scenario.spec):
                # the description stays with the script (the form then says the script was changed here)
                spec["brief"] = scenario.spec["brief"]
            errors = validate_spec(spec)
            if form.is_valid() and not errors:
                saved = _save_scenario(request, scenario=scenario, form=form, spec=spec)
                if saved:
                    messages.success(request, _("Scenario saved."))
                    _warn_about_examples(request, saved.spec)
                    return redirect("practice:scenario_edit", scenario_id=saved.id)
            status = 422
    context = {
        "form": form,
        "scenario": scenario,
        "mode": "graph",
        "checked": checked,
        "can_try": scenario is not None,
        "has_brief": bool(scenario and spec_builder.brief_of(scenario.spec)),
        **spec_editor.editor_context(spec, errors, language=_editor_language(request, scenario)),
        **_requirements_context(scenario),
    }
    return render(request, "practice/scenario_form.html", context, status=status)


def _brief_check_summary(spec: dict) -> dict:
    """What the trainer reads beside the button when the description is complete: the conversation it makes."""
    return {
        "objections": len(spec["objections"]),
        "key_points": len(spec["key_points"]),
        "max_turns": spec["max_turns"],
    }


def _scenario_edit_brief(request, scenario):
    """The form-first editor: who the customer is, the situation, the opening, the objections and what a good
    answer contains, key points, forbidden phrases, pass mark and weights; saving builds the script."""
    form = ScenarioMetaForm(request.POST or None, instance=scenario)
    locked = scenario is not None and not spec_builder.brief_applies(scenario.spec)
    language = _editor_language(request, scenario)
    status, errors, checked, summary = 200, [], False, None
    if scenario is not None:
        brief = spec_builder.brief_of(scenario.spec) or spec_builder.empty_brief()
    else:
        brief = spec_builder.empty_brief()
    action = request.POST.get("brief_action", "") if request.method == "POST" else ""
    # from a course's outline (添加陪练): once saved, the new scenario is required in that course
    raw_course = request.POST.get("for_course") or request.GET.get("course")
    for_course = selectors.course_for_new_scenario(user=request.user, raw=raw_course) if scenario is None else None
    if request.method == "POST" and locked:
        errors, status = [("brief", services.edited_in_expert_view_message())], 409
    elif request.method == "POST":
        rows = action.startswith(("add-", "remove-"))
        brief = brief_from_post(request.POST, keep_blank_rows=rows)
        if rows:  # a row more or less: the form again, nothing saved
            brief = brief_apply_action(brief, action)
        elif action == "check":
            checked = True
            try:
                summary = _brief_check_summary(services.scenario_spec_from_brief(brief=brief, language=language))
            except ValidationError as exc:
                errors = [(name, m) for name, msgs in exc.message_dict.items() for m in msgs]
            if request.htmx:
                return render(request, "practice/_brief_check.html", _brief_page_context(brief, errors, checked, summary))  # fmt: skip
        else:
            form_ok = form.is_valid()
            try:
                services.scenario_spec_from_brief(brief=brief, language=language, scenario=scenario)
            except ValidationError as exc:
                errors = [(name, m) for name, msgs in exc.message_dict.items() for m in msgs]
            if form_ok and not errors:
                data = {k: v for k, v in form.cleaned_data.items() if k != "spec_json"}
                try:
                    saved = services.scenario_save_from_brief(scenario=scenario, data=data, brief=brief, user=request.user)  # fmt: skip
                except ValidationError as exc:
                    form.add_error(None, _form_errors_from(exc))
                else:
                    messages.success(request, _("Scenario saved."))
                    if for_course is not None and scenario is None:
                        services.requirement_add(scenario=saved, course=for_course, plan=None, day=None)
                        messages.success(
                            request, _("The course “%(course)s” now requires this role play.") % {"course": for_course}
                        )
                    if request.POST.get("then_try"):
                        session = services.session_start(user=request.user, scenario=saved, is_trial=True)
                        return redirect("practice:session", session_id=session.id)
                    return redirect("practice:scenario_edit", scenario_id=saved.id)
            status, checked = 422, True
    context = {
        "form": form,
        "scenario": scenario,
        "mode": "brief",
        "locked": locked,
        "for_course": for_course,
        "can_try": scenario is not None,
        **_brief_page_context(brief, errors, checked, summary),
        **_requirements_context(scenario),
    }
    return render(request, "practice/scenario_form.html", context, status=status)


def _brief_page_context(brief, errors, checked, summary) -> dict:
    return {"brief": brief_context(brief, errors), "checked": checked, "summary": summary}


def _editor_language(request, scenario) -> str:
    """The scenario's language as the form has it (for the paraphrases offered as examples)."""
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if language in Scenario.Language.values:
        return language
    return scenario.language if scenario else Scenario.Language.ZH


def _warn_about_examples(request, spec) -> None:
    """A warning, not an error: a key point without examples still works, but only its own sentence counts."""
    bare = [kp.get("code") or kp.get("canonical", "") for kp in spec.get("key_points") or [] if not kp.get("examples")]
    if bare:
        messages.warning(
            request,
            _("These key points have no example phrasings: %(points)s. Suggested examples are shown next to them.")
            % {"points": ", ".join(bare)},
        )


def _scenario_edit_json(request, scenario):
    initial = {} if scenario else {"spec_json": json.dumps(NEW_SPEC, ensure_ascii=False, indent=2)}
    form = ScenarioForm(request.POST or None, instance=scenario, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = _save_scenario(request, scenario=scenario, form=form, spec=form.cleaned_data["spec_json"])
            if saved:
                messages.success(request, _("Scenario saved."))
                _warn_about_examples(request, saved.spec)
                return redirect("practice:scenario_edit", scenario_id=saved.id)
        status = 422
    preview = _preview_context(scenario.spec) if scenario else {}
    context = {
        "form": form,
        "scenario": scenario,
        "mode": "json",
        "can_try": scenario is not None,
        **preview,
        **_requirements_context(scenario),
    }
    return render(request, "practice/scenario_form.html", context, status=status)


@login_required
@role_required(TRAINER)
@require_POST
def scenario_editor_rows(request):
    """htmx: add or remove a row of the script editor, or check it; answers the re-rendered editor."""
    spec = spec_editor.spec_from_post(request.POST)
    action = request.POST.get("editor_action", "")
    errors, checked = [], False
    if action == "check":
        errors, checked = validate_spec(spec), True
    else:
        spec = spec_editor.apply_action(spec, action, request.POST)
    language = _editor_language(request, None)
    # the summary at the top of the form is replaced too (out of band): that is where the trainer looks
    context = {"checked": checked, "oob": True, **spec_editor.editor_context(spec, errors, language=language)}
    return render(request, "practice/_spec_editor.html", context)


def _preview_context(spec) -> dict:
    errors = validate_spec(spec)
    if errors:
        return {"errors": errors, "spec": None}
    return {"errors": [], "spec": spec, "rubric": rubric_of(spec)}


@login_required
@role_required(TRAINER)
@require_POST
def scenario_check(request):
    """Validate the JSON being edited and show it as a readable script (htmx, before saving)."""
    try:
        spec = load_json(request.POST.get("spec_json", ""))
    except forms.ValidationError as exc:  # not JSON, nested too deeply, NaN, a number of thousands of digits
        context = {"errors": [("JSON", message) for message in exc.messages]}
    else:
        errors = spec_unstorable(spec)
        context = {"errors": errors} if errors else _preview_context(spec)
    return render(request, "practice/_spec_preview.html", context)


@login_required
@role_required(TRAINER)
def scenario_export(request, scenario_id: int | None = None):
    if scenario_id:
        scenarios = [selectors.scenario_get_for_editing(user=request.user, scenario_id=scenario_id)]
        name = scenarios[0].code
    else:
        scenarios = (
            selectors.scenarios_for_editing(user=request.user)
            .select_related("variant_of")
            .order_by("language", "title", "id")
        )
        name = "scenarios"
    data = selectors.scenario_export_data(scenarios=scenarios)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


@login_required
@role_required(TRAINER)
def scenario_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.scenario_import(payload=form.cleaned_data["payload"], user=request.user)
            except ValidationError as exc:
                errors = _form_errors_from(exc)
            else:
                messages.success(request, _("%(n)s scenarios imported.") % {"n": len(saved)})
                return redirect("practice:manage")
        status = 422
    return render(request, "practice/import.html", {"form": form, "errors": errors}, status=status)


@login_required
@role_required(TRAINER)
def calibration(request):
    return render(request, "practice/calibration.html", {"data": selectors.override_agreement()})


def _requirements_context(scenario, form=None) -> dict:
    if scenario is None:
        return {}
    return {
        "requirements": scenario.requirements.select_related("course", "plan").order_by("id"),
        "requirement_form": form or RequirementForm(),
    }


@login_required
@role_required(TRAINER)
@require_POST
def requirement_add(request, scenario_id: int):
    """Require this scenario in a course or a plan (e.g. the day-4 role play); met when passed."""
    scenario = selectors.scenario_get_for_editing(user=request.user, scenario_id=scenario_id)
    form = RequirementForm(request.POST)
    if not form.is_valid():
        context = {
            "form": ScenarioMetaForm(instance=scenario),
            "scenario": scenario,
            "mode": "graph",
            "can_try": True,
            **spec_editor.editor_context(scenario.spec, language=scenario.language),
        }
        context.update(_requirements_context(scenario, form))
        return render(request, "practice/scenario_form.html", context, status=422)
    data = form.cleaned_data
    services.requirement_add(scenario=scenario, course=data["course"], plan=data["plan"], day=data.get("day"))
    messages.success(request, _("Requirement added."))
    return redirect("practice:scenario_edit", scenario_id=scenario.id)


@login_required
@role_required(TRAINER)
@require_POST
def requirement_remove(request, scenario_id: int, requirement_id: int):
    scenario = selectors.scenario_get_for_editing(user=request.user, scenario_id=scenario_id)
    try:
        requirement = scenario.requirements.get(id=requirement_id)
    except ScenarioRequirement.DoesNotExist:
        raise Http404 from None
    services.requirement_remove(requirement=requirement)
    messages.success(request, _("Requirement removed."))
    return redirect("practice:scenario_edit", scenario_id=scenario.id)
