"""Reads for quizzes, attempts, grading and item analysis. Access functions answer 404 for "not yours"."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assessments import grading
from assessments.models import (
    Attempt,
    AttemptAreaScore,
    AttemptItem,
    AttemptRequest,
    Question,
    QuestionBank,
    QuestionImport,
    QuestionType,
    Quiz,
    QuizAssignment,
    QuizQuestion,
)
from courses.course_selectors import courses_for_author
from courses.models import Category, Competency, Course, TrainingPlan
from learning.models import Enrollment
from learning.requirements import Requirement, RequirementState
from lms.ids import parse_ids
from lms.roles import MANAGER, TRAINER, has_role, is_admin
from trainees.models import Team
from trainees.selectors import managed_team_ids, people_for_user, teams_for_user

# ---------------------------------------------------------------------------------------------------------------
# Course completion hooks (the learning app calls these)


def course_has_final_quiz(course_id: int) -> bool:
    return Quiz.objects.filter(course_id=course_id, is_final=True, status=Quiz.Status.PUBLISHED).exists()


def final_quiz_passed_user_ids(*, course_id: int, user_ids: Iterable[int]) -> set[int]:
    """Of these people, those who passed the course's final quiz (everyone when the course has none)."""
    user_ids = set(user_ids)
    quiz = Quiz.objects.filter(course_id=course_id, is_final=True, status=Quiz.Status.PUBLISHED).first()
    if quiz is None:
        return user_ids
    return set(Attempt.objects.filter(quiz=quiz, user_id__in=user_ids, passed=True).values_list("user_id", flat=True))


def final_quiz_passed(user_id: int, course_id: int) -> bool:
    """True when the course has no published final quiz, or this person passed it."""
    return user_id in final_quiz_passed_user_ids(course_id=course_id, user_ids=[user_id])


def final_quiz_passed_for_enrollment(*, enrollment) -> bool:
    """`learning.hooks.completion_requirement`: a course enrollment completes only once its final quiz is passed."""
    return final_quiz_passed(enrollment.user_id, enrollment.course_id)


def _pct(value: Decimal | None) -> str:
    """55.00 -> "55", 72.50 -> "72.5"."""
    if value is None:
        return ""
    text = f"{Decimal(value).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _attempts_used(standing: QuizStanding) -> str:
    if standing.allowed is None:
        return _("%(used)s attempts used, no limit") % {"used": standing.used}
    return _("%(used)s/%(allowed)s attempts used") % {"used": standing.used, "allowed": standing.allowed}


def final_quiz_requirement_rows(*, enrollment) -> list[Requirement]:
    """`learning.hooks.completion_requirement_rows`: the course's published final quiz as one row of the completion
    panel, with the person's best result, attempts used and the next step. Two queries at most (the quiz with the
    person's standing; its owners' names when the person is stuck); none for a plan enrollment."""
    if not enrollment.course_id:
        return []
    quiz = (
        with_standing(
            Quiz.objects.filter(course_id=enrollment.course_id, is_final=True, status=Quiz.Status.PUBLISHED),
            user_id=enrollment.user_id,
        )
        .order_by("id")
        .first()
    )
    if quiz is None:
        return []
    standing = quiz_standing(quiz=quiz)
    sep = pgettext("between facts of one sentence", ", ")
    mark = _("pass mark %(mark)s%%") % {"mark": quiz.pass_mark}
    used = _attempts_used(standing)
    best = _("best %(best)s%%") % {"best": _pct(standing.best_percent)} if standing.best_percent is not None else ""
    row = {"kind": "quiz", "title": quiz.title, "order": 20}
    if standing.passed:
        state, detail = RequirementState.DONE, sep.join(filter(None, [best, mark, used]))
    elif standing.waiting:
        state = RequirementState.WAITING
        detail = sep.join([_("submitted, waiting for a trainer to grade it"), mark, used])
    elif standing.open_attempt_id is not None:
        state, detail = RequirementState.TODO, sep.join([_("attempt in progress"), mark, used])
    elif standing.stuck:
        state, detail = RequirementState.STUCK, sep.join(filter(None, [best, mark, used]))
    elif standing.used:
        state, detail = RequirementState.FAILED, sep.join(filter(None, [best, mark, used]))
    else:
        state = RequirementState.TODO
        allowed = (
            _("attempts: unlimited")
            if standing.allowed is None
            else _("%(allowed)s attempts allowed") % {"allowed": standing.allowed}
        )
        parts = [_("not attempted yet"), mark, allowed]
        if standing.not_open_yet:
            parts.append(_("opens %(date)s") % {"date": timezone.localtime(quiz.opens_at).strftime("%Y-%m-%d %H:%M")})
        detail = sep.join(parts)
    if quiz.closes_at and not standing.passed:
        closes = timezone.localtime(quiz.closes_at).strftime("%Y-%m-%d %H:%M")
        detail += sep + (_("closed %(date)s") if standing.closed else _("closes %(date)s")) % {"date": closes}
    extra, help_text = {}, ""
    if state == RequirementState.STUCK:
        names = quiz_owner_names(quiz_ids=[quiz.pk]).get(quiz.pk, [])
        if standing.closed:
            help_text = _("The quiz has closed. Ask its trainers what to do next: %(names)s.")
        else:
            help_text = _("No attempt is left. Ask the quiz's trainers for another attempt: %(names)s.")
        help_text %= {"names": "、".join(names) or _("the training team")}
        extra = {"requested": standing.requested}
        if not standing.closed:
            extra["request_url"] = reverse("assessments:attempt_request", args=[quiz.pk])
    return [
        Requirement(
            **row,
            state=state,
            detail=detail,
            action_url=standing.next_url,
            action_label=standing.next_label,
            help_text=help_text,
            extra=extra,
        )
    ]


# ---------------------------------------------------------------------------------------------------------------
# Banks and questions (trainers; banks are shared between trainers)


def can_author(user) -> bool:
    return is_admin(user) or has_role(user, TRAINER)


def banks_for_user(*, user) -> QuerySet[QuestionBank]:
    return QuestionBank.objects.all() if can_author(user) else QuestionBank.objects.none()


def bank_get_for_user(*, user, bank_id) -> QuestionBank:
    try:
        return banks_for_user(user=user).get(pk=bank_id)
    except (QuestionBank.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _foreign_quiz_use(user) -> Exists:
    """The question is a fixed question of a quiz this person does not own."""
    return Exists(
        QuizQuestion.objects.filter(question_id=OuterRef("pk")).exclude(
            Exists(Quiz.owners.through.objects.filter(quiz_id=OuterRef("quiz_id"), user_id=user.id))
        )
    )


def question_list(*, user, bank_id: int | None = None, search: str = "", category_id: int | None = None):
    """The shared bank. Each question carries `editable`: see `question_can_edit`."""
    if not can_author(user):
        return Question.objects.none()
    qs = Question.objects.filter(is_archived=False).select_related("current", "category", "competency", "bank")
    if is_admin(user):
        qs = qs.annotate(editable=Value(True))
    else:
        editable = Q(author_id=user.id) | ~_foreign_quiz_use(user)
        qs = qs.annotate(editable=ExpressionWrapper(editable, output_field=BooleanField()))
    if bank_id:
        qs = qs.filter(bank_id=bank_id)
    if category_id:
        qs = qs.filter(category_id=category_id)
    if search:
        qs = qs.filter(current__stem__icontains=search)
    return qs.order_by("-id")


def question_get_for_user(*, user, question_id) -> Question:
    try:
        return question_list(user=user).get(pk=question_id)
    except (Question.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def question_can_edit(*, user, question: Question) -> bool:
    """Who may change a question (its answer key included): its author, administrators, and otherwise any trainer
    as long as every quiz that has it as a fixed question is theirs. Anyone else copies it (`question_copy`).
    A question fetched through `question_list` already carries the answer; otherwise one query."""
    if not can_author(user):
        return False
    editable = getattr(question, "editable", None)
    if editable is not None:
        return bool(editable)
    if is_admin(user) or question.author_id == user.id:
        return True
    return not Question.objects.filter(pk=question.pk).filter(_foreign_quiz_use(user)).exists()


def quiz_outdated_questions(*, quiz: Quiz) -> int:
    """How many of a published quiz's questions have versions newer than the ones it gives (see
    `Quiz.versions_upto`): fixed questions, or in random mode the questions its rules draw from."""
    if quiz.status != Quiz.Status.PUBLISHED or quiz.versions_upto is None:
        return 0
    newer = Question.objects.filter(is_archived=False, current_id__gt=quiz.versions_upto)
    fixed = Q(id__in=QuizQuestion.objects.filter(quiz_id=quiz.pk).values("question_id"))
    if quiz.mode == Quiz.Mode.FIXED:
        return newer.filter(fixed).count()
    pools = []
    for rule in quiz.rules.all():
        pool = {"category_id": rule.category_id, "competency_id": rule.competency_id, "difficulty": rule.difficulty}
        pool = {k: v for k, v in pool.items() if v}
        if not pool:  # a rule drawing from the whole bank
            return newer.count()
        pools.append(Q(**pool))
    if quiz.mode == Quiz.Mode.MIXED:
        pools.append(fixed)
    if not pools:
        return 0
    return newer.filter(reduce(operator.or_, pools)).count()


def import_get_for_user(*, user, import_id) -> QuestionImport:
    try:
        return QuestionImport.objects.select_related("bank").get(pk=import_id, user_id=user.id)
    except (QuestionImport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def import_preview_rows(*, pending: QuestionImport) -> list[dict]:
    """The parsed questions of an import as the preview shows them: the type's label and the category's and
    competency's names (as the import will resolve them, code or name), never the raw codes. A category the bank
    does not know is kept as a tag on import (`services._clean_question_data`): `category_unknown` says so.
    Two queries, whatever the number of rows."""

    def lookup(model) -> dict[str, str]:
        names: dict[str, str] = {}
        for item in model.objects.all():
            for key in (item.code, item.name_zh, item.name_en):
                if key:
                    names[key.strip().lower()] = item.name
        return names

    categories, competencies = lookup(Category), lookup(Competency)
    types = dict(QuestionType.choices)
    rows = []
    for question in pending.parsed:
        category = str(question.get("category") or "").strip()
        competency = str(question.get("competency") or "").strip()
        rows.append(
            {
                **question,
                "type_label": types.get(question.get("qtype"), ""),
                "category_label": categories.get(category.lower(), category),
                "category_unknown": bool(category) and category.lower() not in categories,
                "competency_label": competencies.get(competency.lower(), competency),
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Quizzes


def _enrolled_q(user) -> Q:
    """Published quizzes of the courses and training plans the person is enrolled in (active, not unenrolled)."""
    active = Enrollment.objects.filter(user_id=user.id, unenrolled_at__isnull=True)
    return Q(status=Quiz.Status.PUBLISHED) & (
        Q(course_id__in=active.filter(course__isnull=False).values("course_id"))
        | Q(plan_id__in=active.filter(plan__isnull=False).values("plan_id"))
    )


def quizzes_for_user(*, user) -> QuerySet[Quiz]:
    """The quizzes a person may see and start: the one access rule for pages and the API.

    Everyone (salespeople, and managers or trainers taking a quiz themselves): the published quizzes of the
    courses and plans they are actively enrolled in, and the published quizzes assigned to them (open or completed
    assignments, `QuizAssignment`: a manager's remediation, even outside the quiz's course). Trainers add the
    quizzes they own (drafts too); staff see all. Managers read their teams' results through `attempts_visible`,
    not through the quizzes.
    """
    if not getattr(user, "is_authenticated", False):
        return Quiz.objects.none()
    if is_admin(user):
        return Quiz.objects.all()
    q = _enrolled_q(user) | (
        Q(status=Quiz.Status.PUBLISHED)
        & Q(Exists(QuizAssignment.objects.filter(quiz_id=OuterRef("pk"), user_id=user.id)))
    )
    if has_role(user, TRAINER):
        q |= Q(Exists(Quiz.owners.through.objects.filter(quiz_id=OuterRef("pk"), user_id=user.id)))
    return Quiz.objects.filter(q)


def quiz_get_for_user(*, user, quiz_id) -> Quiz:
    """One quiz the person may see and start (see `quizzes_for_user`); 404 when out of scope or missing."""
    try:
        return quizzes_for_user(user=user).select_related("course", "plan").get(pk=quiz_id)
    except (Quiz.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def owned_quizzes(*, user) -> QuerySet[Quiz]:
    if is_admin(user):
        return Quiz.objects.all()
    if not has_role(user, TRAINER):
        return Quiz.objects.none()
    return Quiz.objects.filter(owners=user)


def quiz_get_owned(*, user, quiz_id) -> Quiz:
    """A quiz the trainer owns (grading, analysis, editing)."""
    try:
        return owned_quizzes(user=user).get(pk=quiz_id)
    except (Quiz.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def quiz_list(*, user) -> QuerySet[Quiz]:
    """The quizzes page. Each quiz carries the person's own standing (see `with_standing`, `quiz_standing`)."""
    return (
        with_standing(quizzes_for_user(user=user), user_id=user.id)
        .select_related("course", "plan")
        .order_by("title", "id")
    )


# ---------------------------------------------------------------------------------------------------------------
# The quiz builder: the question picker, what random rules match, and whether a quiz can be published

PICKER_PAGE_SIZE = 20


def rule_match(*, category_id=None, competency_id=None, difficulty=None) -> Q:
    """The questions (Question rows) a random rule draws from."""
    match = Q()
    if category_id:
        match &= Q(category_id=category_id)
    if competency_id:
        match &= Q(competency_id=competency_id)
    if difficulty:
        match &= Q(difficulty=difficulty)
    return match


def drawable_questions() -> QuerySet[Question]:
    """The questions a quiz can give: not retired, with a version."""
    return Question.objects.filter(is_archived=False, current__isnull=False)


def rule_match_count(*, category_id=None, competency_id=None, difficulty=None) -> int:
    return (
        drawable_questions()
        .filter(rule_match(category_id=category_id, competency_id=competency_id, difficulty=difficulty))
        .count()
    )


def question_picker(
    *,
    user,
    search: str = "",
    category_id: int | None = None,
    competency_id: int | None = None,
    qtype: str = "",
    difficulty: int | None = None,
) -> QuerySet[Question]:
    """The builder's question picker: drawable questions of the shared bank, filtered on the server, with what each
    row shows (its version, category, competency) in the same query. None for someone who may not author."""
    if not can_author(user):
        return Question.objects.none()
    qs = drawable_questions().select_related("current", "category", "competency")
    qs = qs.filter(rule_match(category_id=category_id, competency_id=competency_id, difficulty=difficulty))
    if qtype in QuestionType.values:
        qs = qs.filter(qtype=qtype)
    if search:
        qs = qs.filter(Q(current__stem__icontains=search) | Q(current__title__icontains=search))
    return qs.order_by("-id")


def builder_questions(*, user, question_ids: Iterable[int]) -> list[Question]:
    """The chosen questions of the builder, in the given order (unknown or retired ids are dropped), in one query."""
    ids = parse_ids(question_ids)  # a number past 64 bits is no question (and SQLite could not bind it)
    found = question_picker(user=user).in_bulk(ids)
    return [found[i] for i in ids if i in found]


def _rule_label(rule: dict) -> str:
    parts = [rule["category"].name if rule.get("category") else _("any category")]
    if rule.get("competency"):
        parts.append(rule["competency"].name)
    if rule.get("difficulty"):
        parts.append(_("difficulty %(d)s") % {"d": rule["difficulty"]})
    return pgettext("between facts of one sentence", ", ").join(parts)


def quiz_publish_problems(*, question_ids: Iterable[int], rules: list[dict]) -> list[str]:
    """Why a quiz with these fixed questions and random rules (dicts: category, competency, difficulty, count, as
    model instances or None) cannot be published: no question at all, or a rule that some attempt could not fill.

    The attempt gives the fixed questions, then draws the rules in order, each never repeating a question already
    given. So a rule can always be filled only when its pool, less the fixed questions in it and less what earlier
    overlapping rules may take from it (at most their count, at most their overlap), still holds its count. One
    query whatever the number of rules."""
    fixed = set(question_ids)
    rules = [r for r in rules if r.get("count")]
    if not fixed and not rules:
        return [_("The quiz has no questions: add fixed questions or a random rule.")]
    if not rules:
        return []
    wanted = reduce(
        operator.or_,
        [
            rule_match(
                category_id=getattr(r.get("category"), "pk", None),
                competency_id=getattr(r.get("competency"), "pk", None),
                difficulty=r.get("difficulty"),
            )
            for r in rules
        ],
    )
    rows = list(drawable_questions().filter(wanted).values_list("id", "category_id", "competency_id", "difficulty"))

    def pool_of(rule: dict) -> set[int]:
        cat, comp = getattr(rule.get("category"), "pk", None), getattr(rule.get("competency"), "pk", None)
        diff = rule.get("difficulty")
        return {
            qid
            for qid, c, k, d in rows
            if (not cat or c == cat) and (not comp or k == comp) and (not diff or d == diff) and qid not in fixed
        }

    pools = [pool_of(r) for r in rules]
    problems = []
    for i, rule in enumerate(rules):
        taken = sum(min(rules[j]["count"], len(pools[j] & pools[i])) for j in range(i))
        available = max(0, len(pools[i]) - taken)
        if rule["count"] > available:
            problems.append(
                _(
                    "Rule %(n)s (%(rule)s) asks for %(count)s questions, but only %(available)s matching questions "
                    "are left for it (published questions in the bank, less the fixed questions and what the rules "
                    "before it may draw)."
                )
                % {"n": i + 1, "rule": _rule_label(rule), "count": rule["count"], "available": available}
            )
    return problems


def quiz_rule_dicts(*, quiz: Quiz) -> list[dict]:
    """A saved quiz's rules as the dicts `quiz_publish_problems` reads."""
    return (
        [
            {
                "category": r.category,
                "competency": r.competency,
                "difficulty": r.difficulty,
                "count": r.count,
                "points": r.points,
            }
            for r in quiz.rules.select_related("category", "competency")
        ]
        if quiz.pk
        else []
    )


def quiz_prefill_course(*, user, course_id: int) -> bool:
    """A new quiz may be opened for this course (?course=): the trainer authors it."""
    return courses_for_author(user=user).filter(pk=course_id).exists()


def quiz_prefill_plan(*, user, plan_id: int) -> bool:
    """A new quiz may be opened for this plan's day (?plan=): the trainer owns the plan (admins: any)."""
    plans = TrainingPlan.objects.all() if is_admin(user) else TrainingPlan.objects.filter(owners=user)
    return plans.filter(pk=plan_id).exists()


def quiz_course_choices(*, user, quiz: Quiz) -> QuerySet:
    """The courses a quiz may belong to in the builder: those the trainer authors, and the quiz's own."""
    return Course.objects.filter(Q(id__in=courses_for_author(user=user).values("id")) | Q(id=quiz.course_id or 0))


def quiz_plan_choices(*, user, quiz: Quiz) -> QuerySet:
    plans = TrainingPlan.objects.all() if is_admin(user) else TrainingPlan.objects.filter(owners=user)
    return TrainingPlan.objects.filter(Q(id__in=plans.values("id")) | Q(id=quiz.plan_id or 0))


def quiz_assign_teams(*, user) -> QuerySet[Team]:
    """The teams a quiz's owner may assign it to: those they manage or belong to (`trainees.selectors.teams_for_user`)
    and the teams of the people they may reach (`people_for_user`); assigning gives it to the reachable members."""
    reachable = people_for_user(user=user).filter(team__isnull=False).values("team_id")
    return Team.objects.filter(Q(id__in=teams_for_user(user=user).values("id")) | Q(id__in=reachable)).order_by(
        "full_name", "id"
    )


def quiz_assign_person(*, user, key: str):
    """The active person with this employee number (else user name) among those `user` may reach; None otherwise."""
    key = (key or "").strip()
    if not key:
        return None
    people = people_for_user(user=user).filter(is_active=True)
    return people.filter(employee_no=key).first() or people.filter(username=key).first()


# ---------------------------------------------------------------------------------------------------------------
# Quizzes as activities of a course and of a plan's sessions (courses.hooks, registered in apps.py)


def course_outline_quizzes(*, user, course) -> list[dict]:
    """`courses.hooks.course_outline_activities`: the course's quizzes in its outline editor, the final one first and
    marked, with their state and the links to the builder and the preview (for the quizzes the user owns). One query."""
    owned = Exists(Quiz.owners.through.objects.filter(quiz_id=OuterRef("pk"), user_id=user.id))
    quizzes = Quiz.objects.filter(course_id=course.pk).annotate(owned=owned).order_by("-is_final", "title", "id")
    rows = []
    for quiz in quizzes:
        mine = quiz.owned or is_admin(user)
        rows.append(
            {
                "kind": _("Final quiz") if quiz.is_final else _("Quiz"),
                "title": quiz.title,
                "state": quiz.get_status_display(),
                "published": quiz.status == Quiz.Status.PUBLISHED,
                "final": quiz.is_final,
                "url": reverse("assessments:quiz_edit" if mine else "assessments:quiz", args=[quiz.pk]),
                "preview_url": reverse("assessments:quiz_preview", args=[quiz.pk]) if mine else "",
            }
        )
    return rows


def course_outline_quiz_actions(*, user, course) -> list[dict]:
    """`courses.hooks.course_outline_add_actions`: add a quiz to the course, or its final quiz. No query."""
    if not can_author(user):
        return []
    url = reverse("assessments:quiz_new")
    return [
        {"label": _("Add a quiz"), "url": f"{url}?course={course.pk}"},
        {"label": _("Add the final quiz"), "url": f"{url}?course={course.pk}&final=1"},
    ]


def plan_session_quiz_links(*, user, plan, sessions) -> dict[int, list[dict]]:
    """`courses.hooks.plan_session_actions`: on each session's card, the quizzes already linked to its plan day and
    "add a quiz" for that day. One query for all the sessions."""
    if not can_author(user):
        return {}
    sessions = list(sessions)
    days = {s.day for s in sessions}
    by_day: dict[int, list[dict]] = {}
    for quiz_id, title, day, status in (
        Quiz.objects.filter(plan_id=plan.pk, plan_day__in=days)
        .order_by("plan_day", "title", "id")
        .values_list("id", "title", "plan_day", "status")
    ):
        state = Quiz.Status(status).label
        by_day.setdefault(day, []).append(
            {
                "label": _("Quiz: %(title)s (%(state)s)") % {"title": title, "state": state},
                "url": reverse("assessments:quiz", args=[quiz_id]),
            }
        )
    new = reverse("assessments:quiz_new")
    return {
        s.pk: [
            *by_day.get(s.day, []),
            {"label": _("Add a quiz"), "url": f"{new}?plan={plan.pk}&day={s.day}"},
        ]
        for s in sessions
    }


# ---------------------------------------------------------------------------------------------------------------
# A person's standing at a quiz: best result, attempts left, the next step


def _count_of(qs: QuerySet) -> Coalesce:
    """A correlated COUNT(*) of `qs` (already filtered on OuterRef("pk")), 0 when it matches nothing."""
    counted = qs.order_by().values("quiz_id").annotate(n=Count("id")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_standing(quizzes: QuerySet[Quiz], *, user_id: int) -> QuerySet[Quiz]:
    """Annotate each quiz with this person's attempts and requests, in the same query (correlated subqueries, no
    row per attempt): what `quiz_standing` reads."""
    mine = Attempt.objects.filter(quiz_id=OuterRef("pk"), user_id=user_id)
    closed = mine.exclude(status=Attempt.Status.IN_PROGRESS)
    graded = mine.filter(status=Attempt.Status.GRADED)
    requests = AttemptRequest.objects.filter(quiz_id=OuterRef("pk"), user_id=user_id)
    assigned = QuizAssignment.objects.filter(quiz_id=OuterRef("pk"), user_id=user_id, completed_at__isnull=True)
    return quizzes.annotate(
        my_used=_count_of(mine),
        my_granted=_count_of(requests.filter(status=AttemptRequest.Status.GRANTED)),
        my_best=Subquery(graded.order_by("-percent", "-id").values("percent")[:1]),
        my_passed=Exists(graded.filter(passed=True)),
        my_waiting=Exists(mine.filter(status=Attempt.Status.SUBMITTED)),
        my_open=Subquery(mine.filter(status=Attempt.Status.IN_PROGRESS).values("id")[:1]),
        my_last=Subquery(closed.order_by("-number", "-id").values("id")[:1]),
        my_requested=Exists(requests.filter(status=AttemptRequest.Status.OPEN)),
        my_assigned=Exists(assigned),
        my_due=Subquery(assigned.values("due_date")[:1]),
    )


class NextStep:
    START = "start"  # 开始
    CONTINUE = "continue"  # 继续作答
    RETRY = "retry"  # 再试一次
    RESULT = "result"  # 查看结果
    NONE = ""


@dataclass(frozen=True)
class QuizStanding:
    """Where a person stands at a quiz. `allowed` and `left` are None for unlimited attempts."""

    quiz_id: int
    used: int
    allowed: int | None
    best_percent: Decimal | None
    passed: bool
    waiting: bool  # an attempt submitted whose result is not final yet (grading, or a trainer grades it)
    open_attempt_id: int | None
    last_attempt_id: int | None
    requested: bool  # an open request for another attempt
    not_open_yet: bool
    closed: bool
    assigned: bool = False  # an open assignment (a manager asked for it), due on `due` when dated
    due: dt.date | None = None
    overdue: bool = False  # assigned, not passed, and its due date is past

    @property
    def left(self) -> int | None:
        return None if self.allowed is None else max(self.allowed - self.used, 0)

    @property
    def result(self) -> str:
        """ "passed", "waiting", "failed" or "" (no result yet)."""
        if self.passed:
            return "passed"
        if self.waiting:
            return "waiting"
        if self.best_percent is not None:
            return "failed"
        return ""

    @property
    def can_start(self) -> bool:
        """A new attempt may start now (a running one is continued instead)."""
        return (
            self.open_attempt_id is None
            and not self.closed
            and not self.not_open_yet
            and (self.left is None or self.left > 0)
        )

    @property
    def stuck(self) -> bool:
        """Not passed, and nothing the person can do alone: no attempt left (or the quiz closed), none running, no
        result awaited."""
        if self.passed or self.waiting or self.open_attempt_id is not None:
            return False
        return self.closed or (self.left == 0)

    @property
    def can_request(self) -> bool:
        """Another attempt would help and none is asked for yet: attempts used up, quiz still open."""
        return self.stuck and not self.closed and not self.requested and self.used > 0

    @property
    def next_step(self) -> str:
        if self.open_attempt_id is not None:
            return NextStep.CONTINUE
        if self.passed or self.waiting:
            return NextStep.RESULT
        if self.can_start:
            return NextStep.RETRY if self.used else NextStep.START
        return NextStep.RESULT if self.last_attempt_id else NextStep.NONE

    @property
    def next_url(self) -> str:
        """Where the next step's button leads (a page: starting is a POST on the quiz page)."""
        step = self.next_step
        if step == NextStep.CONTINUE:
            return reverse("assessments:attempt", args=[self.open_attempt_id])
        if step == NextStep.RESULT:
            return reverse("assessments:attempt", args=[self.last_attempt_id])
        if step in (NextStep.START, NextStep.RETRY):
            return reverse("assessments:quiz", args=[self.quiz_id])
        return ""

    @property
    def next_label(self) -> str:
        return {
            NextStep.START: pgettext("quiz next step", "Start"),
            NextStep.CONTINUE: pgettext("quiz next step", "Continue"),
            NextStep.RETRY: pgettext("quiz next step", "Try again"),
            NextStep.RESULT: _("See the result"),
        }.get(self.next_step, "")


def quiz_standing(*, quiz: Quiz, now: dt.datetime | None = None) -> QuizStanding:
    """The standing of a quiz annotated by `with_standing` (no query)."""
    now = now or timezone.now()
    allowed = quiz.attempts_allowed + quiz.my_granted if quiz.attempts_allowed else None
    assigned, due = bool(getattr(quiz, "my_assigned", False)), getattr(quiz, "my_due", None)
    return QuizStanding(
        quiz_id=quiz.pk,
        used=quiz.my_used,
        allowed=allowed,
        best_percent=quiz.my_best,
        passed=bool(quiz.my_passed),
        waiting=bool(quiz.my_waiting),
        open_attempt_id=quiz.my_open,
        last_attempt_id=quiz.my_last,
        requested=bool(quiz.my_requested),
        not_open_yet=bool(quiz.opens_at and now < quiz.opens_at),
        closed=bool(quiz.closes_at and now >= quiz.closes_at),
        assigned=assigned,
        due=due if assigned else None,
        overdue=bool(assigned and due and due < timezone.localdate(now) and not quiz.my_passed),
    )


def quiz_standing_for(*, user, quiz: Quiz, now: dt.datetime | None = None) -> QuizStanding:
    """One quiz's standing for this person, in one query."""
    annotated = with_standing(Quiz.objects.filter(pk=quiz.pk), user_id=user.id).get()
    return quiz_standing(quiz=annotated, now=now)


OPEN_ASSIGNMENTS_MAX = 20


def open_quiz_assignments(*, user, now: dt.datetime | None = None) -> list[tuple[Quiz, QuizStanding]]:
    """The published quizzes assigned to the person and not passed yet (open assignments), soonest due first
    (undated last), each with the person's standing (its `due`, `overdue`): for their home's to-do. One query, at
    most OPEN_ASSIGNMENTS_MAX rows."""
    if not getattr(user, "is_authenticated", False):
        return []
    open_ids = QuizAssignment.objects.filter(user_id=user.id, completed_at__isnull=True).values("quiz_id")
    quizzes = with_standing(
        Quiz.objects.filter(status=Quiz.Status.PUBLISHED, pk__in=open_ids).only(
            "id", "title", "attempts_allowed", "opens_at", "closes_at"
        ),
        user_id=user.id,
    ).order_by(F("my_due").asc(nulls_last=True), "title", "id")[:OPEN_ASSIGNMENTS_MAX]
    return [(quiz, quiz_standing(quiz=quiz, now=now)) for quiz in quizzes]


def quiz_owner_names(*, quiz_ids: Iterable[int]) -> dict[int, list[str]]:
    """Who to ask about these quizzes: {quiz id: owners' names, sorted}, in one query."""
    rows = Quiz.owners.through.objects.filter(quiz_id__in=list(quiz_ids), user__is_active=True).select_related("user")
    names: dict[int, list[str]] = {}
    for row in rows:
        names.setdefault(row.quiz_id, []).append(str(row.user))
    return {quiz_id: sorted(found) for quiz_id, found in names.items()}


def extra_attempts(*, quiz_id: int, user_id: int) -> int:
    """Attempts granted to this person on top of what the quiz allows (each granted request adds one)."""
    return AttemptRequest.objects.filter(quiz_id=quiz_id, user_id=user_id, status=AttemptRequest.Status.GRANTED).count()


def attempt_requests_open(*, user, quiz_id: int | None = None) -> QuerySet[AttemptRequest]:
    """Open requests for another attempt at the quizzes this trainer owns (admins: all), oldest first."""
    qs = AttemptRequest.objects.filter(status=AttemptRequest.Status.OPEN, quiz__in=owned_quizzes(user=user))
    if quiz_id:
        qs = qs.filter(quiz_id=quiz_id)
    return qs.select_related("quiz", "user", "user__team").order_by("created_at", "id")


def attempt_request_get_for_owner(*, user, request_id) -> AttemptRequest:
    """A request at a quiz this trainer owns; 404 otherwise."""
    try:
        return (
            AttemptRequest.objects.filter(quiz__in=owned_quizzes(user=user))
            .select_related("quiz", "user")
            .get(pk=request_id)
        )
    except (AttemptRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# ---------------------------------------------------------------------------------------------------------------
# Attempts


def attempts_visible(*, user) -> QuerySet[Attempt]:
    """Own attempts; managers add their teams'; trainers add those of quizzes they own."""
    if not getattr(user, "is_authenticated", False):
        return Attempt.objects.none()
    if is_admin(user):
        return Attempt.objects.all()
    q = Q(user_id=user.id)
    if has_role(user, MANAGER):
        team_ids = managed_team_ids(user=user)
        if team_ids:
            q |= Q(user__team_id__in=team_ids)
    if has_role(user, TRAINER):
        q |= Q(quiz__owners=user)
    return Attempt.objects.filter(q).distinct()


def attempt_get_for_user(*, user, attempt_id) -> Attempt:
    try:
        return attempts_visible(user=user).select_related("quiz", "user", "user__team").get(pk=attempt_id)
    except (Attempt.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def attempt_back_link(*, user, attempt: Attempt) -> tuple[str, str]:
    """(url, label) of the way back from an attempt page, to a page this viewer may see: the quiz page for those
    who may see it (the taker, its owners), the quiz's results for managers and other trainers, else the list."""
    if quizzes_for_user(user=user).filter(pk=attempt.quiz_id).exists():
        return reverse("assessments:quiz", args=[attempt.quiz_id]), _("Back to the quiz")
    if is_admin(user) or has_role(user, MANAGER) or has_role(user, TRAINER):
        return f"{reverse('assessments:results')}?quiz={attempt.quiz_id}", _("Back to the results of this quiz")
    return reverse("assessments:quizzes"), _("Back to the quizzes")


def attempt_is_grading_for_user(*, user, attempt_id) -> bool:
    """Whether the automatic grading of an attempt one may see is still to run (Attempt.is_grading), in one small
    query: what the result page polls. Http404 when out of scope or missing."""
    fields = ("status", "score")
    try:
        # The taker's own attempt first (what polls), then the wider scope of managers and trainers.
        row = Attempt.objects.filter(pk=attempt_id, user_id=user.id).values_list(*fields).first()
        if row is None:
            row = attempts_visible(user=user).filter(pk=attempt_id).values_list(*fields).first()
    except (ValueError, TypeError):
        row = None
    if row is None:
        raise Http404
    return Attempt(status=row[0], score=row[1]).is_grading


def attempt_get_for_taker(*, user, attempt_id) -> Attempt:
    """Only the person who took the attempt may act on it."""
    try:
        attempt = Attempt.objects.select_related("quiz").get(pk=attempt_id, user_id=user.id)
    except (Attempt.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    attempt.user = user
    return attempt


def attempt_is_overdue(*, attempt: Attempt, now: dt.datetime | None = None) -> bool:
    """Still open past its deadline: the caller closes it (services.attempt_close_if_overdue) before showing it."""
    return (
        attempt.status == Attempt.Status.IN_PROGRESS
        and attempt.deadline is not None
        and attempt.deadline <= (now or timezone.now())
    )


def my_attempts(*, user, quiz: Quiz) -> list[Attempt]:
    return list(Attempt.objects.filter(quiz=quiz, user_id=user.id).order_by("number"))


def result_list(*, user, quiz_id: int | None = None, status: str = "") -> QuerySet[Attempt]:
    qs = attempts_visible(user=user).select_related("quiz", "user", "user__team")
    if quiz_id:
        qs = qs.filter(quiz_id=quiz_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-started_at", "-id")


def attempt_item_types_for_taker(*, user, attempt_id) -> list[tuple[int, str]]:
    """(item id, question type) of each item of the person's own attempt, in order: what reading a posted answer
    form needs, without loading the question versions. 404 when the attempt is not theirs."""
    try:
        rows = list(
            AttemptItem.objects.filter(attempt_id=attempt_id, attempt__user_id=user.id)
            .order_by("order")
            .values_list("id", "version__qtype")
        )
    except (ValueError, TypeError):
        raise Http404 from None
    if not rows:  # every attempt has items: none means not theirs (or no such attempt)
        raise Http404
    return rows


def attempt_summary(*, attempt: Attempt) -> dict:
    """Before the final submit: each question's number, whether it is answered and whether the taker marked it,
    with the unanswered and the marked ones listed apart (one query, no question versions loaded)."""
    rows = [
        {"id": item_id, "order": order, "answered": answer not in (None, "", []), "flagged": flagged, "stem": stem}
        for item_id, order, answer, flagged, stem in attempt.items.order_by("order").values_list(
            "id", "order", "answer", "flagged", "version__stem"
        )
    ]
    return {
        "items": rows,
        "answered": sum(1 for row in rows if row["answered"]),
        "unanswered": [row for row in rows if not row["answered"]],
        "flagged": [row for row in rows if row["flagged"]],
    }


def attempt_items(*, attempt: Attempt) -> list[AttemptItem]:
    """The attempt's items in order, with their versions; those a new attempt came with (`new_items`, set by
    services.attempt_start) without reading them again."""
    new_items = getattr(attempt, "new_items", None)
    if new_items is not None:
        return sorted(new_items, key=lambda item: item.order)
    return list(attempt.items.select_related("version").order_by("order"))


def no_attempt_left(*, quiz: Quiz, user_id: int, now: dt.datetime) -> bool:
    """True when this person can start no further attempt at the quiz: it has closed, or every attempt allowed is
    used and none is open (with unlimited attempts, only the close ends them)."""
    if quiz.closes_at and now >= quiz.closes_at:
        return True
    if not quiz.attempts_allowed:
        return False
    statuses = list(Attempt.objects.filter(quiz_id=quiz.pk, user_id=user_id).values_list("status", flat=True))
    if len(statuses) < quiz.attempts_allowed or Attempt.Status.IN_PROGRESS in statuses:
        return False
    return len(statuses) >= quiz.attempts_allowed + extra_attempts(quiz_id=quiz.pk, user_id=user_id)


def review_state(*, attempt: Attempt, now: dt.datetime | None = None) -> dict:
    """What the taker may see of a closed attempt: their answers and item scores, and the correct answers."""
    now = now or timezone.now()
    quiz = attempt.quiz
    review = False
    if attempt.status != Attempt.Status.IN_PROGRESS:
        if quiz.review_policy == Quiz.Review.AFTER_SUBMIT:
            review = True
        elif quiz.review_policy == Quiz.Review.AFTER_LAST_ATTEMPT:
            review = no_attempt_left(quiz=quiz, user_id=attempt.user_id, now=now)
        elif quiz.review_policy == Quiz.Review.AFTER_CLOSE:
            review = bool(quiz.closes_at and now >= quiz.closes_at)
    return {"review": review, "answers": review and quiz.review_shows_answers}


# A random draw from a pool smaller than this many times the draw gives the next attempt, on average, more than a
# third of the questions the previous one had.
KEY_POOL_FACTOR = 3


def _smallest_rule_pool(quiz: Quiz) -> tuple[int, int] | None:
    """(questions in the pool, questions drawn) of the quiz's random rule with the smallest pool for its draw, in one
    query; None without rules (or before the quiz is saved)."""
    rules = list(quiz.rules.all()) if quiz.pk else []
    if not rules:
        return None
    counts = {}
    for i, rule in enumerate(rules):
        match = rule_match(category_id=rule.category_id, competency_id=rule.competency_id, difficulty=rule.difficulty)
        counts[f"r{i}"] = Count("id", filter=match)
    pools = Question.objects.filter(is_archived=False, current__isnull=False).aggregate(**counts)
    return min(((pools[f"r{i}"], rule.count) for i, rule in enumerate(rules)), key=lambda p: p[0] / max(p[1], 1))


def quiz_key_warning(*, quiz: Quiz) -> str | None:
    """A warning for the quiz's trainer when learners see the correct answers right after an attempt and may take
    another with the same questions (fixed questions, or random rules drawing from small pools), so the next attempt
    can be answered from the key. None when the settings do not allow that. A warning, not a refusal: a practice
    quiz may mean to show the key and let people try again."""
    if not (
        quiz.review_shows_answers and quiz.review_policy == Quiz.Review.AFTER_SUBMIT and quiz.attempts_allowed != 1
    ):
        return None
    advice = _(
        'To avoid it, choose "After the last attempt" or "After the quiz closes" under Review, allow a single '
        "attempt, or draw the questions at random from a pool at least %(factor)s times the number drawn."
    ) % {"factor": KEY_POOL_FACTOR}
    if quiz.mode == Quiz.Mode.FIXED:
        problem = _(
            "Learners see the correct answers right after each attempt and may take another attempt with the same "
            "questions, so they can answer it from the key."
        )
        return f"{problem} {advice}"
    smallest = _smallest_rule_pool(quiz)
    if smallest is None or smallest[0] >= KEY_POOL_FACTOR * smallest[1]:
        return None
    problem = _(
        "Learners see the correct answers right after each attempt and may take another attempt, whose random "
        "questions come from small pools (one rule draws %(count)s of only %(pool)s questions), so they can "
        "answer much of it from the key."
    ) % {"count": smallest[1], "pool": smallest[0]}
    return f"{problem} {advice}"


def can_see_key(*, user, attempt: Attempt) -> bool:
    """Quiz owners (and admins) see the key of any attempt, whatever the review policy."""
    if is_admin(user):
        return True
    return has_role(user, TRAINER) and attempt.quiz.owners.filter(pk=user.pk).exists()


def item_view(item: AttemptItem, *, show_score: bool, show_key: bool) -> dict:
    """One question as the viewer may see it. Without show_key nothing here reveals the answer key."""
    version = item.version
    options = {o["key"]: o for o in version.options}
    view = {
        "id": item.id,
        "order": item.order,
        "qtype": version.qtype,
        "stem": version.stem,
        "points": item.points,
        "options": [
            {"key": k, "text": options[k]["text"], **({"feedback": options[k].get("feedback", "")} if show_key else {})}
            for k in item.option_order
            if k in options
        ],
        "answer": item.answer,
        "flagged": item.flagged,
    }
    if show_score:
        view["score"] = item.score
        view["needs_grading"] = item.needs_grading
        view["grader_comment"] = item.grader_comment
    if show_key:
        view["correct_options"] = sorted(grading.correct_keys(version.options))
        view["accepted"] = version.answer.get("accepted", [])
        if version.qtype == QuestionType.TRUE_FALSE:
            view["correct_value"] = version.answer.get("value")
        if version.qtype == QuestionType.NUMERIC:
            view["numeric"] = version.answer
        view["explanation"] = version.explanation
    return view


def area_scores(*, attempt: Attempt) -> list[dict]:
    rows = attempt.area_scores.select_related("category", "competency").order_by("category_id", "competency_id")
    return [
        {
            "axis": "category" if r.category_id else "competency",
            "code": (r.category or r.competency).code,
            "name": (r.category or r.competency).name,
            "score": r.score,
            "max_score": r.max_score,
        }
        for r in rows
    ]


# ---------------------------------------------------------------------------------------------------------------
# Grading queue and item analysis


def grading_queue(*, user) -> QuerySet[AttemptItem]:
    """Answers waiting for a trainer: submitted attempts of quizzes the trainer owns."""
    quizzes = owned_quizzes(user=user)
    return (
        AttemptItem.objects.filter(
            needs_grading=True, attempt__status=Attempt.Status.SUBMITTED, attempt__quiz__in=quizzes
        )
        .select_related("attempt", "attempt__quiz", "attempt__user", "version")
        .order_by("attempt__submitted_at", "attempt_id", "order")
    )


def grading_item_get_for_user(*, user, item_id) -> AttemptItem:
    try:
        return (
            AttemptItem.objects.filter(attempt__quiz__in=owned_quizzes(user=user))
            .exclude(attempt__status=Attempt.Status.IN_PROGRESS)
            .select_related("attempt", "attempt__quiz", "attempt__user", "version")
            .get(pk=item_id)
        )
    except (AttemptItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


TOO_EASY = 0.9
TOO_HARD = 0.2


def item_analysis(*, quiz: Quiz) -> dict:
    """Classical item analysis over the quiz's graded attempts.

    facility = mean score / points; discrimination = facility in the top 27% of attempts (by percent) minus
    facility in the bottom 27%; distribution = how many chose each option. Flags: too easy (> 0.9), too hard
    (< 0.2), negative discrimination.
    """
    attempts = list(
        Attempt.objects.filter(quiz=quiz, status=Attempt.Status.GRADED)
        .order_by("-percent", "id")
        .values("id", "percent")
    )
    n = len(attempts)
    group = max(1, round(n * 0.27)) if n else 0
    upper = {a["id"] for a in attempts[:group]}
    lower = {a["id"] for a in attempts[n - group :]} if group else set()
    rows = (
        AttemptItem.objects.filter(attempt_id__in=[a["id"] for a in attempts])
        .select_related("version")
        .order_by("version__question_id", "attempt_id")
    )
    stats: dict[int, dict] = {}
    for item in rows:
        qid = item.version.question_id
        entry = stats.setdefault(
            qid,
            {
                "question_id": qid,
                "title": item.version.title or item.version.stem[:60],
                "qtype": item.version.qtype,
                "options": {},
                "fractions": [],
                "upper": [],
                "lower": [],
                "blank": 0,
            },
        )
        for o in item.version.options:
            entry["options"].setdefault(
                o["key"], {"key": o["key"], "text": o["text"], "count": 0, "correct": o.get("weight", 0) > 0}
            )
        fraction = float(item.score / item.points) if item.points and item.score is not None else 0.0
        entry["fractions"].append(fraction)
        if item.attempt_id in upper:
            entry["upper"].append(fraction)
        if item.attempt_id in lower:
            entry["lower"].append(fraction)
        chosen = item.answer if isinstance(item.answer, list) else [item.answer]
        if item.answer is None:
            entry["blank"] += 1
        for key in chosen:
            if isinstance(key, str) and key in entry["options"]:
                entry["options"][key]["count"] += 1

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    questions = []
    for entry in stats.values():
        facility = mean(entry["fractions"])
        up, low = mean(entry["upper"]), mean(entry["lower"])
        discrimination = up - low if up is not None and low is not None else None
        flags = []
        if facility is not None and facility > TOO_EASY:
            flags.append("too_easy")
        if facility is not None and facility < TOO_HARD:
            flags.append("too_hard")
        if discrimination is not None and discrimination < 0:
            flags.append("negative_discrimination")
        questions.append(
            {
                "question_id": entry["question_id"],
                "title": entry["title"],
                "qtype": entry["qtype"],
                "responses": len(entry["fractions"]),
                "facility": round(facility, 3) if facility is not None else None,
                "discrimination": round(discrimination, 3) if discrimination is not None else None,
                "distribution": list(entry["options"].values()),
                "blank": entry["blank"],
                "flags": flags,
            }
        )
    return {"attempts": n, "group_size": group, "questions": questions}


def attempt_view(*, user, attempt: Attempt, now: dt.datetime | None = None) -> dict:
    """The attempt as this viewer may see it, for pages and the API alike.

    The taker sees the questions while working and, once closed, what the review policy allows; quiz owners see
    everything of closed attempts; managers see the summary of their teams' attempts only.
    """
    is_taker = attempt.user_id == user.id
    closed = attempt.status != Attempt.Status.IN_PROGRESS
    if closed and can_see_key(user=user, attempt=attempt):
        show_items, show_score, show_key = True, True, True
    elif is_taker:
        state = review_state(attempt=attempt, now=now)
        show_items, show_score, show_key = (not closed) or state["review"], state["review"], state["answers"]
    else:
        show_items = show_score = show_key = False
    graded = attempt.status == Attempt.Status.GRADED
    grading = attempt.is_grading
    show_score = show_score and not grading  # no item has a score yet
    return {
        "id": attempt.id,
        "quiz": {"id": attempt.quiz_id, "title": attempt.quiz.title},
        "user": {"id": attempt.user_id, "name": str(attempt.user)},
        "number": attempt.number,
        "status": attempt.status,
        # Submitted, automatic grading still to run (a few seconds): pages poll until the result is there.
        "grading": grading,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "submitted_at": attempt.submitted_at,
        "seq": attempt.save_seq,
        "score": attempt.score if graded else None,
        "max_score": attempt.max_score,
        "percent": attempt.percent if graded else None,
        "passed": attempt.passed if graded else None,
        "pass_mark": attempt.quiz.pass_mark,
        "areas": area_scores(attempt=attempt) if graded else [],
        "review": show_score,
        "show_answers": show_key,
        "items": [item_view(i, show_score=show_score, show_key=show_key) for i in attempt_items(attempt=attempt)]
        if show_items
        else [],
    }


def area_averages(*, user_ids: Iterable[int], axis: str = "category") -> list[dict]:
    """Dashboards: mean stored score per category (or competency) over these people's graded attempts, weakest
    first. Reads AttemptAreaScore only, one query."""
    field = "category" if axis == "category" else "competency"
    rows = (
        AttemptAreaScore.objects.filter(
            attempt__user_id__in=list(user_ids), attempt__status=Attempt.Status.GRADED, **{f"{field}__isnull": False}
        )
        .values(f"{field}_id", f"{field}__code", f"{field}__name_zh", f"{field}__name_en")
        .annotate(score=Sum("score"), max_score=Sum("max_score"), attempts=Count("attempt_id", distinct=True))
    )
    out = [
        {
            "code": r[f"{field}__code"],
            "name_zh": r[f"{field}__name_zh"],
            "name_en": r[f"{field}__name_en"],
            "percent": round(float(r["score"] * 100 / r["max_score"]), 1) if r["max_score"] else None,
            "attempts": r["attempts"],
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (r["percent"] is None, r["percent"] or 0))
