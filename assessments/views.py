"""Pages: taking quizzes, results, the question bank, import/export, grading and item analysis. Thin."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from assessments import parsers, selectors, services
from assessments.forms import (
    BuilderRuleFormSet,
    GradeForm,
    ImportForm,
    QuestionBulkForm,
    QuestionForm,
    QuizAssignForm,
    QuizBuilderForm,
)
from assessments.models import Attempt, QuestionType, Quiz
from courses.models import Category, Competency
from lms.ids import parse_id, parse_ids
from lms.permissions import role_required
from lms.roles import MANAGER, TRAINER

# ---------------------------------------------------------------------------------------------------------------
# Taking quizzes


@login_required
def quiz_list(request):
    """Authors see the authoring columns; everyone else their own standing at each quiz and its next step."""
    page = Paginator(selectors.quiz_list(user=request.user), 50).get_page(request.GET.get("page"))
    author = selectors.can_author(request.user)
    now = timezone.now()
    rows = [(quiz, selectors.quiz_standing(quiz=quiz, now=now)) for quiz in page]
    return render(request, "assessments/quiz_list.html", {"page": page, "rows": rows, "author": author})


@login_required
def quiz_detail(request, quiz_id: int):
    quiz = selectors.quiz_get_for_user(user=request.user, quiz_id=quiz_id)
    return _quiz_detail_response(request, quiz)


def _quiz_detail_response(request, quiz: Quiz, *, assign_form=None, status: int = 200):
    attempts = selectors.my_attempts(user=request.user, quiz=quiz)
    standing = selectors.quiz_standing_for(user=request.user, quiz=quiz)
    owner = selectors.owned_quizzes(user=request.user).filter(pk=quiz.pk).exists()
    if owner and assign_form is None:
        assign_form = QuizAssignForm(teams=selectors.quiz_assign_teams(user=request.user))
    return render(
        request,
        "assessments/quiz_detail.html",
        {
            "quiz": quiz,
            "attempts": attempts,
            "standing": standing,
            "can_start": standing.can_start or standing.open_attempt_id is not None,
            "ask": selectors.quiz_owner_names(quiz_ids=[quiz.pk]).get(quiz.pk, []) if standing.stuck else [],
            "owner": owner,
            "outdated": selectors.quiz_outdated_questions(quiz=quiz) if owner else 0,
            "key_warning": selectors.quiz_key_warning(quiz=quiz) if owner else None,
            "assign_form": assign_form if owner else None,
        },
        status=status,
    )


@login_required
@role_required(TRAINER)
@require_POST
def quiz_take_versions(request, quiz_id: int):
    quiz = selectors.quiz_get_owned(user=request.user, quiz_id=quiz_id)
    changed = services.quiz_take_new_versions(quiz=quiz, user=request.user, request=request)
    messages.success(
        request,
        ngettext(
            "%(n)s question now gives its newest version; attempts started from now on get it.",
            "%(n)s questions now give their newest versions; attempts started from now on get them.",
            changed,
        )
        % {"n": changed},
    )
    return redirect("assessments:quiz", quiz_id=quiz.pk)


@login_required
@require_POST
def quiz_start(request, quiz_id: int):
    quiz = selectors.quiz_get_for_user(user=request.user, quiz_id=quiz_id)
    try:
        attempt = services.attempt_start(quiz=quiz, user=request.user)
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
        return redirect("assessments:quiz", quiz_id=quiz.pk)
    return redirect("assessments:attempt", attempt_id=attempt.pk)


@login_required
@require_POST
def attempt_request(request, quiz_id: int):
    """A learner with no attempt left asks the quiz's owners for another one."""
    quiz = selectors.quiz_get_for_user(user=request.user, quiz_id=quiz_id)
    try:
        services.attempt_request_create(quiz=quiz, user=request.user)
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your request was sent; you will be told when it is answered."))
    return redirect(_next_or(request, reverse("assessments:quiz", args=[quiz.pk])))


@login_required
@role_required(TRAINER)
@require_POST
def attempt_request_decide(request, request_id: int):
    """The quiz's owner grants (one more attempt) or declines; back to the page the button was on."""
    pending = selectors.attempt_request_get_for_owner(user=request.user, request_id=request_id)
    decision = request.POST.get("decision", "")
    if decision not in ("grant", "decline"):
        messages.error(request, _("Choose to grant or to decline the request."))
    else:
        try:
            services.attempt_request_decide(
                attempt_request=pending, by=request.user, grant=decision == "grant", request=request
            )
        except services.AssessmentError as exc:
            messages.error(request, exc.message)
        else:
            if decision == "grant":
                messages.success(request, _("%(person)s can take one more attempt.") % {"person": pending.user})
            else:
                messages.success(request, _("Request of %(person)s declined.") % {"person": pending.user})
    return redirect(_next_or(request, reverse("assessments:results") + f"?quiz={pending.quiz_id}"))


def _next_or(request, default: str) -> str:
    """The page a button came from (`next`, on this site only), else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


def _answers_from_post(request, attempt_id: int) -> dict:
    answers = {}
    for item_id, qtype in selectors.attempt_item_types_for_taker(user=request.user, attempt_id=attempt_id):
        name = f"q-{item_id}"
        if qtype == QuestionType.MULTIPLE:
            answers[str(item_id)] = request.POST.getlist(name)
        else:
            answers[str(item_id)] = request.POST.get(name, "").strip() or None
    return answers


def _flagged_from_post(request) -> list[str]:
    """The questions the taker marked (checkboxes named "flagged", valued with the item's id)."""
    return request.POST.getlist("flagged")


def _seq(request) -> int | None:
    value = request.POST.get("seq", "")
    return int(value) if value.isdigit() else None


@login_required
def attempt_detail(request, attempt_id: int):
    attempt = selectors.attempt_get_for_user(user=request.user, attempt_id=attempt_id)
    if selectors.attempt_is_overdue(attempt=attempt) and services.attempt_close_if_overdue(attempt_id=attempt.pk):
        messages.info(request, _("Time was up: your attempt was closed at its deadline and graded."))
        attempt = selectors.attempt_get_for_user(user=request.user, attempt_id=attempt_id)
    view = selectors.attempt_view(user=request.user, attempt=attempt)
    if attempt.status == Attempt.Status.IN_PROGRESS and attempt.user_id == request.user.id:
        return render(
            request,
            "assessments/attempt_take.html",
            {"attempt": attempt, "view": view, "next_seq": attempt.save_seq + 1},
        )
    back_url, back_label = selectors.attempt_back_link(user=request.user, attempt=attempt)
    context = {"attempt": attempt, "view": view, "back_url": back_url, "back_label": back_label}
    # The taker's next step, when the quiz is still theirs to see (an unenrolled person's page links nowhere 404).
    if attempt.user_id == request.user.id and back_url == reverse("assessments:quiz", args=[attempt.quiz_id]):
        standing = selectors.quiz_standing_for(user=request.user, quiz=attempt.quiz)
        context["standing"] = standing
        if standing.stuck:
            context["ask"] = selectors.quiz_owner_names(quiz_ids=[attempt.quiz_id]).get(attempt.quiz_id, [])
    return render(request, "assessments/attempt_result.html", context)


@login_required
@require_POST
def attempt_save(request, attempt_id: int):
    """htmx autosave of the whole form; answers 409 with a clear message when stale or late. Hot path: the item
    list (which is also the ownership check) and the save, nothing else."""
    answers = _answers_from_post(request, attempt_id)
    seq = _seq(request)
    try:
        if seq is None:
            raise services.AssessmentError("stale", _("The page sent no sequence number; reload the page."))
        services.attempt_save_answers_for_taker(
            user=request.user, attempt_id=attempt_id, seq=seq, answers=answers, flagged=_flagged_from_post(request)
        )
    except services.AssessmentError as exc:
        return render(request, "assessments/_save_status.html", {"error": exc.message}, status=409)
    except ValidationError as exc:
        return render(request, "assessments/_save_status.html", {"error": " ".join(exc.messages)}, status=400)
    return render(request, "assessments/_save_status.html", {"saved_at": timezone.now()})


@login_required
def attempt_review(request, attempt_id: int):
    """The step before the final submit: the take page's form posts here (its answers and marks are saved), then
    the summary lists the unanswered and marked questions, each linked back, with the submit button."""
    attempt = selectors.attempt_get_for_taker(user=request.user, attempt_id=attempt_id)
    take_url = reverse("assessments:attempt", args=[attempt.pk])
    if request.method == "POST":
        seq = _seq(request)
        try:
            if attempt.status == Attempt.Status.IN_PROGRESS and seq is not None and seq > attempt.save_seq:
                services.attempt_save_answers(
                    attempt=attempt,
                    seq=seq,
                    answers=_answers_from_post(request, attempt.pk),
                    flagged=_flagged_from_post(request),
                )
        except services.AssessmentError as exc:
            messages.error(request, exc.message)
            return redirect(take_url)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(take_url)
        return redirect("assessments:attempt_review", attempt_id=attempt.pk)
    # Closed (or past its deadline, which the attempt page closes): nothing left to review before submitting.
    if attempt.status != Attempt.Status.IN_PROGRESS or selectors.attempt_is_overdue(attempt=attempt):
        return redirect(take_url)
    return render(
        request,
        "assessments/attempt_review.html",
        {"attempt": attempt, "summary": selectors.attempt_summary(attempt=attempt), "take_url": take_url},
    )


@login_required
@require_POST
def attempt_submit(request, attempt_id: int):
    attempt = selectors.attempt_get_for_taker(user=request.user, attempt_id=attempt_id)
    seq = _seq(request)
    try:
        if attempt.status == Attempt.Status.IN_PROGRESS and seq is not None and seq > attempt.save_seq:
            services.attempt_save_answers(
                attempt=attempt,
                seq=seq,
                answers=_answers_from_post(request, attempt.pk),
                flagged=_flagged_from_post(request) if "flagged" in request.POST else None,
            )
        services.attempt_submit(attempt=attempt)
    except services.AssessmentError as exc:
        messages.error(request, exc.message)
        return redirect("assessments:attempt", attempt_id=attempt.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("assessments:attempt", attempt_id=attempt.pk)
    messages.success(request, _("Your answers have been submitted."))
    return redirect("assessments:attempt", attempt_id=attempt.pk)


@login_required
@require_GET
def attempt_grading(request, attempt_id: int):
    """Polled by the result page (htmx, every 2 s) while the automatic grading runs: 204 (nothing to do) until the
    result is there, then HX-Refresh, so the page reloads itself and shows it. 404 for an attempt one cannot see."""
    if selectors.attempt_is_grading_for_user(user=request.user, attempt_id=attempt_id):
        return HttpResponse(status=204)
    return HttpResponse(status=200, headers={"HX-Refresh": "true"})


@login_required
@role_required(MANAGER, TRAINER)
def results(request):
    status = request.GET.get("status", "")
    if status not in Attempt.Status.values:
        status = ""
    quiz = request.GET.get("quiz", "")
    quiz = quiz if quiz.isdigit() else ""
    quiz_id = int(quiz) if quiz else None
    qs = selectors.result_list(user=request.user, status=status, quiz_id=quiz_id)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/results.html",
        {
            "page": page,
            "status": status,
            "quiz": quiz,
            "quiz_title": page[0].quiz.title if quiz and len(page) else "",
            "statuses": Attempt.Status.choices,
            "attempt_requests": list(selectors.attempt_requests_open(user=request.user, quiz_id=quiz_id)),
        },
    )


def _builder_initial(request, quiz: Quiz) -> dict:
    """A new quiz opened from a course outline (?course=, &final=1) or a plan session (?plan=, &day=): those fields
    filled in, when the trainer may author that course or plan (anything else is ignored)."""
    initial: dict = {}
    if quiz.pk:
        return initial
    course_id, plan_id = parse_id(request.GET.get("course")), parse_id(request.GET.get("plan"))
    if course_id and selectors.quiz_prefill_course(user=request.user, course_id=course_id):
        initial["course"] = course_id
        initial["is_final"] = request.GET.get("final") == "1"
    if plan_id and selectors.quiz_prefill_plan(user=request.user, plan_id=plan_id):
        initial["plan"] = plan_id
        day = request.GET.get("day", "")
        if day.isdigit():
            initial["plan_day"] = int(day)
    return initial


def _limit_links(request, form, quiz: Quiz) -> None:
    """A quiz joins only the courses and plans its trainer authors (and keeps the ones it has)."""
    form.fields["course"].queryset = selectors.quiz_course_choices(user=request.user, quiz=quiz)
    form.fields["plan"].queryset = selectors.quiz_plan_choices(user=request.user, quiz=quiz)


def _chosen_from_post(request) -> tuple[list[int], dict[int, Decimal | None], list[str]]:
    """The builder's chosen list as posted: question ids in order, their points, and the problems with them. The
    no-JavaScript buttons (add, remove, up, down) change the list before it is shown again."""
    ids = parse_ids(request.POST.getlist("questions"))
    points: dict[int, Decimal | None] = {}
    errors = []
    for qid in ids:
        raw = request.POST.get(f"points-{qid}", "1").strip().replace(",", ".") or "1"
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value <= 0 or value >= 10000:
            points[qid] = None
        else:
            points[qid] = value.quantize(Decimal("0.01"))
    if any(v is None for v in points.values()):
        errors.append(_("Each question's points must be a number above 0 (such as 1 or 2.5)."))
    add, remove = parse_id(request.POST.get("add")), parse_id(request.POST.get("remove"))
    if add and add not in ids:
        ids.append(add)
    if remove in ids:
        ids.remove(remove)
    for direction, step in (("up", -1), ("down", 1)):
        moved = parse_id(request.POST.get(direction))
        if moved in ids:
            i = ids.index(moved)
            j = i + step
            if 0 <= j < len(ids):
                ids[i], ids[j] = ids[j], ids[i]
    return ids, points, errors


def _builder_rows(request, ids: list[int], points: dict) -> list[dict]:
    return [
        {"question": q, "points": points.get(q.pk, Decimal("1"))}
        for q in selectors.builder_questions(user=request.user, question_ids=ids)
    ]


@login_required
@role_required(TRAINER)
def quiz_edit(request, quiz_id: int | None = None):
    """The quiz builder: a settings card and a questions card (fixed questions picked, pointed and ordered; random
    rules with how many questions match). The up/down/add/remove buttons work without JavaScript: they post the
    form and come back with the list changed, nothing saved."""
    quiz = selectors.quiz_get_owned(user=request.user, quiz_id=quiz_id) if quiz_id else Quiz()
    list_errors: list[str] = []
    rule_errors: list[str] = []
    if request.method == "POST":
        data = request.POST.copy()  # ids that no row can have (past 64 bits) never reach a query
        data.setlist("questions", [str(i) for i in parse_ids(request.POST.getlist("questions"))])
        form = QuizBuilderForm(data, instance=quiz)
        _limit_links(request, form, quiz)
        rules = BuilderRuleFormSet(request.POST, prefix="rules")
        ids, points, list_errors = _chosen_from_post(request)
        editing = any(request.POST.get(k) for k in ("add", "remove", "up", "down"))
        if not editing and form.is_valid() and rules.is_valid() and not list_errors:
            chosen = selectors.builder_questions(user=request.user, question_ids=ids)
            rule_rows = [r for r in rules.cleaned_data if r.get("count")]
            try:
                quiz = services.quiz_save(
                    quiz=form.save(commit=False),
                    owner=request.user,
                    questions=chosen,
                    rules=rule_rows,
                    points={q.pk: points[q.pk] for q in chosen if points.get(q.pk)},
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    if field == "rules":
                        rule_errors += errors
                    elif field == "questions":
                        list_errors += errors
                        form.add_error("questions", errors)
                    else:
                        form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Quiz saved."))
                return redirect("assessments:quiz", quiz_id=quiz.pk)
        rows = _builder_rows(request, ids, points)
    else:
        form = QuizBuilderForm(instance=quiz, initial=_builder_initial(request, quiz))
        _limit_links(request, form, quiz)
        initial = [
            {
                "category": r.category_id,
                "competency": r.competency_id,
                "difficulty": r.difficulty,
                "count": r.count,
                "points": r.points,
            }
            for r in (quiz.rules.all() if quiz.pk else [])
        ]
        rules = BuilderRuleFormSet(prefix="rules", initial=initial)
        saved = (
            list(quiz.quiz_questions.order_by("order", "id").values_list("question_id", "points")) if quiz.pk else []
        )
        rows = _builder_rows(request, [qid for qid, _p in saved], dict(saved))
    key_warning = selectors.quiz_key_warning(quiz=quiz)
    return render(
        request,
        "assessments/quiz_builder.html",
        {
            "form": form,
            "rules": rules,
            "quiz": quiz,
            "key_warning": key_warning,
            "rows": rows,
            "list_errors": list_errors,
            "rule_errors": rule_errors,
            "filters": _picker_filters(request),
            **_picker_context(request),
        },
    )


def _picker_filters(request) -> dict:
    """The picker's filters from the query string (or the builder's form), bad values ignored."""
    source = request.GET if request.method == "GET" else request.POST

    def number(name, low=1, high=None):
        value = source.get(name, "")
        if not value.isdigit() or int(value) < low or (high and int(value) > high):
            return None
        return int(value)

    qtype = source.get("pick_type", "")
    return {
        "search": source.get("pick_q", "").strip()[:200],
        "category_id": parse_id(source.get("pick_category")),
        "competency_id": parse_id(source.get("pick_competency")),
        "qtype": qtype if qtype in QuestionType.values else "",
        "difficulty": number("pick_difficulty", 1, 5),
    }


def _picker_context(request) -> dict:
    filters = _picker_filters(request)
    page = Paginator(selectors.question_picker(user=request.user, **filters), selectors.PICKER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {
        "picker_page": page,
        "filters": filters,
        "categories": Category.objects.all(),
        "competencies": Competency.objects.all(),
        "qtypes": QuestionType.choices,
        "type_labels": dict(QuestionType.choices),
        "show_key": True,
    }


@login_required
@role_required(TRAINER)
@require_GET
def quiz_picker(request):
    """The builder's question picker (htmx partial): filtered on the server, one page at a time."""
    return render(request, "assessments/quiz_picker_results.html", _picker_context(request))


@login_required
@role_required(TRAINER)
@require_GET
def quiz_picker_row(request, question_id: int):
    """One chosen question's row for the builder's list (htmx, when "add" is clicked)."""
    found = selectors.builder_questions(user=request.user, question_ids=[question_id])
    if not found:
        raise Http404
    return render(
        request,
        "assessments/quiz_chosen_row.html",
        {"row": {"question": found[0], "points": Decimal("1")}, "type_labels": dict(QuestionType.choices)},
    )


@login_required
@role_required(TRAINER)
@require_GET
def quiz_rule_count(request):
    """How many questions a random rule matches, as it is typed (htmx partial; the rule's row sends its fields,
    named rules-N-category and so on). Red when the rule asks for more."""
    values = {}
    for key, value in request.GET.items():
        values[key.rsplit("-", 1)[-1]] = value.strip()

    def number(name, high):
        value = parse_id(values.get(name))
        return value if value is not None and value <= high else None

    matching = selectors.rule_match_count(
        category_id=parse_id(values.get("category")),
        competency_id=parse_id(values.get("competency")),
        difficulty=number("difficulty", 5),
    )
    wanted = number("count", 10**6)
    return render(
        request,
        "assessments/quiz_rule_count.html",
        {"matching": matching, "short": wanted is not None and wanted > matching},
    )


@login_required
@role_required(TRAINER)
def quiz_preview(request, quiz_id: int):
    """The quiz as a learner would get it, drafts too, for those who may edit it: random rules drawn afresh at each
    opening; "check" grades the clicked answers in memory. Nothing is recorded (no attempt, no statistics)."""
    quiz = selectors.quiz_get_owned(user=request.user, quiz_id=quiz_id)
    context: dict = {"quiz": quiz}
    if request.method == "POST":
        try:
            items, score, max_score, manual = services.quiz_preview_check(posted=request.POST)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("assessments:quiz_preview", quiz_id=quiz.pk)
        percent = (score * 100 / max_score).quantize(Decimal("0.01")) if max_score else Decimal("0")
        context |= {
            "checked": True,
            "items": [selectors.item_view(i, show_score=True, show_key=True) for i in items],
            "drawn": items,
            "score": score,
            "max_score": max_score,
            "percent": percent,
            "passed": percent >= quiz.pass_mark and not manual,
            "manual": manual,
        }
    else:
        try:
            items = services.quiz_preview_draw(quiz=quiz)
        except services.AssessmentError as exc:
            context["error"] = exc.message
            items = []
        context |= {"items": [selectors.item_view(i, show_score=False, show_key=False) for i in items], "drawn": items}
    return render(request, "assessments/quiz_preview.html", context)


@login_required
@role_required(TRAINER)
@require_POST
def quiz_assign(request, quiz_id: int):
    """Its owner assigns the quiz to a team (the members they may reach) or a person, by a due date."""
    quiz = selectors.quiz_get_owned(user=request.user, quiz_id=quiz_id)
    form = QuizAssignForm(request.POST, teams=selectors.quiz_assign_teams(user=request.user))
    if form.is_valid():
        data = form.cleaned_data
        person = None
        if data["who"] == QuizAssignForm.TARGET_PERSON:
            person = selectors.quiz_assign_person(user=request.user, key=data["person"])
            if person is None:
                form.add_error("person", _("Nobody you may assign to has this employee number or user name."))
        if form.is_valid():
            try:
                counts = services.quiz_assign_by_owner(
                    quiz=quiz,
                    by=request.user,
                    due_date=data["due_date"],
                    team=data.get("team") if person is None else None,
                    person=person,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("Assigned: %(new)s new, %(moved)s with a new due date, %(same)s unchanged.")
                    % {"new": counts["assigned"], "moved": counts["updated"], "same": counts["unchanged"]},
                )
                return redirect("assessments:quiz", quiz_id=quiz.pk)
    return _quiz_detail_response(request, quiz, assign_form=form, status=400)


# ---------------------------------------------------------------------------------------------------------------
# Question bank


@login_required
@role_required(TRAINER)
def question_list(request):
    search = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    qs = selectors.question_list(
        user=request.user, search=search, category_id=int(category) if category.isdigit() else None
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/question_list.html",
        {
            "page": page,
            "q": search,
            "category": category,
            "categories": Category.objects.all(),
            "bulk_form": QuestionBulkForm(),
        },
    )


@login_required
@role_required(TRAINER)
@require_POST
def question_bulk(request):
    """The bank's action bar: one change to the chosen questions, all or none; back to the list as it was filtered."""
    back = _next_or(request, reverse("assessments:questions"))
    form = QuestionBulkForm(request.POST)
    ids = parse_ids(request.POST.getlist("ids"))
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the chosen questions."))
        return redirect(back)
    d = form.cleaned_data
    try:
        changed = services.questions_bulk_update(
            user=request.user,
            question_ids=ids,
            action=d["action"],
            category=d["category"],
            competency=d["competency"],
            tag=d["tag"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext("%(n)s question changed.", "%(n)s questions changed.", changed) % {"n": changed},
        )
    return redirect(back)


@login_required
@role_required(TRAINER)
def question_edit(request, question_id: int | None = None):
    question = selectors.question_get_for_user(user=request.user, question_id=question_id) if question_id else None
    editable = question is None or selectors.question_can_edit(user=request.user, question=question)
    if request.method == "POST" and not editable:
        messages.error(request, services.NOT_YOURS_TO_EDIT)
        return redirect("assessments:question_edit", question_id=question.pk)
    if request.method == "POST":
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                if question:
                    services.question_update(question=question, author=request.user, data=form.to_data())
                    messages.success(
                        request,
                        _(
                            "Saved as a new version. Attempts already started keep theirs; published quizzes keep"
                            " theirs until their owner takes the new one."
                        ),
                    )
                else:
                    bank = services.bank_get_or_create_default(user=request.user)
                    services.question_create(bank=bank, author=request.user, data=form.to_data())
                    messages.success(request, _("Question created."))
                return redirect("assessments:questions")
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
    else:
        form = QuestionForm(initial=QuestionForm.initial_from(question.current) if question else None)
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "assessments/question_form.html", {"form": form, "question": question, "editable": editable})


@login_required
@role_required(TRAINER)
@require_POST
def question_copy(request, question_id: int):
    question = selectors.question_get_for_user(user=request.user, question_id=question_id)
    copy = services.question_copy(question=question, user=request.user)
    messages.success(request, _("This is your copy; change it as you like."))
    return redirect("assessments:question_edit", question_id=copy.pk)


@login_required
@role_required(TRAINER)
def question_import(request):
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > settings.IMPORT_MAX_BYTES:
                form.add_error(
                    "file",
                    _("The file is too large; the limit is %(max)s MB.")
                    % {"max": settings.IMPORT_MAX_BYTES // 1048576},
                )
            else:
                try:
                    pending, notice = services.import_preview_guided(
                        bank=services.bank_get_or_create_default(user=request.user),
                        user=request.user,
                        fmt=form.cleaned_data["format"],
                        data=upload.read(),
                        filename=upload.name,
                    )
                    if notice:
                        messages.warning(request, notice)
                    return redirect("assessments:import_preview", import_id=pending.pk)
                except parsers.FileRejected as exc:
                    form.add_error("file", str(exc))
    else:
        form = ImportForm()
    return render(request, "assessments/import.html", {"form": form})


@login_required
@role_required(TRAINER)
def import_preview(request, import_id: int):
    pending = selectors.import_get_for_user(user=request.user, import_id=import_id)
    if request.method == "POST" and pending.imported_count is None and pending.job_id is None:
        try:
            count = services.import_commit(
                pending=pending, user=request.user, valid_only=bool(request.POST.get("valid_only"))
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except services.AssessmentError as exc:
            messages.error(request, exc.message)
        else:
            if isinstance(count, int):
                messages.success(request, _("%(n)s questions imported.") % {"n": count})
                return redirect("assessments:questions")
            messages.info(request, _("A large file: the questions are imported in the background."))
            return redirect("assessments:import_preview", import_id=pending.pk)
    return render(
        request,
        "assessments/import_preview.html",
        {"pending": pending, "rows": selectors.import_preview_rows(pending=pending)},
    )


@login_required
@role_required(TRAINER)
@require_GET
def import_template(request):
    response = HttpResponse(
        services.import_template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="question-template.xlsx"'
    return response


@login_required
@role_required(TRAINER)
@require_GET
def question_export(request):
    fmt = request.GET.get("format", "gift")
    questions = [
        services.version_as_dict(q.current)
        for q in selectors.question_list(user=request.user)
        .select_related("current__category", "current__competency")
        .order_by("category_id", "id")
    ]
    if fmt == "xlsx":
        response = HttpResponse(
            parsers.export_xlsx(questions),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="questions.xlsx"'
        return response
    response = HttpResponse(parsers.export_gift(questions), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="questions.gift.txt"'
    return response


# ---------------------------------------------------------------------------------------------------------------
# Grading and analysis


@login_required
@role_required(TRAINER)
def grading_queue(request):
    page = Paginator(selectors.grading_queue(user=request.user), 30).get_page(request.GET.get("page"))
    attempt_requests = list(selectors.attempt_requests_open(user=request.user))
    return render(
        request, "assessments/grading.html", {"page": page, "form": GradeForm(), "attempt_requests": attempt_requests}
    )


@login_required
@role_required(TRAINER)
@require_POST
def grade_item(request, item_id: int):
    item = selectors.grading_item_get_for_user(user=request.user, item_id=item_id)
    form = GradeForm(request.POST)
    if form.is_valid():
        try:
            services.item_grade(
                item=item, grader=request.user, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
            )
            messages.success(request, _("Score saved."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except services.AssessmentError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Enter a score."))
    return redirect("assessments:grading")


@login_required
@role_required(TRAINER)
def item_analysis(request, quiz_id: int):
    quiz = selectors.quiz_get_owned(user=request.user, quiz_id=quiz_id)
    return render(
        request,
        "assessments/item_analysis.html",
        {"quiz": quiz, "analysis": selectors.item_analysis(quiz=quiz), "type_labels": dict(QuestionType.choices)},
    )
