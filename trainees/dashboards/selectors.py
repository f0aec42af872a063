"""Reads for the dashboards. Everything comes from the precomputed tables (PersonStats, TeamStats,
TeamSnapshot) plus two short, limited lists of enrollments and certificates, so a page costs the same few
queries for a team of 10 or of 10,000.

Access: one function per resource. A manager sees the teams they manage and every team below; admins see
everything; anyone else (and any team or person outside that scope) gets 404.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import StrIndex
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, has_role, is_admin
from trainees.dashboards.models import PersonCategoryScore, PersonStats, TeamSnapshot, TeamStats
from trainees.dashboards.services import EXPIRING_DAYS, week_start
from trainees.models import Certificate, Enrollment, Team, User

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


def dashboard_root_teams(*, user) -> list[Team]:
    """The teams a dashboard opens on: those the manager manages directly (admins: the root teams)."""
    if not getattr(user, "is_authenticated", False):
        return []
    qs = Team.objects.select_related("stats")
    if is_admin(user):
        return list(qs.filter(parent__isnull=True))
    if not has_role(user, MANAGER):
        return []
    return list(qs.filter(managers=user))


def dashboard_team_get(*, user, team_id) -> Team:
    """A team in the user's dashboard scope (with its stats), else 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    qs = Team.objects.select_related("stats")
    if not is_admin(user):
        if not has_role(user, MANAGER):
            raise Http404
        # In scope when one of the teams the user manages is this team or above it (its path is a prefix of ours):
        # checked in the same query that loads the team.
        managing = Team.objects.filter(managers=user.id).alias(at=StrIndex(OuterRef("path"), F("path"))).filter(at=1)
        qs = qs.filter(Exists(managing))
    try:
        return qs.get(id=int(team_id))
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def dashboard_person_get(*, user, person_id) -> User:
    """A person in a team of the user's dashboard scope, else 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        person = User.objects.select_related("team", "stats").get(id=int(person_id))
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if is_admin(user):
        return person
    if person.team is None or not _may_manage(user=user, team=person.team):
        raise Http404
    return person


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


def team_overview(*, team: Team) -> dict:
    """Headline figures with the change since last week's snapshot, the weekly series and the sub-teams.
    Two queries (snapshots, sub-teams with stats); the team's own stats came with the team."""
    today = timezone.localdate()
    now = Figures.of(getattr(team, "stats", None))
    first_week = week_start(today) - timedelta(weeks=SERIES_WEEKS - 1)
    snapshots = list(TeamSnapshot.objects.filter(team_id=team.id, week__gte=first_week).order_by("week"))
    last_week = week_start(today) - timedelta(weeks=1)
    before = next((s for s in snapshots if s.week == last_week), None)
    before_fig = Figures.of(before) if before else None
    current, previous = now.as_dict(), before_fig.as_dict() if before_fig else {}
    headline = [
        {
            "key": k,
            "label": HEADLINES[k][0],
            "unit": HEADLINES[k][1],
            "value": current[k],
            "change": _delta(current[k], previous.get(k)) if before_fig else None,
        }
        for k in HEADLINE_KEYS
    ]
    series = []
    for s in snapshots:
        f = Figures.of(s)
        series.append(
            {
                "week": s.week.isoformat(),
                "completion_rate": f.completion_rate,
                "completed": f.completed,
                "overdue": f.overdue,
                "avg_progress": f.avg_progress,
            }
        )
    children = [
        {"team": c, "figures": Figures.of(getattr(c, "stats", None))}
        for c in Team.objects.filter(parent_id=team.id).select_related("stats").order_by("name")
    ]
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
    return base64.urlsafe_b64encode(json.dumps([value, pk], ensure_ascii=False).encode()).decode()


def _decode(cursor: str):
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        return value, int(pk)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def keyset_page(*, qs: QuerySet[PersonStats], sort: str, cursor: str | None, size: int = PAGE_SIZE):
    """Cursor (keyset) pagination on (sort field, user id): every page is one indexed query, however deep.
    Returns (rows, next cursor or None). An unreadable cursor starts from the first page."""
    sort = parse_sort(sort)
    desc = sort.startswith("-")
    field = SORTS[sort.lstrip("-")]
    size = max(1, min(int(size or PAGE_SIZE), MAX_PAGE_SIZE))
    position = _decode(cursor) if cursor else None
    if position is not None:
        value, pk = position
        op = "lt" if desc else "gt"
        qs = qs.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"user_id__{op}": pk}))
    order = [f"-{field}", "-user_id"] if desc else [field, "user_id"]
    rows = list(qs.order_by(*order)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        value = last
        for part in field.split("__"):
            value = getattr(value, part)
        next_cursor = _encode(value, last.user_id)
    return rows, next_cursor


# --- lists -------------------------------------------------------------------------------------------------


def _top_people(*, team: Team, field: str, limit: int):
    """The ids of the team's people with the most of `field` (from PersonStats: an index read, not a scan of
    every enrollment of the subtree)."""
    return (
        PersonStats.objects.filter(is_active=True, team__path__startswith=team.path, **{f"{field}__gt": 0})
        .order_by(f"-{field}", "-user_id")
        .values("user_id")[:limit]
    )


def team_overdue_items(*, team: Team, limit: int = 20, people: int = 10) -> list[Enrollment]:
    """Overdue course enrollments of the `people` most overdue people of the team, by due date. One query."""
    today = timezone.localdate()
    return list(
        Enrollment.objects.filter(
            user_id__in=_top_people(team=team, field="overdue", limit=people),
            course__isnull=False,
            unenrolled_at__isnull=True,
        )
        .exclude(status=Enrollment.Status.COMPLETED)
        .filter(Q(status=Enrollment.Status.OVERDUE) | Q(due_date__lt=today))
        .select_related("user", "course")
        .order_by("due_date", "id")[:limit]
    )


def team_expiring_certificates(*, team: Team, limit: int = 20) -> list[Certificate]:
    """Certificates expiring within EXPIRING_DAYS, of the people who hold such certificates. One query."""
    today = timezone.localdate()
    return list(
        Certificate.objects.filter(
            user_id__in=_top_people(team=team, field="certs_expiring", limit=limit),
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=EXPIRING_DAYS),
        )
        .select_related("user")
        .order_by("expires_on", "id")[:limit]
    )


def person_overview(*, person: User) -> dict:
    """Every enrollment and certificate of the person, their category scores and nudges. Four queries."""
    from trainees.dashboards.models import Nudge

    enrollments = list(
        Enrollment.objects.filter(user_id=person.id).select_related("course", "plan").order_by("-created_at", "-id")
    )
    certificates = list(Certificate.objects.filter(user_id=person.id).order_by("-issued_at"))
    scores = list(PersonCategoryScore.objects.filter(user_id=person.id).select_related("category", "competency"))
    nudges = list(Nudge.objects.filter(user_id=person.id).order_by("-day")[:10])
    stats = getattr(person, "stats", None)
    return {
        "weak_spots": person_weak_spots(scores=scores),
        "stats": stats,
        "enrollments": enrollments,
        "certificates": certificates,
        "category_scores": [s for s in scores if s.category_id],
        "competency_scores": [s for s in scores if s.competency_id],
        "nudges": nudges,
    }


def person_weak_spots(*, scores: list[PersonCategoryScore]) -> list[dict]:
    """Categories where the person's average quiz score is below DASHBOARD_WEAK_SCORE, each with the published
    courses of that category as the suggested remedy (one query, only when there is a weak category)."""
    from django.conf import settings

    from courses.models import Course

    weak = [
        s for s in scores if s.category_id and s.avg_score is not None and s.avg_score < settings.DASHBOARD_WEAK_SCORE
    ]
    if not weak:
        return []
    courses: dict[int, list] = {}
    for course in Course.objects.filter(
        category_id__in=[s.category_id for s in weak], status=Course.Status.PUBLISHED
    ).order_by("title"):
        courses.setdefault(course.category_id, []).append(course)
    return [
        {"category": s.category, "avg_score": s.avg_score, "courses": courses.get(s.category_id, [])[:5]}
        for s in sorted(weak, key=lambda s: s.avg_score)
    ]


def team_stats_or_none(*, team_id: int) -> TeamStats | None:
    return TeamStats.objects.filter(team_id=team_id).first()


def trainer_courses(*, user) -> list:
    """The courses the trainer owns (admins: all), with their precomputed figures. One query."""
    from courses.models import Course

    qs = Course.objects.select_related("stats").order_by("title")
    if not is_admin(user):
        qs = qs.filter(owners=user)
    return list(qs[:500])
