"""Writes for the dashboard figures. Set-based: each refresh reads grouped aggregates and writes one bulk
upsert per batch, never one statement per row.

Hooks for other apps:
- `stats_people_changed(user_ids=...)`: call after writing enrollments or certificates (on commit it refreshes
  those people and the teams above them). `trainees.enrollment_services` already calls it.
- `dashboards_record_attempt(...)`: the assessments app calls it once per submitted quiz attempt.
"""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trainees.dashboards.models import CourseStats, Nudge, PersonCategoryScore, PersonStats, TeamSnapshot, TeamStats
from trainees.models import Certificate, Enrollment, Team, User

BATCH = 5000
EXPIRING_DAYS = 30
PERSON_FIELDS = [
    "team",
    "is_active",
    "enrollments",
    "completed",
    "overdue",
    "progress_sum",
    "avg_progress",
    "certs_valid",
    "certs_expiring",
    "last_activity_at",
    "refreshed_at",
]
SUM_FIELDS = [
    "enrollments",
    "completed",
    "overdue",
    "progress_sum",
    "certs_valid",
    "certs_expiring",
    "attempts",
    "passed",
    "score_sum",
]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _person_rows(user_ids: list[int], today: date) -> list[PersonStats]:
    """Three grouped reads (people, enrollments, certificates) for a batch of people."""
    people = list(User.objects.filter(id__in=user_ids).values_list("id", "team_id", "is_active"))
    open_q = ~Q(status=Enrollment.Status.COMPLETED)
    enr = {
        row["user_id"]: row
        for row in Enrollment.objects.filter(user_id__in=user_ids, course__isnull=False, unenrolled_at__isnull=True)
        .values("user_id")
        .annotate(
            n=Count("id"),
            done=Count("id", filter=Q(status=Enrollment.Status.COMPLETED)),
            late=Count("id", filter=open_q & (Q(status=Enrollment.Status.OVERDUE) | Q(due_date__lt=today))),
            psum=Sum("progress"),
            last=Max("last_activity_at"),
        )
    }
    certs = {
        row["user_id"]: row
        for row in Certificate.objects.filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(
            valid=Count("id", filter=Q(expires_on__isnull=True) | Q(expires_on__gte=today)),
            expiring=Count(
                "id", filter=Q(expires_on__gte=today, expires_on__lte=today + timedelta(days=EXPIRING_DAYS))
            ),
        )
    }
    now = timezone.now()
    rows = []
    for uid, team_id, active in people:
        e = enr.get(uid, {})
        c = certs.get(uid, {})
        n = e.get("n", 0)
        psum = e.get("psum") or 0
        rows.append(
            PersonStats(
                user_id=uid,
                team_id=team_id,
                is_active=active,
                enrollments=n,
                completed=e.get("done", 0),
                overdue=e.get("late", 0),
                progress_sum=psum,
                avg_progress=round(psum / n, 1) if n else 0,
                certs_valid=c.get("valid", 0),
                certs_expiring=c.get("expiring", 0),
                last_activity_at=e.get("last"),
                refreshed_at=now,
            )
        )
    return rows


def stats_refresh_people(*, user_ids: Iterable[int] | None = None, teams: bool = True) -> int:
    """Recompute PersonStats from enrollments and certificates (all people when `user_ids` is None), then the
    teams above them. Returns the number of people refreshed."""
    today = timezone.localdate()
    if user_ids is None:
        ids = list(User.objects.order_by("id").values_list("id", flat=True))
    else:
        ids = sorted(set(user_ids))
    touched_teams: set[int] = set()
    for start in range(0, len(ids), BATCH):
        rows = _person_rows(ids[start : start + BATCH], today)
        with transaction.atomic():
            PersonStats.objects.bulk_create(
                rows, batch_size=BATCH, update_conflicts=True, unique_fields=["user"], update_fields=PERSON_FIELDS
            )
        touched_teams.update(r.team_id for r in rows if r.team_id)
    if teams and ids:
        stats_refresh_teams(team_ids=None if user_ids is None else touched_teams, include_ancestors=True)
    return len(ids)


def stats_refresh_teams(*, team_ids: Iterable[int] | None = None, include_ancestors: bool = True) -> int:
    """Recompute TeamStats as sums over each team's subtree: one grouped read of PersonStats per direct team,
    rolled up the (small) team tree in memory, then one bulk upsert. `None` refreshes every team."""
    teams = list(Team.objects.values_list("id", "path"))
    path_of = dict(teams)
    if team_ids is None:
        wanted = set(path_of)
    else:
        wanted = {t for t in team_ids if t in path_of}
        if include_ancestors:
            for t in list(wanted):
                wanted.update(int(p) for p in path_of[t].strip("/").split("/") if p)
    if not wanted:
        return 0
    direct = {
        row["team_id"]: row
        for row in PersonStats.objects.filter(is_active=True, team__isnull=False)
        .values("team_id")
        .annotate(
            people=Count("user_id"),
            overdue_people=Count("user_id", filter=Q(overdue__gt=0)),
            **{f: Sum(f) for f in SUM_FIELDS},
        )
    }
    totals = {tid: dict.fromkeys(["people", "overdue_people", *SUM_FIELDS], 0) for tid in wanted}
    for tid, row in direct.items():
        path = path_of.get(tid)
        if path is None:
            continue
        for ancestor in (int(p) for p in path.strip("/").split("/") if p):
            if ancestor in totals:
                acc = totals[ancestor]
                for key in acc:
                    acc[key] += row[key] or 0
    now = timezone.now()
    rows = [TeamStats(team_id=tid, refreshed_at=now, **vals) for tid, vals in totals.items()]
    fields = ["people", "overdue_people", *SUM_FIELDS, "refreshed_at"]
    with transaction.atomic():
        TeamStats.objects.bulk_create(
            rows, batch_size=BATCH, update_conflicts=True, unique_fields=["team"], update_fields=fields
        )
    return len(rows)


def stats_refresh_courses(*, course_ids: Iterable[int] | None = None) -> int:
    """Recompute CourseStats (all courses when None): one grouped read of enrollments, one bulk upsert."""
    from courses.models import Course

    today = timezone.localdate()
    ids = list(Course.objects.values_list("id", flat=True)) if course_ids is None else sorted(set(course_ids))
    if not ids:
        return 0
    agg = {
        row["course_id"]: row
        for row in Enrollment.objects.filter(course_id__in=ids, unenrolled_at__isnull=True)
        .values("course_id")
        .annotate(
            n=Count("id"),
            done=Count("id", filter=Q(status=Enrollment.Status.COMPLETED)),
            late=Count(
                "id",
                filter=~Q(status=Enrollment.Status.COMPLETED)
                & (Q(status=Enrollment.Status.OVERDUE) | Q(due_date__lt=today)),
            ),
            psum=Sum("progress"),
        )
    }
    now = timezone.now()
    rows = [
        CourseStats(
            course_id=cid,
            enrollments=agg.get(cid, {}).get("n", 0),
            completed=agg.get(cid, {}).get("done", 0),
            overdue=agg.get(cid, {}).get("late", 0),
            progress_sum=agg.get(cid, {}).get("psum") or 0,
            refreshed_at=now,
        )
        for cid in ids
    ]
    CourseStats.objects.bulk_create(
        rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["course"],
        update_fields=["enrollments", "completed", "overdue", "progress_sum", "refreshed_at"],
    )
    return len(rows)


def stats_people_changed(*, user_ids: Iterable[int], course_ids: Iterable[int] = ()) -> None:
    """Refresh these people (and their teams), and these courses, once the current transaction commits."""
    ids = sorted(set(user_ids))
    courses = sorted(set(course_ids))
    if ids:
        transaction.on_commit(lambda: stats_refresh_people(user_ids=ids))
    if courses:
        transaction.on_commit(lambda: stats_refresh_courses(course_ids=courses))


def stats_snapshot_week(*, week: date | None = None) -> int:
    """Copy every team's current figures into the snapshot of `week` (this week by default); one upsert."""
    week = week_start(week or timezone.localdate())
    fields = ["people", *SUM_FIELDS]
    rows = [
        TeamSnapshot(team_id=row["team_id"], week=week, **{f: row[f] for f in fields})
        for row in TeamStats.objects.values("team_id", *fields)
    ]
    TeamSnapshot.objects.bulk_create(
        rows, batch_size=BATCH, update_conflicts=True, unique_fields=["team", "week"], update_fields=fields
    )
    return len(rows)


def stats_repair() -> dict:
    """The periodic job: recompute everyone's and every team's figures from enrollments (repairs any drift)
    and keep this week's snapshot current."""
    people = stats_refresh_people(user_ids=None, teams=False)
    teams = stats_refresh_teams(team_ids=None)
    courses = stats_refresh_courses()
    stats_snapshot_week()
    return {"people": people, "teams": teams, "courses": courses}


# --- quiz results (fed by the assessments app) -------------------------------------------------------------


@transaction.atomic
def dashboards_record_attempt(
    *,
    user_id: int,
    score: float,
    passed: bool,
    category_scores: Mapping[int, float] | None = None,
    competency_scores: Mapping[int, float] | None = None,
) -> None:
    """Count one submitted quiz attempt: `score` in 0-100, `category_scores` / `competency_scores` map a
    courses.Category / courses.Competency id to the attempt's 0-100 score on the questions tagged with it.
    Call once per attempt, after it is stored (it is additive)."""
    PersonStats.objects.get_or_create(user_id=user_id)
    PersonStats.objects.filter(user_id=user_id).update(
        attempts=F("attempts") + 1, passed=F("passed") + int(bool(passed)), score_sum=F("score_sum") + float(score)
    )
    PersonStats.objects.filter(user_id=user_id).update(avg_score=F("score_sum") / F("attempts"))
    for field, scores in (("category", category_scores or {}), ("competency", competency_scores or {})):
        if not scores:
            continue
        PersonCategoryScore.objects.bulk_create(
            [PersonCategoryScore(user_id=user_id, **{f"{field}_id": k}) for k in scores],
            ignore_conflicts=True,
        )
        for key, value in scores.items():
            PersonCategoryScore.objects.filter(user_id=user_id, **{f"{field}_id": key}).update(
                attempts=F("attempts") + 1, score_sum=F("score_sum") + float(value)
            )
    team_id = User.objects.filter(id=user_id).values_list("team_id", flat=True).first()
    if team_id:
        transaction.on_commit(lambda: stats_refresh_teams(team_ids=[team_id]))


# --- remediation -------------------------------------------------------------------------------------------


def dashboard_assign(*, user_ids: list[int], course, due_date: date | None, by: User):
    """Assign a course (idempotent: people already enrolled stay as they are)."""
    from trainees.enrollment_services import enroll_users

    return enroll_users(user_ids=user_ids, course=course, due_date=due_date, enrolled_by=by)


@transaction.atomic
def nudge_overdue(*, user_ids: list[int], by: User) -> tuple[int, str]:
    """Remind the overdue people among `user_ids` (only those `by` may see) through the notification outbox, in
    this transaction, at most once a day each: the notification's unique key (person, "overdue_nudge", local day)
    decides, so a second click the same day sends nothing more. Overdue as on the dashboard: open course
    enrollments past their due date (or marked overdue). Returns (people nudged now, message for the manager)."""
    from trainees.notifications.domain_rules import notify_overdue_nudge
    from trainees.selectors import people_for_user

    now = timezone.now()
    today = timezone.localdate(now)
    in_scope = people_for_user(user=by).filter(id__in=list(user_ids), is_active=True).values("id")
    late = (
        Enrollment.objects.filter(user_id__in=in_scope, course__isnull=False, unenrolled_at__isnull=True)
        .exclude(status=Enrollment.Status.COMPLETED)
        .filter(Q(status=Enrollment.Status.OVERDUE) | Q(due_date__lt=today))
        .select_related("course")
        .order_by("user_id", "due_date", "id")
    )
    overdue: dict[int, list[Enrollment]] = {}
    for enrollment in late:
        overdue.setdefault(enrollment.user_id, []).append(enrollment)
    if not overdue:
        return 0, _("Nobody is overdue.")
    nudged = notify_overdue_nudge(by=by, overdue=overdue, now=now)
    Nudge.objects.bulk_create(
        [Nudge(user_id=uid, day=today, sent_by=by, overdue=len(overdue[uid])) for uid in sorted(nudged)],
        ignore_conflicts=True,
    )
    sent = len(nudged)
    msg = ngettext("%(n)d person reminded.", "%(n)d people reminded.", sent) % {"n": sent}
    if len(overdue) > sent:
        skipped = len(overdue) - sent
        msg += " " + ngettext("%(n)d was already reminded today.", "%(n)d were already reminded today.", skipped) % {
            "n": skipped
        }
    return sent, msg
