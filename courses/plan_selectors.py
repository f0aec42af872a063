"""Reads for training plans. Every object access goes through `plan_get_for_user` (read) or
`plan_get_for_edit` (write): "not yours" and "does not exist" both answer 404.

Who sees which plan:
- admins (staff/superusers): every plan;
- trainers: plans they own or teach a session in, and every template (any trainer may read and clone one);
- managers: plans for their teams (`TrainingPlan.teams` within the teams they manage) and whatever the
  participation scopes of `courses.hooks.plan_participation_scope` add (e.g. plans their team members are enrolled in), drafts included;
- anyone (salespeople): published or archived plans a participation scope says they take part in.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses import hooks
from courses.models import Category, Competency, Objective, Session, TrainingPlan
from lms.roles import MANAGER, TRAINER, has_role, is_admin
from trainees.models import User
from trainees.selectors import managed_team_ids, team_subtree_ids, teams_for_user


def _scope_q(user: User) -> Q | None:
    """The Q of plans `user` may read, or None for "all"."""
    if is_admin(user):
        return None
    q = Q(pk__in=[])
    if has_role(user, TRAINER):
        q |= Q(pk__in=TrainingPlan.owners.through.objects.filter(user_id=user.id).values("trainingplan_id"))
        q |= Q(is_template=True)
        # Plans where they teach a session (assigned by another trainer): readable, so they see their bookings.
        q |= Q(pk__in=Session.objects.filter(trainer_id=user.id).values("plan_id"))
    participation = Q(pk__in=[])
    is_manager = has_role(user, MANAGER)
    if is_manager:
        team_ids = managed_team_ids(user=user)
        if team_ids:
            participation |= Q(
                pk__in=TrainingPlan.teams.through.objects.filter(team_id__in=team_ids).values("trainingplan_id")
            )
    # The plans the apps above say `user` takes part in (learning/: enrolled). Readable, never editable; never
    # templates; people who are neither managers nor trainers only see published or archived plans this way.
    for scope in hooks.plan_participation_scope.call(user=user):
        participation |= scope
    participation &= Q(is_template=False)
    if not (is_manager or has_role(user, TRAINER)):
        participation &= Q(status__in=[TrainingPlan.Status.PUBLISHED, TrainingPlan.Status.ARCHIVED])
    return q | participation


def plans_for_user(*, user: User) -> QuerySet[TrainingPlan]:
    if not getattr(user, "is_authenticated", False):
        return TrainingPlan.objects.none()
    q = _scope_q(user)
    if q is None:
        return TrainingPlan.objects.all()
    # A subquery, so providers may join freely (e.g. through enrollments) without duplicating plans.
    return TrainingPlan.objects.filter(pk__in=TrainingPlan.objects.filter(q).values("pk"))


def plan_get_for_user(*, user: User, plan_id: int) -> TrainingPlan:
    try:
        return plans_for_user(user=user).prefetch_related("owners", "teams").get(pk=plan_id)
    except (TrainingPlan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def plan_can_edit(*, user: User, plan: TrainingPlan) -> bool:
    """Owners edit their plans until archived (published ones with a change log); admins edit drafts.

    Publishing freezes the schedule for everyone but the owners.
    """
    if not getattr(user, "is_authenticated", False) or plan.status == TrainingPlan.Status.ARCHIVED:
        return False
    owner_ids = {o.id for o in plan.owners.all()}
    if user.id in owner_ids and (has_role(user, TRAINER) or is_admin(user)):
        return True
    return is_admin(user) and plan.status == TrainingPlan.Status.DRAFT


def plan_get_for_edit(*, user: User, plan_id: int) -> TrainingPlan:
    """The plan if `user` may change it. A plan they may read but not change answers 404 as well."""
    plan = plan_get_for_user(user=user, plan_id=plan_id)
    if not plan_can_edit(user=user, plan=plan):
        raise Http404
    return plan


def plan_list(*, user: User, search: str = "", kind: str = "", status: str = "") -> QuerySet[TrainingPlan]:
    qs = (
        plans_for_user(user=user)
        .annotate(session_count=Count("sessions", distinct=True))
        .prefetch_related("owners", "teams")
    )
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(audience__icontains=search))
    if kind == "templates":
        qs = qs.filter(is_template=True)
    elif kind == "plans":
        qs = qs.filter(is_template=False)
    if status in TrainingPlan.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("is_template", "-start_date", "-id")


def templates_for_user(*, user: User) -> QuerySet[TrainingPlan]:
    return plans_for_user(user=user).filter(is_template=True).order_by("title", "id")


def plan_sessions(*, plan: TrainingPlan) -> list[Session]:
    return list(
        Session.objects.filter(plan=plan)
        .select_related("category", "competency", "method", "trainer", "course")
        .order_by("day", "start_time", "id")
    )


def plan_objectives(*, plan: TrainingPlan) -> list[Objective]:
    return list(plan.objectives.order_by("order", "id"))


def next_free_slot(*, plan: TrainingPlan, day: int, minutes: int = 90) -> tuple[dt.time, dt.time]:
    """A sensible default for a new session: right after the day's last session, else 09:00."""
    last_end = plan.sessions.filter(day=day).order_by("-end_time").values_list("end_time", flat=True).first()
    start = last_end or dt.time(9, 0)
    total = start.hour * 60 + start.minute + minutes
    if total >= 24 * 60:
        return dt.time(9, 0), dt.time(10, 30)
    return start, dt.time(total // 60, total % 60)


def session_get_for_plan(*, plan: TrainingPlan, session_id: int) -> Session:
    try:
        return Session.objects.select_related("plan").get(plan=plan, pk=session_id)
    except (Session.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def objective_get_for_plan(*, plan: TrainingPlan, objective_id: int) -> Objective:
    try:
        return Objective.objects.get(plan=plan, pk=objective_id)
    except (Objective.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- trainer clashes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    session_id: int
    other_id: int
    other_title: str
    other_plan_id: int
    other_plan_title: str
    date: dt.date | None
    start: dt.time
    end: dt.time
    trainer: str


def _session_date(session: Session, plan: TrainingPlan) -> dt.date | None:
    return plan.day_date(session.day)


def trainer_clashes(*, plan: TrainingPlan, sessions: list[Session] | None = None) -> dict[int, list[Clash]]:
    """For each session of `plan` whose trainer (a user) is booked elsewhere at the same time, the clashes.

    "Elsewhere" is any other session of the same trainer: in this plan on the same day, or in another dated,
    non-template, non-archived plan on the same calendar date. One query whatever the plan size.
    A clash is a warning, not an error: trainers sometimes split a room or hand over mid-session.
    """
    if sessions is None:
        sessions = plan_sessions(plan=plan)
    mine = [s for s in sessions if s.trainer_id]
    if not mine:
        return {}
    trainer_ids = {s.trainer_id for s in mine}
    candidates = Session.objects.filter(trainer_id__in=trainer_ids).select_related("plan", "trainer")
    if plan.start_date:
        window_start = plan.start_date - dt.timedelta(days=29)
        other_plans = Q(
            plan__is_template=False,
            plan__start_date__gte=window_start,
            plan__start_date__lte=plan.end_date,
        ) & ~Q(plan__status=TrainingPlan.Status.ARCHIVED)
        candidates = candidates.filter(Q(plan=plan) | other_plans)
    else:
        candidates = candidates.filter(plan=plan)
    by_trainer: dict[int, list[Session]] = defaultdict(list)
    for other in candidates:
        by_trainer[other.trainer_id].append(other)
    result: dict[int, list[Clash]] = {}
    for s in mine:
        date = plan.day_date(s.day)
        for other in by_trainer[s.trainer_id]:
            if other.pk == s.pk:
                continue
            if other.plan_id == plan.pk:
                same_slot = other.day == s.day
            else:
                same_slot = date is not None and other.plan.day_date(other.day) == date
            if same_slot and other.start_time < s.end_time and other.end_time > s.start_time:
                result.setdefault(s.pk, []).append(
                    Clash(
                        session_id=s.pk,
                        other_id=other.pk,
                        other_title=other.title,
                        other_plan_id=other.plan_id,
                        other_plan_title=other.plan.title,
                        date=date,
                        start=other.start_time,
                        end=other.end_time,
                        trainer=str(other.trainer),
                    )
                )
    return result


# --- parallel sessions (one group cannot be in two places) ------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    """`session_id` runs at the same time as `other_id` on the same day of the same plan."""

    session_id: int
    other_id: int
    other_title: str
    day: int
    start: dt.time
    end: dt.time


def session_overlaps(*, sessions: list[Session]) -> dict[int, list[Overlap]]:
    """For each session of one plan, the other sessions of that plan it overlaps in time on the same day.

    A plan is for one group of trainees (sessions have no group or track of their own), so two sessions at once
    means the group is in two places: a warning, not an error, because a trainer may mean parallel workshops for
    halves of the group. Touching ends (09:00-10:00 and 10:00-11:00) do not overlap. No query.
    """
    by_day: dict[int, list[Session]] = defaultdict(list)
    for s in sessions:
        by_day[s.day].append(s)
    result: dict[int, list[Overlap]] = {}
    for day, rows in by_day.items():
        rows = sorted(rows, key=lambda s: (s.start_time, s.end_time, s.pk))
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if b.start_time >= a.end_time:
                    break
                for one, other in ((a, b), (b, a)):
                    result.setdefault(one.pk, []).append(
                        Overlap(
                            session_id=one.pk,
                            other_id=other.pk,
                            other_title=other.title,
                            day=day,
                            start=other.start_time,
                            end=other.end_time,
                        )
                    )
    return result


@dataclass
class PlanConflicts:
    """The plan-level list a trainer reviews before publishing: parallel sessions and double-booked trainers."""

    overlap_pairs: list[tuple[Session, Session]] = field(default_factory=list)
    trainer_clashes: list[tuple[Session, Clash]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overlap_pairs) + len(self.trainer_clashes)

    def __bool__(self) -> bool:
        return bool(self.count)


def plan_conflicts(
    *, sessions: list[Session], overlaps: dict[int, list[Overlap]], clashes: dict[int, list[Clash]]
) -> PlanConflicts:
    """Each overlapping pair once (in schedule order) and each trainer clash of the plan's sessions. No query."""
    by_id = {s.pk: s for s in sessions}
    conflicts = PlanConflicts()
    for s in sessions:
        for o in overlaps.get(s.pk, []):
            other = by_id.get(o.other_id)
            if other is not None and (s.start_time, s.pk) < (other.start_time, other.pk):
                conflicts.overlap_pairs.append((s, other))
        conflicts.trainer_clashes.extend((s, c) for c in clashes.get(s.pk, []))
    return conflicts


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    ok: bool
    blocking: bool = False


def plan_publish_checklist(
    *, plan: TrainingPlan, sessions: list[Session], objectives: list[Objective], coverage: "Coverage"
) -> list[ChecklistItem]:
    """What the publish confirmation shows: blocking items stop `plan_publish`; the others are worth a look."""
    gaps = len(coverage.gaps)
    return [
        ChecklistItem(_("The plan has a start date."), bool(plan.start_date), blocking=True),
        ChecklistItem(_("The plan has at least one session."), bool(sessions), blocking=True),
        ChecklistItem(_("The plan has objectives."), bool(objectives)),
        ChecklistItem(_("Every session has a trainer."), all(s.trainer_id or s.trainer_name.strip() for s in sessions)),
        ChecklistItem(
            ngettext("Coverage: %(n)d gap to fill.", "Coverage: %(n)d gaps to fill.", gaps) % {"n": gaps}
            if gaps
            else _("Coverage: every category, competency and objective kind is covered."),
            not gaps,
        ),
    ]


def plan_team_member_count(*, plan: TrainingPlan) -> int:
    """Active people in the plan's teams and the teams below them (what the publish confirmation names)."""
    team_ids = [t.pk for t in plan.teams.all()]
    if not team_ids:
        return 0
    return User.objects.filter(team_id__in=team_subtree_ids(team_ids=team_ids), is_active=True).count()


def plan_team_links(*, user: User, plan: TrainingPlan) -> list[dict]:
    """The plan's teams for its header: name, and the team's people page when `user` may open it. One query
    (the teams come prefetched by `plan_get_for_user`)."""
    teams = sorted(plan.teams.all(), key=lambda t: (t.full_name or t.name, t.pk))
    if not teams:
        return []
    visible: set[int] = set()
    if has_role(user, MANAGER) or has_role(user, TRAINER) or is_admin(user):
        visible = set(teams_for_user(user=user).filter(id__in=[t.pk for t in teams]).values_list("id", flat=True))
    return [
        {
            "name": t.full_name or t.name,
            "url": f"{reverse('trainees:people')}?team={t.pk}" if t.pk in visible else "",
        }
        for t in teams
    ]


# --- coverage -------------------------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    key: str
    label: str
    covered: bool
    minutes: int = 0
    count: int = 0

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass
class Coverage:
    categories: list[CoverageRow] = field(default_factory=list)
    competencies: list[CoverageRow] = field(default_factory=list)
    objective_kinds: list[CoverageRow] = field(default_factory=list)
    total_minutes: int = 0
    uncategorised_minutes: int = 0

    @property
    def gaps(self) -> list[CoverageRow]:
        return [r for r in (*self.categories, *self.competencies, *self.objective_kinds) if not r.covered]

    @property
    def total_hours(self) -> float:
        return round(self.total_minutes / 60, 1)


def plan_coverage(
    *,
    plan: TrainingPlan,
    sessions: list[Session] | None = None,
    objectives: list[Objective] | None = None,
    categories: list[Category] | None = None,
    competencies: list[Competency] | None = None,
) -> Coverage:
    """Which categories, competencies and objective kinds the plan covers, and hours per category."""
    sessions = plan_sessions(plan=plan) if sessions is None else sessions
    objectives = plan_objectives(plan=plan) if objectives is None else objectives
    categories = list(Category.objects.all()) if categories is None else categories
    competencies = list(Competency.objects.all()) if competencies is None else competencies
    minutes_by_cat: dict[int, int] = defaultdict(int)
    count_by_cat: dict[int, int] = defaultdict(int)
    count_by_comp: dict[int, int] = defaultdict(int)
    coverage = Coverage()
    for s in sessions:
        coverage.total_minutes += s.minutes
        if s.category_id:
            minutes_by_cat[s.category_id] += s.minutes
            count_by_cat[s.category_id] += 1
        else:
            coverage.uncategorised_minutes += s.minutes
        if s.competency_id:
            count_by_comp[s.competency_id] += 1
    coverage.categories = [
        CoverageRow(c.code, c.name, bool(count_by_cat[c.id]), minutes_by_cat[c.id], count_by_cat[c.id])
        for c in categories
    ]
    coverage.competencies = [
        CoverageRow(c.code, c.name, bool(count_by_comp[c.id]), count=count_by_comp[c.id]) for c in competencies
    ]
    kinds = defaultdict(int)
    for o in objectives:
        kinds[o.kind] += 1
    coverage.objective_kinds = [
        CoverageRow(value, str(label), bool(kinds[value]), count=kinds[value])
        for value, label in Objective.Kind.choices
    ]
    return coverage


def plan_schedule(*, plan: TrainingPlan, sessions: list[Session]) -> list[dict]:
    """Day-by-day columns for the grid: [{"day": 1, "date": date|None, "sessions": [...]}, ...]."""
    by_day: dict[int, list[Session]] = defaultdict(list)
    for s in sessions:
        by_day[s.day].append(s)
    return [{"day": d, "date": plan.day_date(d), "sessions": by_day.get(d, [])} for d in range(1, plan.days + 1)]


def plan_changes(*, plan: TrainingPlan, limit: int = 50) -> list:
    return list(plan.changes.select_related("user")[:limit])


# --- the plan document (print view and .docx) ------------------------------------------------------------------


@dataclass
class PlanDocument:
    plan: TrainingPlan
    objectives_by_kind: list[tuple[str, list[Objective]]]
    trainers: list[str]
    content_by_category: list[tuple[str, list[Session]]]
    methods: list
    schedule: list[dict]
    total_hours: float


def plan_document(*, plan: TrainingPlan) -> PlanDocument:
    """Everything a 培训计划书 shows, in its order, from a fixed number of queries."""
    sessions = plan_sessions(plan=plan)
    objectives = plan_objectives(plan=plan)
    by_kind = [
        (str(label), [o for o in objectives if o.kind == value])
        for value, label in Objective.Kind.choices
        if any(o.kind == value for o in objectives)
    ]
    trainers: list[str] = []
    for name in [str(o) for o in plan.owners.all()] + [s.trainer_label for s in sessions]:
        if name and name not in trainers:
            trainers.append(name)
    content: dict[str, list[Session]] = {}
    no_category = str(_("Other"))
    for s in sorted(sessions, key=lambda s: (s.category.order if s.category else 999, s.day, s.start_time)):
        content.setdefault(s.category.name if s.category else no_category, []).append(s)
    methods = []
    for s in sessions:
        if s.method and s.method not in methods:
            methods.append(s.method)
    methods.sort(key=lambda m: m.order)
    return PlanDocument(
        plan=plan,
        objectives_by_kind=by_kind,
        trainers=trainers,
        content_by_category=list(content.items()),
        methods=methods,
        schedule=plan_schedule(plan=plan, sessions=sessions),
        total_hours=round(sum(s.minutes for s in sessions) / 60, 1),
    )
