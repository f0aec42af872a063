"""Reads for the dashboards. Everything comes from the precomputed tables (PersonStats, TeamStats,
TeamSnapshot) plus two short, limited lists of enrollments and certificates, so a page costs the same few
queries for a team of 10 or of 10,000.

Access: one function per resource. A manager sees the teams they manage and every team below; admins see
everything; anyone else (and any team or person outside that scope) gets 404.
"""

import base64
import binascii
import json
import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf, StrIndex
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assessments.models import Attempt, Quiz, QuizRule
from assessments.selectors import quizzes_for_user
from courses.models import Category, Competency, Course
from courses.models.plans import Session
from dashboards.models import (
    CourseStats,
    Nudge,
    OwnerSnapshot,
    OwnerStats,
    PersonCategoryScore,
    PersonStats,
    TeamCourseStats,
    TeamPlanStats,
    TeamSnapshot,
    TeamStats,
)
from dashboards.services import EVERYTHING, week_start
from learning.models import Certificate, Enrollment
from lms.ids import MAX_ID
from lms.roles import MANAGER, has_role, is_admin
from lms.storable import text_problem
from practice.models import CoachingComment, PracticeSession, Scenario, ScoreOverride
from trainees.models import Team, User
from trainees.selectors import managed_team_ids

SERIES_WEEKS = 12
PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
# Sort keys offered to the page and the API: key -> model field. A leading "-" sorts descending.
SORTS = {
    "name": "user__display_name",
    "employee_no": "user__username",
    "enrollments": "enrollments",
    "completed": "completed",
    "overdue": "overdue",
    "progress": "avg_progress",
    "certs_expiring": "certs_expiring",
}
DEFAULT_SORT = "-overdue"


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def _may_manage(*, user, team: Team) -> bool:
    if is_admin(user):
        return True
    if not has_role(user, MANAGER):
        return False
    return Team.managers.through.objects.filter(user_id=user.id, team_id__in=_path_ids(team.path)).exists()


def _with_children(rows: list[Team], team: Team) -> Team:
    team.dashboard_children = sorted((t for t in rows if t.parent_id == team.id), key=lambda t: t.name)
    return team


def dashboard_root_teams(*, user, with_children: bool = False) -> list[Team]:
    """The teams a dashboard opens on: those the manager manages directly (admins: the root teams).
    `with_children` loads the first one's sub-teams (with their stats) in the same query."""
    if not getattr(user, "is_authenticated", False):
        return []
    qs = Team.objects.select_related("stats")
    if is_admin(user):
        if not with_children:
            return list(qs.filter(parent__isnull=True))
        rows = list(qs.filter(Q(parent__isnull=True) | Q(parent__parent__isnull=True)))
        roots = [t for t in rows if t.parent_id is None]
    elif has_role(user, MANAGER):
        managed = Team.managers.through.objects.filter(user_id=user.id)
        if not with_children:
            return list(qs.filter(id__in=managed.values("team_id")))
        rows = list(
            qs.filter(Q(id__in=managed.values("team_id")) | Q(parent_id__in=managed.values("team_id"))).annotate(
                is_root=Exists(managed.filter(team_id=OuterRef("id")))
            )
        )
        roots = [t for t in rows if t.is_root]
    else:
        return []
    if roots:
        _with_children(rows, roots[0])
    return roots


def dashboard_team_get(*, user, team_id, with_children: bool = False) -> Team:
    """A team in the user's dashboard scope (with its stats), else 404. `with_children` loads its sub-teams (with
    their stats, as `team.dashboard_children`) in the same query."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        team_id = int(team_id)
    except (ValueError, TypeError):
        raise Http404 from None
    if not 0 < team_id <= MAX_ID:
        # No row has such an id, and SQLite cannot even bind one past 64 bits (OverflowError, a 500).
        raise Http404
    qs = Team.objects.select_related("stats")
    if not is_admin(user):
        # In scope when one of the teams the user manages is this team or above it (its path is a prefix of ours)
        # and the user holds the manager role: both checked in the same query that loads the team (so an API
        # route gated only on sign-in, like the team summary, spends no query on reading the roles).
        managing = Team.objects.filter(managers=user.id).alias(at=StrIndex(OuterRef("path"), F("path"))).filter(at=1)
        manager_role = User.groups.through.objects.filter(user_id=user.id, group__name=MANAGER)
        qs = qs.filter(Exists(managing), Exists(manager_role))
    if not with_children:
        try:
            return qs.get(id=team_id)
        except Team.DoesNotExist:
            raise Http404 from None
    # Sub-teams are in scope whenever their parent is; a sub-team managed without its parent does not let the
    # parent through (the parent's own row must pass the check).
    rows = list(qs.filter(Q(id=team_id) | Q(parent_id=team_id)))
    team = next((t for t in rows if t.id == team_id), None)
    if team is None:
        raise Http404
    return _with_children(rows, team)


def dashboard_person_get(*, user, person_id) -> User:
    """A person in a team of the user's dashboard scope, else 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    qs = User.objects.select_related("team", "stats")
    if not is_admin(user):
        if not has_role(user, MANAGER):
            raise Http404
        # In scope when a team the user manages is the person's team or above it, checked in the same query.
        managing = (
            Team.objects.filter(managers=user.id).alias(at=StrIndex(OuterRef("team__path"), F("path"))).filter(at=1)
        )
        qs = qs.filter(team__isnull=False).filter(Exists(managing))
    try:
        person_id = int(person_id)
    except (ValueError, TypeError):
        raise Http404 from None
    if not 0 < person_id <= MAX_ID:
        raise Http404
    try:
        return qs.get(id=person_id)
    except User.DoesNotExist:
        raise Http404 from None


# --- figures -----------------------------------------------------------------------------------------------


@dataclass
class Figures:
    people: int = 0
    enrollments: int = 0
    completed: int = 0
    overdue: int = 0
    progress_sum: int = 0
    certs_valid: int = 0
    certs_expiring: int = 0
    attempts: int = 0
    passed: int = 0
    score_sum: float = 0

    @classmethod
    def of(cls, row) -> "Figures":
        if row is None:
            return cls()
        return cls(**{f: getattr(row, f) for f in cls.__dataclass_fields__})

    @property
    def active(self) -> int:
        return self.enrollments - self.completed

    @property
    def completion_rate(self) -> float | None:
        return round(self.completed * 100 / self.enrollments, 1) if self.enrollments else None

    @property
    def avg_progress(self) -> float | None:
        return round(self.progress_sum / self.enrollments, 1) if self.enrollments else None

    @property
    def avg_score(self) -> float | None:
        return round(self.score_sum / self.attempts, 1) if self.attempts else None

    @property
    def pass_rate(self) -> float | None:
        return round(self.passed * 100 / self.attempts, 1) if self.attempts else None

    def as_dict(self) -> dict:
        keys = ["people", "active", "completed", "overdue", "completion_rate", "avg_progress"]
        keys += ["certs_valid", "certs_expiring", "avg_score", "pass_rate"]
        return {k: getattr(self, k) for k in keys}


HEADLINES = {
    "people": (_("People"), ""),
    "active": (_("Active enrollments"), ""),
    "completion_rate": (_("Completion rate"), "%"),
    "overdue": (_("Overdue"), ""),
    "avg_score": (_("Average quiz score"), ""),
    "pass_rate": (_("Pass rate"), "%"),
    "certs_valid": (_("Valid certificates"), ""),
    "certs_expiring": (_("Certificates expiring in 30 days"), ""),
}
HEADLINE_KEYS = list(HEADLINES)


def _delta(now, before):
    if now is None or before is None:
        return None
    return round(now - before, 1)


# Which way a headline figure should move: +1 more is better, -1 fewer is better, 0 neither (the team's size).
GOOD_DIRECTION = {
    "people": 0,
    "active": 1,
    "completion_rate": 1,
    "overdue": -1,
    "avg_score": 1,
    "pass_rate": 1,
    "certs_valid": 1,
    "certs_expiring": -1,
}


def change_tone(key: str, change) -> str:
    """ "good", "bad" or "neutral": the colour of a headline figure's change by what it means (one more overdue
    item is bad, one fewer is good; more completions are good), not by its sign."""
    direction = GOOD_DIRECTION.get(key, 0)
    if not change or not direction:
        return "neutral"
    return "good" if (change > 0) == (direction > 0) else "bad"


def headline_figures(*, now: Figures, before: Figures | None) -> list[dict]:
    """The headline cards (team and trainer dashboards): each figure with its change since `before` (None: no
    figures from last week, no change shown), the change signed ("+14", "-1") and its `tone` (change_tone)."""
    current, previous = now.as_dict(), before.as_dict() if before else {}
    cards = []
    for k in HEADLINE_KEYS:
        change = _delta(current[k], previous.get(k)) if before else None
        cards.append(
            {
                "key": k,
                "label": HEADLINES[k][0],
                "unit": HEADLINES[k][1],
                "value": current[k],
                "change": change,
                "change_text": f"{change:+g}" if change else ("0" if change is not None else ""),
                "tone": change_tone(k, change),
            }
        )
    return cards


def dashboard_up_link(*, user, team: Team) -> str | None:
    """Where the team page's "up one level" goes: the parent team's page when the parent is in the user's scope,
    else None (the page then offers the dashboard home instead: a manager of this team alone would get a 404 one
    level up). One query, none for a root team or an admin."""
    if team.parent_id is None:
        return None
    home = reverse("dashboards:home")
    if is_admin(user):
        return f"{home}?team={team.parent_id}"
    above = [t for t in _path_ids(team.path) if t != team.id]
    if above and Team.managers.through.objects.filter(user_id=user.id, team_id__in=above).exists():
        return f"{home}?team={team.parent_id}"
    return None


def weekly_series(points: list[tuple[date, Figures]]) -> list[dict]:
    """The "completion over time" series from snapshots, one point per week (the week's Monday)."""
    return [
        {
            "week": week.isoformat(),
            "completion_rate": f.completion_rate,
            "completed": f.completed,
            "overdue": f.overdue,
            "avg_progress": f.avg_progress,
        }
        for week, f in points
    ]


def team_overview(*, team: Team) -> dict:
    """Headline figures with the change since last week's snapshot, the weekly series and the sub-teams.
    Two queries (snapshots, sub-teams with stats); the team's own stats came with the team."""
    today = timezone.localdate()
    now = Figures.of(getattr(team, "stats", None))
    first_week = week_start(today) - timedelta(weeks=SERIES_WEEKS - 1)
    snapshots = list(TeamSnapshot.objects.filter(team_id=team.id, week__gte=first_week).order_by("week"))
    last_week = week_start(today) - timedelta(weeks=1)
    before = next((s for s in snapshots if s.week == last_week), None)
    headline = headline_figures(now=now, before=Figures.of(before) if before else None)
    series = weekly_series([(s.week, Figures.of(s)) for s in snapshots])
    sub_teams = getattr(team, "dashboard_children", None)
    if sub_teams is None:
        sub_teams = Team.objects.filter(parent_id=team.id).select_related("stats").order_by("name")
    children = [{"team": c, "figures": Figures.of(getattr(c, "stats", None))} for c in sub_teams]
    return {"figures": now, "headline": headline, "series": series, "children": children}


# --- people table ------------------------------------------------------------------------------------------


def team_people(*, team: Team, search: str = "", overdue_only: bool = False) -> QuerySet[PersonStats]:
    qs = PersonStats.objects.filter(is_active=True, team__path__startswith=team.path).select_related("user", "team")
    if search:
        qs = qs.filter(
            Q(user__display_name__icontains=search)
            | Q(user__employee_no__icontains=search)
            | Q(user__username__icontains=search)
        )
    if overdue_only:
        qs = qs.filter(overdue__gt=0)
    return qs


def parse_sort(value: str | None) -> str:
    value = (value or "").strip()
    return value if value.lstrip("-") in SORTS else DEFAULT_SORT


def _encode(value, pk: int) -> str:
    # default=str: a date sort value travels as its ISO text (the field parses it back in the filter).
    return base64.urlsafe_b64encode(json.dumps([value, pk], ensure_ascii=False, default=str).encode()).decode()


# A cursor's text value is a sort value we wrote (a name, a title, a date): never longer than this.
CURSOR_TEXT_MAX = 1000


class InvalidCursor(ValidationError):
    """A cursor this app did not write: edited, cut, or forged (Infinity, 1e400, NaN, integers past 64 bits, text a
    database cannot hold, a value of the wrong kind for the table's sort). The API answers 400 naming `cursor`; the
    pages show a 400 page with a link to the table's first page (dashboards.views)."""

    def __init__(self):
        super().__init__(
            {
                "cursor": _(
                    "This page link is not valid: its position in the table (the cursor) was changed or cut. "
                    "Start again from the first page."
                )
            }
        )


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def cursor_decode(cursor: str) -> tuple[str | int | float, int]:
    """(sort value, last id) of a cursor we wrote, else InvalidCursor. Only finite numbers, 64-bit integers and
    storable text of a sane length pass: anything else would reach the database as a value it cannot compare or
    bind (Infinity, 1e400 and NaN read as non-finite floats; a 500)."""
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode(), parse_constant=_not_a_number)
    except (ValueError, TypeError, RecursionError, binascii.Error):  # not base64, JSON, a pair; NaN; 4300 digits
        raise InvalidCursor from None
    if not _is_int(pk) or not 0 < pk <= MAX_ID:
        raise InvalidCursor
    if isinstance(value, float):
        ok = math.isfinite(value)
    elif _is_int(value):
        ok = -MAX_ID <= value <= MAX_ID
    elif isinstance(value, str):
        ok = len(value) <= CURSOR_TEXT_MAX and not text_problem(value)
    else:
        ok = False
    if not ok:
        raise InvalidCursor
    return value, pk


def _not_a_number(name: str):
    raise ValueError(name)


def keyset_page(*, qs: QuerySet[PersonStats], sort: str, cursor: str | None, size: int = PAGE_SIZE):
    """Cursor (keyset) pagination on (sort field, user id): every page is one indexed query, however deep.
    Returns (rows, next cursor or None). A cursor we did not write: InvalidCursor."""
    sort = parse_sort(sort)
    return _keyset(
        qs=qs, field=SORTS[sort.lstrip("-")], desc=sort.startswith("-"), pk="user_id", cursor=cursor, size=size
    )


def _keyset(*, qs: QuerySet, field: str, desc: bool, pk: str, cursor: str | None, size: int):
    """One page of `qs` ordered by (field, pk) after the cursor's position (no cursor: the first page), and the
    next page's cursor or None. InvalidCursor for a cursor we did not write, or one whose value does not fit the
    field (a date sort's cursor holding "abc"). `field` must not be NULL (keyset comparisons skip NULLs)."""
    size = max(1, min(int(size or PAGE_SIZE), MAX_PAGE_SIZE))
    if cursor:
        value, last_pk = cursor_decode(cursor)
        op = "lt" if desc else "gt"
        try:
            qs = qs.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"{pk}__{op}": last_pk}))
        except (ValueError, TypeError, ValidationError):
            raise InvalidCursor from None
    order = [f"-{field}", f"-{pk}"] if desc else [field, pk]
    rows = list(qs.order_by(*order)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        value = last
        for part in field.split("__"):
            value = getattr(value, part)
        next_cursor = _encode(value, getattr(last, pk))
    return rows, next_cursor


# --- training plans table ----------------------------------------------------------------------------------

PLAN_SORTS = {
    "title": "plan__title",
    "participants": "participants",
    "completion": "completion",
    "overdue": "overdue",
}
DEFAULT_PLAN_SORT = "completion"


def parse_plan_sort(value: str | None) -> str:
    value = (value or "").strip()
    return value if value.lstrip("-") in PLAN_SORTS else DEFAULT_PLAN_SORT


def team_plans(*, team: Team | None, search: str = "", overdue_only: bool = False) -> QuerySet[TeamPlanStats]:
    """The training plans the team's subtree takes part in, with figures over that subtree's participants only
    (TeamPlanStats). `team=None`: the rows over every participant (for plan owners and admins)."""
    qs = TeamPlanStats.objects.select_related("plan")
    qs = qs.filter(team__isnull=True) if team is None else qs.filter(team_id=team.id)
    if search:
        qs = qs.filter(plan__title__icontains=search)
    if overdue_only:
        qs = qs.filter(overdue__gt=0)
    return qs


def plans_page(*, qs: QuerySet[TeamPlanStats], sort: str, cursor: str | None, size: int = PAGE_SIZE):
    """A page of the plans table by (sort field, plan id), like `keyset_page`. Returns (rows, next cursor)."""
    sort = parse_plan_sort(sort)
    field = PLAN_SORTS[sort.lstrip("-")]
    return _keyset(qs=qs, field=field, desc=sort.startswith("-"), pk="plan_id", cursor=cursor, size=size)


def owned_plans(*, user, search: str = "", overdue_only: bool = False) -> QuerySet[TeamPlanStats]:
    """The plan-wide rows (every participant) of the plans the trainer owns (admins: every plan)."""
    qs = team_plans(team=None, search=search, overdue_only=overdue_only)
    return qs if is_admin(user) else qs.filter(plan__owners=user)


# --- lists -------------------------------------------------------------------------------------------------


def team_expiring_certificates(*, team: Team) -> list[dict]:
    """The subtree's certificates that expire soonest within EXPIRING_DAYS (kept in TeamStats, no query), each
    {"user_id", "person", "course_title", "expires_on" (a date)}; expired ones dropped since the last refresh."""
    today = timezone.localdate()
    rows = []
    for c in getattr(getattr(team, "stats", None), "expiring", None) or []:
        expires_on = date.fromisoformat(c["expires_on"])
        if expires_on >= today:
            rows.append({**c, "expires_on": expires_on})
    return rows


def person_overview(*, person: User) -> dict:
    """Every enrollment and certificate of the person, their mastery per category and competency (one query for
    both axes), nudges, and weak spots with remedies (one more query when there are any). Five queries at most."""
    enrollments = list(
        Enrollment.objects.filter(user_id=person.id).select_related("course", "plan").order_by("-created_at", "-id")
    )
    certificates = list(Certificate.objects.filter(user_id=person.id).order_by("-issued_at", "-id"))
    seen: set[int] = set()
    for c in certificates:  # newest first: an older one of a course already seen was replaced by a renewal
        c.replaced = c.course_id in seen
        seen.add(c.course_id)
    mastery = person_mastery(person=person)
    nudges = list(Nudge.objects.filter(user_id=person.id).order_by("-day")[:10])
    stats = getattr(person, "stats", None)
    return {
        "weak_spots": weak_spots(areas=mastery["category"] + mastery["competency"]),
        "mastery": mastery,
        "stats": stats,
        "enrollments": enrollments,
        "certificates": certificates,
        "category_scores": [a for a in mastery["category"] if a["n"]],
        "competency_scores": [a for a in mastery["competency"] if a["n"]],
        "nudges": nudges,
    }


# --- charts, lowest scores, weak spots -----------------------------------------------------------------------

AXES = ("category", "competency")


def _area(*, axis: str, id: int, code: str, name_zh: str, name_en: str, n: int, total: float, people=None) -> dict:
    return {
        "axis": axis,
        "id": id,
        "code": code,
        "name": name_en if (get_language() or "").startswith("en") else name_zh,
        "n": n,
        "avg_score": round(total / n, 1) if n else None,
        "people": people,
    }


def team_charts(*, team: Team) -> dict:
    """Score distribution and mastery radar of the team's subtree, from TeamStats (no query: the stats came with
    the team). `score_distribution`: people per 10-point band; `mastery`: per axis, every category/competency."""
    return stats_charts(stats=getattr(team, "stats", None))


def stats_charts(*, stats) -> dict:
    """The charts of a precomputed row with `score_bins` and `areas` (TeamStats, OwnerStats); no query."""
    bins = (getattr(stats, "score_bins", None) or []) + [0] * 10
    distribution = [
        {"band": f"{10 * i}–{10 * i + 9 if i < 9 else 100}", "from": 10 * i, "people": bins[i]} for i in range(10)
    ]
    mastery: dict[str, list] = {axis: [] for axis in AXES}
    for a in getattr(stats, "areas", None) or []:
        if a.get("axis") in mastery:
            mastery[a["axis"]].append(
                _area(
                    axis=a["axis"],
                    id=a["id"],
                    code=a["code"],
                    name_zh=a["name_zh"],
                    name_en=a["name_en"],
                    n=a["n"],
                    total=a["sum"],
                    people=a["people"],
                )
            )
    return {"score_distribution": distribution, "mastery": mastery}


def weak_spots(*, areas: list[dict], threshold: float | None = None) -> list[dict]:
    """The areas (from `team_charts` or `person_mastery`) whose average is below the threshold (setting
    DASHBOARD_WEAK_SCORE), weakest first, each with its suggested remedies. One query, only when any is weak."""
    limit = settings.DASHBOARD_WEAK_SCORE if threshold is None else threshold
    weak = sorted(
        (a for a in areas if a["avg_score"] is not None and a["avg_score"] < limit), key=lambda a: a["avg_score"]
    )
    if not weak:
        return []
    remedies = remedies_for(
        category_ids=[a["id"] for a in weak if a["axis"] == "category"],
        competency_ids=[a["id"] for a in weak if a["axis"] == "competency"],
    )
    return [{**a, **remedies.get((a["axis"], a["id"]), {"courses": [], "quizzes": [], "scenarios": []})} for a in weak]


def remedy_links(*, user, spots: list[dict]) -> list[dict]:
    """The weak spots with a `url` on each suggested quiz the user may open (its page would not be a 404 for them:
    `assessments.selectors.quizzes_for_user`), None on the others (shown as plain text). Scenarios are published
    (remedies_for) and link to the practice page, which every manager may open. One query, only when a quiz is
    suggested."""
    quiz_ids = sorted({q["id"] for w in spots for q in w.get("quizzes", ())})
    visible: set[int] = set()
    if quiz_ids:
        visible = set(quizzes_for_user(user=user).filter(id__in=quiz_ids).values_list("id", flat=True))
    return [
        {
            **w,
            "quizzes": [
                {**q, "url": reverse("assessments:quiz", args=[q["id"]]) if q["id"] in visible else None}
                for q in w.get("quizzes", ())
            ],
        }
        for w in spots
    ]


REMEDIES_PER_KIND = 5
REMEDY_LISTS = {"course": "courses", "quiz": "quizzes", "scenario": "scenarios"}


def remedies_for(*, category_ids: list[int], competency_ids: list[int]) -> dict[tuple[str, int], dict]:
    """Published content tagged with these categories or competencies, in one query (a UNION): courses of the
    category (assignable), quizzes of those courses or drawing questions from the category, and practice scenarios
    of the category or competency. {(axis, id): {"courses": [...], "quizzes": [...], "scenarios": [...]}}.

    One parameterised statement written out: the same four-branch UNION built with the ORM cost 8 ms of query
    compiling on every dashboard view (1.4 ms as written here), a tenth of the page's budget."""
    out: dict[tuple[str, int], dict] = {}
    if not category_ids and not competency_ids:
        return out
    course, quiz, rule, scenario = (
        connection.ops.quote_name(m._meta.db_table) for m in (Course, Quiz, QuizRule, Scenario)
    )
    cats = ", ".join(["%s"] * len(category_ids)) or "NULL"  # IN (NULL) matches nothing
    comps = ", ".join(["%s"] * len(competency_ids)) or "NULL"
    published = (Course.Status.PUBLISHED, Quiz.Status.PUBLISHED, Scenario.Status.PUBLISHED)
    # Table names are ours and every value is a parameter. r_competency is a typed NULL in the first branch:
    # PostgreSQL will not UNION text with bigint.
    sql = f"""
        SELECT 'course', c.id, c.title, c.category_id, CAST(NULL AS integer) FROM {course} c
        WHERE c.status = %s AND c.category_id IN ({cats})
        UNION ALL SELECT 'quiz', q.id, q.title, c.category_id, NULL FROM {quiz} q JOIN {course} c ON c.id = q.course_id
        WHERE q.status = %s AND c.status = %s AND c.category_id IN ({cats})
        UNION ALL SELECT 'quiz', q.id, q.title, r.category_id, NULL FROM {quiz} q JOIN {rule} r ON r.quiz_id = q.id
        WHERE q.status = %s AND r.category_id IN ({cats})
        UNION ALL SELECT 'scenario', s.id, s.title, s.category_id, s.competency_id FROM {scenario} s
        WHERE s.status = %s AND (s.category_id IN ({cats}) OR s.competency_id IN ({comps}))
    """  # noqa: S608
    params = [
        published[0], *category_ids,
        published[1], published[0], *category_ids,
        published[1], *category_ids,
        published[2], *category_ids, *competency_ids,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = sorted(cursor.fetchall(), key=lambda r: (r[0], r[2], r[1]))
    for kind, pk, title, category, competency in rows:
        item = {"kind": kind, "id": pk, "title": title}
        keys = []
        if category in category_ids:
            keys.append(("category", category))
        if competency in competency_ids:
            keys.append(("competency", competency))
        for key in keys:
            bucket = out.setdefault(key, {"courses": [], "quizzes": [], "scenarios": []})[REMEDY_LISTS[kind]]
            if len(bucket) < REMEDIES_PER_KIND and item not in bucket:
                bucket.append(item)
    return out


def person_mastery(*, person: User) -> dict:
    """The person's mastery in every category and competency (quizzes and practice), one query for both axes (a
    UNION of the two reference lists with the person's stored scores). {"category": [...], "competency": [...]}."""

    def part(model, axis):
        scores = PersonCategoryScore.objects.filter(user_id=person.id, **{f"{axis}_id": OuterRef("id")})
        return (
            model.objects.annotate(
                r_axis=Value(axis, output_field=CharField()),
                r_order=F("order"),
                r_n=Coalesce(Subquery(scores.values("attempts")[:1]), Value(0), output_field=IntegerField()),
                r_sum=Coalesce(Subquery(scores.values("score_sum")[:1]), Value(0.0), output_field=FloatField()),
            )
            .values_list("r_axis", "id", "code", "name_zh", "name_en", "r_order", "r_n", "r_sum")
            .order_by()
        )

    rows = part(Category, "category").union(part(Competency, "competency"), all=True).order_by()
    out: dict[str, list] = {axis: [] for axis in AXES}
    for axis, pk, code, name_zh, name_en, _order, n, total in sorted(rows, key=lambda r: (r[0], r[5], r[1])):
        out[axis].append(
            _area(axis=axis, id=pk, code=code, name_zh=name_zh, name_en=name_en, n=n or 0, total=total or 0)
        )
    return out


def chart_payload(*, overview: dict | None = None, charts: dict) -> dict:
    """The numbers the page's chart script draws (json_script), the same as in the tables next to each chart."""
    data: dict = {}
    if overview is not None:
        data["completion"] = {
            "labels": [s["week"] for s in overview["series"]],
            "completion_rate": [s["completion_rate"] for s in overview["series"]],
            "overdue": [s["overdue"] for s in overview["series"]],
        }
        data["teams"] = {
            "labels": [c["team"].name for c in overview["children"]],
            "completion_rate": [c["figures"].completion_rate for c in overview["children"]],
        }
    if "score_distribution" in charts:
        data["distribution"] = {
            "labels": [b["band"] for b in charts["score_distribution"]],
            "people": [b["people"] for b in charts["score_distribution"]],
        }
    for axis in AXES:
        areas = charts["mastery"][axis]
        data[f"radar_{axis}"] = {"labels": [a["name"] for a in areas], "scores": [a["avg_score"] for a in areas]}
    return data


def team_stats_or_none(*, team_id: int) -> TeamStats | None:
    return TeamStats.objects.filter(team_id=team_id).first()


COURSE_SORTS = {
    "title": "course__title",
    "enrollments": "enrollments",
    "completion": "completion",
    "overdue": "overdue",
}
DEFAULT_COURSE_SORT = "title"


def parse_course_sort(value: str | None) -> str:
    value = (value or "").strip()
    return value if value.lstrip("-") in COURSE_SORTS else DEFAULT_COURSE_SORT


def owned_courses(*, user, search: str = "", overdue_only: bool = False) -> QuerySet:
    """CourseStats of the courses the trainer owns (admins: all), with `completion` (completed * 100 /
    enrollments, 0 without enrollments) to sort and page by."""
    qs = CourseStats.objects.select_related("course").annotate(
        completion=Coalesce(
            Cast("completed", FloatField()) * 100.0 / NullIf(F("enrollments"), 0), Value(0.0), output_field=FloatField()
        )
    )
    if not is_admin(user):
        qs = qs.filter(course__owners=user)
    if search:
        qs = qs.filter(course__title__icontains=search)
    if overdue_only:
        qs = qs.filter(overdue__gt=0)
    return qs


def team_courses(*, team: Team, search: str = "", overdue_only: bool = False) -> QuerySet:
    """The courses the team's subtree is enrolled in, with figures over that subtree's enrolled people only
    (TeamCourseStats, with a stored `completion`): the managers' course completion table. Pages with
    `courses_page` (the same sort keys as the trainer's table)."""
    qs = TeamCourseStats.objects.select_related("course").filter(team_id=team.id)
    if search:
        qs = qs.filter(course__title__icontains=search)
    if overdue_only:
        qs = qs.filter(overdue__gt=0)
    return qs


def courses_page(*, qs: QuerySet, sort: str, cursor: str | None, size: int = PAGE_SIZE):
    """A page of a course table (the trainer's CourseStats or a team's TeamCourseStats) by (sort field, course
    id), like `keyset_page`."""
    sort = parse_course_sort(sort)
    field = COURSE_SORTS[sort.lstrip("-")]
    return _keyset(qs=qs, field=field, desc=sort.startswith("-"), pk="course_id", cursor=cursor, size=size)


# --- overdue items and lowest scores tables ------------------------------------------------------------------

OVERDUE_SORTS = {"due": "due_sort", "name": "user__display_name", "course": "course__title"}
DEFAULT_OVERDUE_SORT = "due"
NO_DUE_DATE = date(9999, 12, 31)  # undated overdue items (status OVERDUE) sort after every dated one


def parse_overdue_sort(value: str | None) -> str:
    value = (value or "").strip()
    return value if value.lstrip("-") in OVERDUE_SORTS else DEFAULT_OVERDUE_SORT


def team_overdue_enrollments(*, team: Team, search: str = "", min_days: int = 0) -> QuerySet[Enrollment]:
    """Every overdue course enrollment of the team's active people (the rule of PersonStats.overdue), with
    `due_sort` (the due date, undated last) to sort and page by. `search`: person or course; `min_days`: only
    items at least that many days past their due date. The overdue table, its API and its export read this."""
    today = timezone.localdate()
    qs = (
        Enrollment.objects.filter(
            user__team__path__startswith=team.path,
            user__is_active=True,
            course__isnull=False,
            unenrolled_at__isnull=True,
        )
        .exclude(status=Enrollment.Status.COMPLETED)
        .filter(Q(status=Enrollment.Status.OVERDUE) | Q(due_date__lt=today))
        .annotate(due_sort=Coalesce("due_date", Value(NO_DUE_DATE), output_field=DateField()))
    )
    if search:
        qs = qs.filter(
            Q(user__display_name__icontains=search)
            | Q(user__employee_no__icontains=search)
            | Q(user__username__icontains=search)
            | Q(course__title__icontains=search)
        )
    if min_days > 0:
        qs = qs.filter(due_date__lte=today - timedelta(days=min_days))
    return qs


def overdue_page(*, qs: QuerySet[Enrollment], sort: str, cursor: str | None, size: int = PAGE_SIZE):
    """A page of the overdue table by (sort field, enrollment id), like `keyset_page`; rows carry `days_overdue`."""
    sort = parse_overdue_sort(sort)
    rows, next_cursor = _keyset(
        qs=qs.select_related("user", "course"),
        field=OVERDUE_SORTS[sort.lstrip("-")],
        desc=sort.startswith("-"),
        pk="id",
        cursor=cursor,
        size=size,
    )
    today = timezone.localdate()
    for row in rows:
        row.days_overdue = (today - row.due_date).days if row.due_date else None
    return rows, next_cursor


LOWEST_PAGE_SORTS = {
    "avg_score": "score_sort",
    "name": "user__display_name",
    "attempts": "attempts_sort",
    "pass_rate": "pass_rate_sort",
}
DEFAULT_LOWEST_SORT = "avg_score"
# The team API's summary shows the first rows of the lowest scores table (the full table: its own route).
LOWEST_PREVIEW = 10
AREA_CODE_MAX = 40


def parse_lowest_sort(value: str | None) -> str:
    value = (value or "").strip()
    return value if value.lstrip("-") in LOWEST_PAGE_SORTS else DEFAULT_LOWEST_SORT


@dataclass(frozen=True)
class LowestArea:
    """The content category or competency the lowest scores table is filtered by."""

    axis: str  # "category" or "competency"
    id: int
    code: str
    name: str


def parse_lowest_area(*, category: str | None = None, competency: str | None = None) -> LowestArea | None:
    """The lowest scores table's area filter from a category code or a competency code (at most one; blank: no
    filter). One query when a code is given. Unknown codes or both at once: ValidationError keyed by the field."""
    codes = {
        axis: (value or "").replace("\x00", "").strip()
        for axis, value in (("category", category), ("competency", competency))
    }
    given = {axis: code for axis, code in codes.items() if code}
    if not given:
        return None
    if len(given) > 1:
        raise ValidationError({"competency": _("Filter by a category or by a competency, not both.")}, code="area_both")
    [(axis, code)] = given.items()
    model = Category if axis == "category" else Competency
    row = None
    if len(code) <= AREA_CODE_MAX:
        row = model.objects.filter(code=code).values("id", "code", "name_zh", "name_en").first()
    if row is None:
        message = (
            _("Unknown category “%(code)s”: choose one of the content categories.")
            if axis == "category"
            else _("Unknown competency “%(code)s”: choose one of the competencies.")
        )
        raise ValidationError({axis: message % {"code": code[:AREA_CODE_MAX]}}, code="area_unknown")
    name = row["name_en"] if (get_language() or "").startswith("en") else row["name_zh"]
    return LowestArea(axis=axis, id=row["id"], code=row["code"], name=name)


def team_lowest_people(*, team: Team, search: str = "", area: LowestArea | None = None) -> QuerySet[PersonStats]:
    """The lowest scores table, its API, its export and the team API's preview: the team's active people
    (PersonStats) with `score_sort` and `attempts_sort` to sort and page by, and `pass_rate_sort` (passed * 100 /
    attempts, 0 without attempts). Without `area`: people with quiz results, by their average quiz score and
    attempts. With an `area` (see parse_lowest_area): people with a score in that category or competency
    (PersonCategoryScore, quizzes and practice), by that score (`area_score`) and its observations
    (`area_attempts`); both are NULL without an area. `search`: name or employee number."""
    qs = team_people(team=team, search=search).annotate(
        pass_rate_sort=Coalesce(
            Cast("passed", FloatField()) * 100.0 / NullIf(F("attempts"), 0), Value(0.0), output_field=FloatField()
        )
    )
    if area is None:
        return qs.filter(avg_score__isnull=False).annotate(
            area_score=Value(None, output_field=FloatField()),
            area_attempts=Value(None, output_field=IntegerField()),
            score_sort=F("avg_score"),
            attempts_sort=F("attempts"),
        )
    rel = "user__category_scores"
    # One filter() call and annotations over the same relation: a single join to the person's row of that area.
    return qs.filter(**{f"{rel}__{area.axis}_id": area.id, f"{rel}__attempts__gt": 0}).annotate(
        area_score=ExpressionWrapper(F(f"{rel}__score_sum") / F(f"{rel}__attempts"), output_field=FloatField()),
        area_attempts=F(f"{rel}__attempts"),
        score_sort=F("area_score"),
        attempts_sort=F("area_attempts"),
    )


def lowest_page(*, qs: QuerySet[PersonStats], sort: str, cursor: str | None, size: int = PAGE_SIZE):
    """A page of the lowest scores table by (sort field, user id), like `keyset_page`."""
    sort = parse_lowest_sort(sort)
    return _keyset(
        qs=qs,
        field=LOWEST_PAGE_SORTS[sort.lstrip("-")],
        desc=sort.startswith("-"),
        pk="user_id",
        cursor=cursor,
        size=size,
    )


# --- a training plan's participants -------------------------------------------------------------------------

PLAN_PARTICIPANTS_MAX = 500


def plan_exam(*, plan):
    """The plan's final-day exam: its quiz on the last day (else the latest day's quiz), or None."""
    quizzes = list(Quiz.objects.filter(plan_id=plan.id).order_by("-plan_day", "-id")[:20])
    return next((q for q in quizzes if q.plan_day == plan.days), quizzes[0] if quizzes else None)


def plan_page_participants(*, user, plan) -> dict:
    """`courses.hooks.plan_page_context`: the plan page's participants section (none when `user` may not see it)."""
    return {"participants": plan_participants(user=user, plan=plan)}


def plan_participants(*, user, plan) -> dict | None:
    """The progress of a plan's participants on its linked courses and their final-day exam result, for the plan
    page. Owners and session trainers of the plan (and admins) see every participant; managers only their own
    people; anyone else gets None (no section). Five or six queries, however many participants (capped at
    PLAN_PARTICIPANTS_MAX rows, `truncated` says so)."""
    if not getattr(user, "is_authenticated", False) or not user.id:
        return None
    qs = Enrollment.objects.filter(plan_id=plan.id, unenrolled_at__isnull=True)
    owner_ids = {o.id for o in plan.owners.all()}  # prefetched by plan_get_for_user
    sees_all = (
        is_admin(user) or user.id in owner_ids or Session.objects.filter(plan_id=plan.id, trainer_id=user.id).exists()
    )
    if not sees_all:
        team_ids = managed_team_ids(user=user) if has_role(user, MANAGER) else set()
        if not team_ids:
            return None
        qs = qs.filter(user__team_id__in=team_ids)
    enrollments = list(
        qs.select_related("user", "user__team").order_by("user__display_name", "user_id")[: PLAN_PARTICIPANTS_MAX + 1]
    )
    truncated = len(enrollments) > PLAN_PARTICIPANTS_MAX
    enrollments = enrollments[:PLAN_PARTICIPANTS_MAX]
    user_ids = [e.user_id for e in enrollments]
    courses = list(Course.objects.filter(plan_sessions__plan_id=plan.id).distinct().order_by("title", "id"))
    progress: dict[tuple[int, int], Enrollment] = {}
    if user_ids and courses:
        for e in Enrollment.objects.filter(
            user_id__in=user_ids, course_id__in=[c.id for c in courses], unenrolled_at__isnull=True
        ).only("id", "user_id", "course_id", "status", "progress", "due_date"):
            progress[(e.user_id, e.course_id)] = e
    exam = plan_exam(plan=plan)
    results: dict[int, dict] = {}
    if exam is not None and user_ids:
        for row in (
            Attempt.objects.filter(quiz_id=exam.id, user_id__in=user_ids, status=Attempt.Status.GRADED)
            .values("user_id")
            .annotate(best=Max("percent"), passes=Count("id", filter=Q(passed=True)), attempts=Count("id"))
        ):
            results[row["user_id"]] = {
                "score": float(row["best"]) if row["best"] is not None else None,
                "passed": row["passes"] > 0,
                "attempts": row["attempts"],
            }
    rows = [
        {
            "person": e.user,
            "enrollment": e,
            "courses": [progress.get((e.user_id, c.id)) for c in courses],
            "exam": results.get(e.user_id),
        }
        for e in enrollments
    ]
    return {"courses": courses, "exam": exam, "rows": rows, "truncated": truncated, "sees_all": sees_all}


# --- a trainer's dashboard (the courses and plans they own) -------------------------------------------------


def owner_stats_get(*, user):
    """The trainer's precomputed figures (OwnerStats over the courses and plans they own; admins: the row over
    everything), or None before the first refresh. One query."""
    key = EVERYTHING if is_admin(user) else user.id
    return OwnerStats.objects.filter(owner_key=key).first()


def owner_overview(*, user, stats) -> dict:
    """Headline figures of the trainer's scope with the change since the snapshot of a week ago, and the weekly
    series (each week's latest daily snapshot). One query (the snapshots of the last SERIES_WEEKS weeks)."""
    today = timezone.localdate()
    key = EVERYTHING if is_admin(user) else user.id
    first_week = week_start(today) - timedelta(weeks=SERIES_WEEKS - 1)
    snapshots = list(OwnerSnapshot.objects.filter(owner_key=key, day__gte=first_week, day__lte=today).order_by("day"))
    week_ago = today - timedelta(days=7)
    before = next((s for s in reversed(snapshots) if s.day <= week_ago), None)
    weeks: dict[date, OwnerSnapshot] = {}
    for snap in snapshots:  # ordered by day: the week's latest snapshot stays
        weeks[week_start(snap.day)] = snap
    return {
        "figures": Figures.of(stats),
        "headline": headline_figures(now=Figures.of(stats), before=Figures.of(before) if before else None),
        "series": weekly_series([(week, Figures.of(snap)) for week, snap in weeks.items()]),
        "children": [],
        "courses": getattr(stats, "courses", 0),
        "plans": getattr(stats, "plans", 0),
        "refreshed_at": getattr(stats, "refreshed_at", None),
    }


# --- a manager's to-do list (the home page) ----------------------------------------------------------------

TODO_OVERDUE_PEOPLE = 5
TODO_WEAK_AREAS = 3
TODO_SESSIONS = 5
# Overdue items read to find the five most overdue people (one row per person is kept).
TODO_OVERDUE_SCAN = 100


def _todo_roots(*, user) -> list[Team]:
    """The top teams of the user's scope, with their stats: those they manage that are not below another one they
    manage (admins: the root teams). One query (plus the roles, cached for the request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    qs = Team.objects.select_related("stats").order_by("path")
    if is_admin(user):
        teams = list(qs.filter(parent__isnull=True))
    elif has_role(user, MANAGER):
        teams = list(qs.filter(managers=user.id))
    else:
        return []
    roots: list[Team] = []
    for team in teams:  # ordered by path: a team below one already kept starts with its path
        if not any(team.path.startswith(r.path) for r in roots):
            roots.append(team)
    return roots


def todo_for_manager(*, user, today: date | None = None) -> dict:
    """What a manager should act on, for the home page, over the teams they manage and below:

    - "overdue": {"count": people overdue (precomputed TeamStats), "people": the five most overdue people, each
      {"person_id", "name", "course", "days_overdue", "url" (their dashboard page: assign, nudge)}};
    - "weak_areas": the three weakest content categories with results (precomputed mastery), each {"code", "name",
      "avg_score", "people", "url" (the team's weak spots, with the one-click remedies)};
    - "practice": the five latest finished role plays of their people (not trials), each {"session_id",
      "person", "scenario", "score", "passed", "finished_at", "reviewed" (commented or re-scored already),
      "url" (the transcript, where they comment)}.
    Empty lists (count 0) for anyone who manages nothing. At most 4 queries, whatever the team size."""
    today = today or timezone.localdate()
    roots = _todo_roots(user=user)
    empty = {"overdue": {"count": 0, "people": []}, "weak_areas": [], "practice": [], "teams": []}
    if not roots:
        return empty
    home = reverse("dashboards:home")
    in_scope = Q()
    for root in roots:
        in_scope |= Q(user__team__path__startswith=root.path)
    overdue_count = sum(getattr(getattr(r, "stats", None), "overdue_people", 0) or 0 for r in roots)
    late = (
        Enrollment.objects.filter(in_scope, user__is_active=True, course__isnull=False, unenrolled_at__isnull=True)
        .exclude(user_id=user.id)
        .exclude(status=Enrollment.Status.COMPLETED)
        .filter(due_date__lt=today)
        .select_related("user", "course")
        .only("id", "due_date", "user_id", "user__display_name", "user__username", "course_id", "course__title")
        .order_by("due_date", "id")[:TODO_OVERDUE_SCAN]
    )
    people: list[dict] = []
    seen: set[int] = set()
    for e in late:
        if e.user_id in seen:
            continue
        seen.add(e.user_id)
        people.append(
            {
                "person_id": e.user_id,
                "name": e.user.display_name or e.user.get_username(),
                "course": e.course.title,
                "days_overdue": (today - e.due_date).days,
                "url": reverse("dashboards:person", args=[e.user_id]),
            }
        )
        if len(people) == TODO_OVERDUE_PEOPLE:
            break
    # The weakest categories over every root (observations and score sums add up), each pointing at the root
    # where it is weakest.
    areas: dict[int, dict] = {}
    for root in roots:
        for a in stats_charts(stats=getattr(root, "stats", None))["mastery"]["category"]:
            if not a["n"]:
                continue
            acc = areas.setdefault(a["id"], {**a, "n": 0, "sum": 0.0, "people": 0, "team": root, "low": None})
            acc["n"] += a["n"]
            acc["sum"] += a["avg_score"] * a["n"]
            acc["people"] += a["people"] or 0
            if acc["low"] is None or a["avg_score"] < acc["low"]:
                acc["low"], acc["team"] = a["avg_score"], root
    weakest = sorted(areas.values(), key=lambda a: (a["sum"] / a["n"], a["code"]))[:TODO_WEAK_AREAS]
    weak_areas = [
        {
            "code": a["code"],
            "name": a["name"],
            "avg_score": round(a["sum"] / a["n"], 1),
            "people": a["people"],
            "url": f"{home}?team={a['team'].id}#weak-category-{a['code']}"
            if a["low"] < settings.DASHBOARD_WEAK_SCORE
            else f"{home}?team={a['team'].id}#team-weak-title",
        }
        for a in weakest
    ]
    sessions = (
        PracticeSession.objects.filter(in_scope, status=PracticeSession.Status.FINISHED, is_trial=False)
        .exclude(user_id=user.id)
        .select_related("user", "scenario")
        .only(
            "id",
            "score",
            "passed",
            "finished_at",
            "user_id",
            "user__display_name",
            "user__username",
            "scenario_id",
            "scenario__title",
        )  # fmt: skip
        .annotate(
            reviewed=Exists(CoachingComment.objects.filter(session_id=OuterRef("id")))
            | Exists(ScoreOverride.objects.filter(session_id=OuterRef("id")))
        )
        .order_by("-finished_at", "-id")[:TODO_SESSIONS]
    )
    practice = [
        {
            "session_id": s.id,
            "person": s.user.display_name or s.user.get_username(),
            "scenario": s.scenario.title,
            "score": s.score,
            "passed": s.passed,
            "finished_at": s.finished_at,
            "reviewed": bool(s.reviewed),
            "url": reverse("practice:session", args=[s.id]),
        }
        for s in sessions
    ]
    return {
        "overdue": {"count": overdue_count, "people": people},
        "weak_areas": weak_areas,
        "practice": practice,
        "teams": [r.id for r in roots],
    }
