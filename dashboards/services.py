"""Writes for the dashboard figures. Set-based: each refresh reads grouped aggregates and writes one bulk
upsert per batch, never one statement per row.

Hooks for other apps:
- `stats_people_changed(user_ids=...)`: call after writing enrollments or certificates (on commit it refreshes
  those people and the teams above them). `learning.services` already calls it.
- `dashboards_record_attempt(...)`: the assessments app calls it once per submitted quiz attempt.
- `dashboards_record_practice(...)`: the practice app calls it once per finished practice session.
- `dashboards_record_attempt(..., plan_id=...)`: an attempt at a plan's quiz also refreshes that plan's figures.
- `stats_refresh_plans(plan_ids=...)`: rebuilds TeamPlanStats of these plans (people's enrollment changes reach
  it through `stats_people_changed`; plan edits that link or unlink courses are repaired within the minute).
- `stats_owners_changed(course_ids=..., plan_ids=..., user_ids=...)`: refreshes the trainers' figures (OwnerStats)
  of the owners of these courses and plans; the hooks above call it, and the repair recomputes every owner.
- `stats_refresh_mastery()`: recomputes every person's category/competency mastery from graded quiz attempts and
  finished practice sessions (the hourly repair of what the two hooks above add up).
"""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, FloatField, Max, Q, Sum, Value, When, Window
from django.db.models.functions import Cast, Floor, Least, RowNumber
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import Attempt, AttemptAreaScore, Quiz
from assessments.services import quiz_assign
from courses.models import Category, Competency, Course, TrainingPlan
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
from learning.models import Certificate, Enrollment
from learning.selectors import certificate_superseded
from learning.services import AssignResult, course_assign, overdue_remind, results_sentence
from lms.roles import is_admin
from practice.models import PracticeSession
from practice.services import practice_assign
from trainees.models import Team, User
from trainees.selectors import managed_team_ids, people_for_user

BATCH = 5000
EXPIRING_DAYS = 30
# How many of a team's soonest-expiring certificates TeamStats keeps for the dashboard's list.
EXPIRING_KEPT = 20
# Plans rebuilt per transaction by stats_refresh_plans (each plan's rows are replaced as a whole).
PLAN_BATCH = 200
SCORE_BANDS = 10
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


def _enrollment_figures(today: date) -> dict:
    """The annotations every enrollment roll-up uses: `n` active enrollments, `done` completed, `late` overdue
    (marked overdue, or open past its due date; a completed one never is), `psum` the sum of progress."""
    return {
        "n": Count("id"),
        "done": Count("id", filter=Q(status=Enrollment.Status.COMPLETED)),
        "late": Count(
            "id",
            filter=~Q(status=Enrollment.Status.COMPLETED)
            & (Q(status=Enrollment.Status.OVERDUE) | Q(due_date__lt=today)),
        ),
        "psum": Sum("progress"),
    }


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _person_rows(user_ids: list[int], today: date) -> list[PersonStats]:
    """Three grouped reads (people, enrollments, certificates) for a batch of people."""
    people = list(User.objects.filter(id__in=user_ids).values_list("id", "team_id", "is_active"))
    enr = {
        row["user_id"]: row
        for row in Enrollment.objects.filter(user_id__in=user_ids, course__isnull=False, unenrolled_at__isnull=True)
        .values("user_id")
        .annotate(**_enrollment_figures(today), last=Max("last_activity_at"))
    }
    certs = {
        row["user_id"]: row
        for row in Certificate.objects.filter(user_id__in=user_ids)
        .filter(~certificate_superseded())  # a renewal's new certificate replaces the old one in the figures
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
    charts = _team_charts(path_of=path_of, wanted=wanted)
    now = timezone.now()
    rows = [TeamStats(team_id=tid, refreshed_at=now, **vals, **charts[tid]) for tid, vals in totals.items()]
    fields = ["people", "overdue_people", *SUM_FIELDS, "score_bins", "areas", "expiring", "refreshed_at"]
    with transaction.atomic():
        TeamStats.objects.bulk_create(
            rows, batch_size=BATCH, update_conflicts=True, unique_fields=["team"], update_fields=fields
        )
    return len(rows)


def _ancestors(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def _team_charts(*, path_of: dict[int, str], wanted: set[int]) -> dict[int, dict]:
    """The chart figures of each wanted team over its subtree: three grouped reads (score bands, area sums,
    soonest-expiring certificates per direct team) plus the two reference lists, rolled up the team tree in
    memory. (The lowest scores are not kept here: the table reads PersonStats, see selectors.lowest_page.)"""
    bins = {tid: [0] * SCORE_BANDS for tid in wanted}
    sums: dict[int, dict[str, list]] = {tid: {} for tid in wanted}
    scored = PersonStats.objects.filter(is_active=True, team__isnull=False, avg_score__isnull=False)
    for row in (
        scored.annotate(band=Least(Floor(F("avg_score") / 10), Value(SCORE_BANDS - 1.0)))
        .values("team_id", "band")
        .annotate(n=Count("user_id"))
    ):
        band = max(0, min(SCORE_BANDS - 1, int(row["band"] or 0)))
        for t in _ancestors(path_of.get(row["team_id"], "")):
            if t in bins:
                bins[t][band] += row["n"]
    for row in (
        PersonCategoryScore.objects.filter(user__is_active=True, user__team__isnull=False, attempts__gt=0)
        .values("user__team_id", "category_id", "competency_id")
        .annotate(n=Sum("attempts"), total=Sum("score_sum"), people=Count("user_id"))
    ):
        key = f"category:{row['category_id']}" if row["category_id"] else f"competency:{row['competency_id']}"
        for t in _ancestors(path_of.get(row["user__team_id"], "")):
            if t in sums:
                acc = sums[t].setdefault(key, [0, 0.0, 0])
                acc[0] += row["n"]
                acc[1] += row["total"] or 0
                acc[2] += row["people"]
    expiring: dict[int, list[dict]] = {tid: [] for tid in wanted}
    today = timezone.localdate()
    soon = (
        Certificate.objects.filter(
            user__is_active=True,
            user__team__isnull=False,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=EXPIRING_DAYS),
        )
        .filter(~certificate_superseded())  # replaced by a renewal's newer certificate: nothing to act on
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("user__team_id")], order_by=[F("expires_on").asc(), F("id").asc()])
        )
        .filter(rank__lte=EXPIRING_KEPT)
    )
    for row in soon.values(
        "id", "user_id", "user__team_id", "user__display_name", "user__username", "course_title", "expires_on"
    ):
        cert = {
            "id": row["id"],
            "user_id": row["user_id"],
            "person": row["user__display_name"] or row["user__username"],
            "course_title": row["course_title"],
            "expires_on": row["expires_on"].isoformat(),
        }
        for t in _ancestors(path_of.get(row["user__team_id"], "")):
            if t in expiring:
                expiring[t].append(cert)
    refs = [("category", r) for r in Category.objects.values("id", "code", "name_zh", "name_en")]
    refs += [("competency", r) for r in Competency.objects.values("id", "code", "name_zh", "name_en")]
    out = {}
    for tid in wanted:
        areas = []
        for axis, ref in refs:
            n, total, people = sums[tid].get(f"{axis}:{ref['id']}", [0, 0.0, 0])
            areas.append({"axis": axis, **ref, "n": n, "sum": round(total, 2), "people": people})
        soonest = sorted(expiring[tid], key=lambda c: (c["expires_on"], c["id"]))[:EXPIRING_KEPT]
        out[tid] = {"score_bins": bins[tid], "areas": areas, "expiring": soonest}
    return out


def stats_refresh_courses(*, course_ids: Iterable[int] | None = None) -> int:
    """Recompute CourseStats (all courses when None): one grouped read of enrollments, one bulk upsert."""
    today = timezone.localdate()
    ids = list(Course.objects.values_list("id", flat=True)) if course_ids is None else sorted(set(course_ids))
    if not ids:
        return 0
    agg = _course_enrollment_figures(ids, today)
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
    stats_refresh_team_courses(course_ids=ids)
    return len(rows)


# TeamCourseStats field: the `_enrollment_figures` annotation summed into it.
COURSE_SUM_FIELDS = {"enrollments": "n", "completed": "done", "overdue": "late", "progress_sum": "psum"}


def stats_refresh_team_courses(*, course_ids: Iterable[int] | None = None) -> int:
    """Rebuild TeamCourseStats of these courses (all when None): per batch of courses, one grouped read of the
    active people's active enrollments per (course, own team), rolled up the team tree; the courses' rows are
    replaced in one transaction with the courses locked (two refreshes of one course run one after the other).
    Called by `stats_refresh_courses`, so the same hooks and the repair keep both current."""
    today = timezone.localdate()
    ids = list(Course.objects.values_list("id", flat=True)) if course_ids is None else sorted(set(course_ids))
    if not ids:
        return 0
    path_of = dict(Team.objects.values_list("id", "path"))
    written = 0
    for start in range(0, len(ids), PLAN_BATCH):
        batch = ids[start : start + PLAN_BATCH]
        with transaction.atomic():
            locked = list(
                Course.objects.select_for_update().filter(id__in=batch).order_by("id").values_list("id", flat=True)
            )
            totals: dict[tuple[int, int], dict] = {}
            for row in (
                Enrollment.objects.filter(
                    course_id__in=locked, unenrolled_at__isnull=True, user__is_active=True, user__team__isnull=False
                )
                .values("course_id", "user__team_id")
                .annotate(**_enrollment_figures(today))
            ):
                tid = row["user__team_id"]
                for scope in _ancestors(path_of[tid]) if tid in path_of else [tid]:
                    acc = totals.setdefault((row["course_id"], scope), dict.fromkeys(COURSE_SUM_FIELDS, 0))
                    for key, figure in COURSE_SUM_FIELDS.items():
                        acc[key] += row[figure] or 0
            now = timezone.now()
            rows = [
                TeamCourseStats(
                    course_id=cid,
                    team_id=tid,
                    completion=round(vals["completed"] * 100 / vals["enrollments"], 1),
                    refreshed_at=now,
                    **vals,
                )
                for (cid, tid), vals in sorted(totals.items())
                if vals["enrollments"]
            ]
            TeamCourseStats.objects.filter(course_id__in=locked).delete()
            TeamCourseStats.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    return written


# --- training plans ----------------------------------------------------------------------------------------

PLAN_SUM_FIELDS = ("participants", "completed", "overdue", "progress_sum", "exam_takers", "exam_passed")


def plan_exam_ids(plans: Mapping[int, int]) -> dict[int, int]:
    """{plan id: its final-day exam's quiz id} for `plans` ({plan id: days}), in one query: the plan's quiz on its
    last day, else the quiz of the latest day (the rule of `selectors.plan_exam`)."""
    chosen: dict[int, tuple] = {}
    for qid, pid, day in Quiz.objects.filter(plan_id__in=list(plans)).values_list("id", "plan_id", "plan_day"):
        key = (day == plans[pid], day or 0, qid)
        if pid not in chosen or key > chosen[pid]:
            chosen[pid] = key
    return {pid: key[2] for pid, key in chosen.items()}


def _plan_rows(plan_ids: list[int], path_of: dict[int, str], today: date) -> list[TeamPlanStats]:
    """The TeamPlanStats rows of a batch of plans: four grouped reads (linked courses, participants per team,
    their linked-course enrollments per team, their best exam result per person), rolled up the team tree."""
    days = dict(TrainingPlan.objects.filter(id__in=plan_ids).values_list("id", "days"))
    linked: dict[int, set[int]] = {pid: set() for pid in days}
    for pid, cid in Session.objects.filter(plan_id__in=list(days), course__isnull=False).values_list(
        "plan_id", "course_id"
    ):
        linked[pid].add(cid)
    # direct[(plan, team or None)] = figures of the participants whose own team is that team
    direct: dict[tuple[int, int | None], dict] = {}

    def cell(pid, tid):
        return direct.setdefault((pid, tid), dict.fromkeys(PLAN_SUM_FIELDS, 0) | {"exam_score_sum": 0.0})

    participating = Q(
        user__enrollments__plan_id__in=list(days),
        user__enrollments__unenrolled_at__isnull=True,
        user__is_active=True,
    )
    for row in (
        Enrollment.objects.filter(plan_id__in=list(days), unenrolled_at__isnull=True, user__is_active=True)
        .values("plan_id", "user__team_id")
        .annotate(n=Count("id"))
    ):
        cell(row["plan_id"], row["user__team_id"])["participants"] += row["n"]
    pairs = Q()
    for pid, cids in linked.items():
        if cids:
            pairs |= Q(user__enrollments__plan_id=pid, course_id__in=sorted(cids))
    if pairs:
        # One join to the person's plan enrollments (one filter() call: the same join for every condition), so a
        # course enrollment counts once per plan of the person that links its course.
        for row in (
            Enrollment.objects.filter(participating & pairs, course__isnull=False, unenrolled_at__isnull=True)
            .values("user__enrollments__plan_id", "user__team_id")
            .annotate(**_enrollment_figures(today))
        ):
            acc = cell(row["user__enrollments__plan_id"], row["user__team_id"])
            acc["completed"] += row["done"]
            acc["overdue"] += row["late"]
            acc["progress_sum"] += row["psum"] or 0
    exams = plan_exam_ids(days)
    plan_of_exam = {qid: pid for pid, qid in exams.items()}
    if exams:
        for row in (
            Attempt.objects.filter(
                participating,
                quiz_id__in=list(plan_of_exam),
                status=Attempt.Status.GRADED,
                user__enrollments__plan_id=F("quiz__plan_id"),
            )
            .values("quiz_id", "user_id", "user__team_id")
            .annotate(best=Max("percent"), passes=Count("id", filter=Q(passed=True)))
        ):
            acc = cell(plan_of_exam[row["quiz_id"]], row["user__team_id"])
            acc["exam_takers"] += 1
            acc["exam_passed"] += int(row["passes"] > 0)
            acc["exam_score_sum"] += float(row["best"] or 0)
    totals: dict[tuple[int, int | None], dict] = {}
    for (pid, tid), vals in direct.items():
        scopes = [None, *(_ancestors(path_of[tid]) if tid in path_of else [])]
        for scope in scopes:
            acc = totals.setdefault((pid, scope), dict.fromkeys(PLAN_SUM_FIELDS, 0) | {"exam_score_sum": 0.0})
            for key, value in vals.items():
                acc[key] += value
    now = timezone.now()
    rows = []
    for (pid, tid), vals in sorted(totals.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        if not vals["participants"]:
            continue
        n_courses = len(linked.get(pid, ()))
        expected = vals["participants"] * n_courses
        rows.append(
            TeamPlanStats(
                plan_id=pid,
                team_id=tid,
                courses=n_courses,
                expected=expected,
                completion=round(vals["completed"] * 100 / expected, 1) if expected else 0,
                exam_score_sum=round(vals.pop("exam_score_sum"), 2),
                refreshed_at=now,
                **vals,
            )
        )
    return rows


def stats_refresh_plans(*, plan_ids: Iterable[int] | None = None) -> int:
    """Rebuild TeamPlanStats of these plans (all when None): per batch of plans, the grouped reads of `_plan_rows`,
    then the plans' rows are replaced in one transaction (teams that stopped taking part lose their row). The
    plans are locked first so two refreshes of one plan run one after the other. Returns the rows written."""
    today = timezone.localdate()
    if plan_ids is None:
        ids = list(TrainingPlan.objects.order_by("id").values_list("id", flat=True))
    else:
        ids = sorted(set(plan_ids))
    if not ids:
        return 0
    path_of = dict(Team.objects.values_list("id", "path"))
    written = 0
    for start in range(0, len(ids), PLAN_BATCH):
        batch = ids[start : start + PLAN_BATCH]
        with transaction.atomic():
            locked = list(
                TrainingPlan.objects.select_for_update()
                .filter(id__in=batch)
                .order_by("id")
                .values_list("id", flat=True)
            )
            rows = _plan_rows(locked, path_of, today) if locked else []
            TeamPlanStats.objects.filter(plan_id__in=locked).delete()
            TeamPlanStats.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    return written


def _plans_of_people(user_ids: list[int]) -> list[int]:
    return list(
        Enrollment.objects.filter(user_id__in=user_ids, plan__isnull=False).values_list("plan_id", flat=True).distinct()
    )


def stats_people_changed(*, user_ids: Iterable[int], course_ids: Iterable[int] = ()) -> None:
    """Refresh these people (and their teams), the plans they take part in, and these courses, once the current
    transaction commits."""
    ids = sorted(set(user_ids))
    courses = sorted(set(course_ids))
    if ids:
        transaction.on_commit(lambda: stats_refresh_people(user_ids=ids))
        transaction.on_commit(lambda: stats_refresh_plans(plan_ids=_plans_of_people(ids)))
    if courses:
        transaction.on_commit(lambda: stats_refresh_courses(course_ids=courses))
    stats_owners_changed(course_ids=courses, user_ids=ids)


def stats_plans_changed(*, plan_ids: Iterable[int]) -> None:
    """Refresh these plans' figures once the current transaction commits: their linked courses (sessions), days or
    final-day exam changed. Called by the plans app (`courses.plan_services`) and the quizzes (`assessments`)."""
    ids = sorted({pid for pid in plan_ids if pid})
    if ids:
        transaction.on_commit(lambda: stats_refresh_plans(plan_ids=ids))
        stats_owners_changed(plan_ids=ids)


def stats_snapshot_week(*, week: date | None = None) -> int:
    """Copy every team's current figures into the snapshot of `week` (this week by default); one upsert."""
    return _snapshot(TeamStats, TeamSnapshot, key="team_id", moment={"week": week_start(week or timezone.localdate())})


def _snapshot(source, target, *, key: str, moment: dict) -> int:
    """Copy the figures of every `source` row (TeamStats, OwnerStats) into its `target` snapshot of `moment`
    ({"week": ...} or {"day": ...}), upserted on (owner, moment)."""
    fields = ["people", *SUM_FIELDS]
    rows = [
        target(**{key: row[key]}, **moment, **{f: row[f] for f in fields})
        for row in source.objects.values(key, *fields)
    ]
    target.objects.bulk_create(
        rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=[key.removesuffix("_id"), *moment],
        update_fields=fields,
    )
    return len(rows)


def stats_repair() -> dict:
    """The periodic job: recompute everyone's and every team's figures from enrollments (repairs any drift)
    and keep this week's snapshot current."""
    people = stats_refresh_people(user_ids=None, teams=False)
    teams = stats_refresh_teams(team_ids=None)
    courses = stats_refresh_courses()
    plans = stats_refresh_plans()
    owners = stats_refresh_owners()
    stats_snapshot_week()
    stats_snapshot_owners()
    return {"people": people, "teams": teams, "courses": courses, "plans": plans, "owners": owners}


# --- quiz results (fed by the assessments app) -------------------------------------------------------------


@transaction.atomic
def dashboards_record_attempt(
    *,
    user_id: int,
    score: float,
    passed: bool,
    category_scores: Mapping[int, float] | None = None,
    competency_scores: Mapping[int, float] | None = None,
    plan_id: int | None = None,
    course_id: int | None = None,
) -> None:
    """Count one submitted quiz attempt: `score` in 0-100, `category_scores` / `competency_scores` map a
    courses.Category / courses.Competency id to the attempt's 0-100 score on the questions tagged with it.
    Call once per attempt, after it is stored (it is additive). `plan_id`: the quiz's training plan, whose
    figures (its exam results) are rebuilt after the commit; `course_id` / `plan_id`: the quiz's course and plan,
    whose owners' figures (OwnerStats) are refreshed after the commit too."""
    PersonStats.objects.get_or_create(user_id=user_id)
    PersonStats.objects.filter(user_id=user_id).update(
        attempts=F("attempts") + 1, passed=F("passed") + int(bool(passed)), score_sum=F("score_sum") + float(score)
    )
    PersonStats.objects.filter(user_id=user_id).update(avg_score=F("score_sum") / F("attempts"))
    _add_area_scores(user_id=user_id, category_scores=category_scores, competency_scores=competency_scores)
    _refresh_team_of(user_id)
    if plan_id:
        transaction.on_commit(lambda: stats_refresh_plans(plan_ids=[plan_id]))
    stats_owners_changed(course_ids=[course_id] if course_id else (), plan_ids=[plan_id] if plan_id else ())


@transaction.atomic
def dashboards_record_practice(
    *, user_id: int, score: float, category_id: int | None = None, competency_id: int | None = None
) -> None:
    """Count one finished practice session (0-100) in the person's mastery of its scenario's category and
    competency. Call once per session, after it is stored (additive, like `dashboards_record_attempt`)."""
    if category_id is None and competency_id is None:
        return
    _add_area_scores(
        user_id=user_id,
        category_scores={category_id: score} if category_id else None,
        competency_scores={competency_id: score} if competency_id else None,
    )
    _refresh_team_of(user_id)


def _add_area_scores(
    *, user_id: int, category_scores: Mapping[int, float] | None, competency_scores: Mapping[int, float] | None
) -> None:
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


def _refresh_team_of(user_id: int) -> None:
    team_id = User.objects.filter(id=user_id).values_list("team_id", flat=True).first()
    if team_id:
        transaction.on_commit(lambda: stats_refresh_teams(team_ids=[team_id]))


def stats_refresh_mastery(*, user_ids: Iterable[int] | None = None, teams: bool = True) -> int:
    """Recompute PersonCategoryScore from the raw rows (all people when `user_ids` is None): graded quiz attempts'
    stored area scores and finished practice sessions, per batch three grouped reads, one delete, one insert.
    Returns the number of score rows written. Heavier than the per-minute repair: scheduled hourly."""
    if user_ids is None:
        ids = list(User.objects.order_by("id").values_list("id", flat=True))
    else:
        ids = sorted(set(user_ids))
    share = Case(
        When(max_score__gt=0, then=Cast("score", FloatField()) * 100.0 / Cast("max_score", FloatField())),
        default=Value(0.0),
        output_field=FloatField(),
    )
    written = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        acc: dict[tuple[int, str, int], list] = {}

        def add(uid, axis, ref, n, total, acc=acc):
            cell = acc.setdefault((uid, axis, ref), [0, 0.0])
            cell[0] += n
            cell[1] += float(total or 0)

        for row in (
            AttemptAreaScore.objects.filter(attempt__user_id__in=batch, attempt__status=Attempt.Status.GRADED)
            .values("attempt__user_id", "category_id", "competency_id")
            .annotate(n=Count("id"), total=Sum(share))
        ):
            if row["category_id"]:
                add(row["attempt__user_id"], "category", row["category_id"], row["n"], row["total"])
            elif row["competency_id"]:
                add(row["attempt__user_id"], "competency", row["competency_id"], row["n"], row["total"])
        # a trainer's trial of their own scenario counts nowhere (practice never sends it through session_scored)
        finished = PracticeSession.objects.filter(
            user_id__in=batch, status=PracticeSession.Status.FINISHED, score__isnull=False, is_trial=False
        )
        for axis in ("category", "competency"):
            field = f"scenario__{axis}_id"
            for row in (
                finished.filter(**{f"{field}__isnull": False})
                .values("user_id", field)
                .annotate(n=Count("id"), total=Sum("score"))
            ):
                add(row["user_id"], axis, row[field], row["n"], row["total"])
        rows = [
            PersonCategoryScore(user_id=uid, attempts=n, score_sum=round(total, 4), **{f"{axis}_id": ref})
            for (uid, axis, ref), (n, total) in sorted(acc.items())
        ]
        with transaction.atomic():
            PersonCategoryScore.objects.filter(user_id__in=batch).delete()
            PersonCategoryScore.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    if teams and ids:
        stats_refresh_teams(team_ids=None)
    return written


# --- remediation -------------------------------------------------------------------------------------------


def _assignable_ids(*, user_ids: Iterable[int], by: User) -> list[int]:
    """The people `by` may assign to: active members of the teams they manage and below (admins: anyone active).
    Anyone else among `user_ids` refuses the whole assignment with a message (the pages already answer 404 for a
    person or team outside the scope; this is the service's own check, for every caller). One query."""
    ids = sorted({int(u) for u in user_ids})
    qs = User.objects.filter(id__in=ids, is_active=True)
    if not is_admin(by):
        qs = qs.filter(team_id__in=sorted(managed_team_ids(user=by)))
    allowed = set(qs.values_list("id", flat=True))
    outside = len(set(ids) - allowed)
    if outside:
        raise ValidationError(
            ngettext(
                "%(n)d person is not in the teams you manage; nothing was assigned.",
                "%(n)d people are not in the teams you manage; nothing was assigned.",
                outside,
            )
            % {"n": outside},
            code="outside_scope",
        )
    return ids


def dashboard_assign(
    *, user_ids: Iterable[int], course, due_date: date | None, by: User, reset_progress: bool = False, request=None
) -> AssignResult:
    """Assign a course with a due date from the dashboard: new people are enrolled, overdue or completed
    enrollments re-opened with the new date (optionally with their progress reset), people on time left as they
    are (`learning.services.course_assign`, one transaction). ValidationError for a due date in the past or anyone
    outside `by`'s teams."""
    ids = _assignable_ids(user_ids=user_ids, by=by)
    return course_assign(
        user_ids=ids, course=course, due_date=due_date, by=by, reset_progress=reset_progress, request=request
    )


def dashboard_practice_assign(*, user_ids: Iterable[int], scenario, due_date: date | None, by: User) -> dict:
    """Assign a role-play scenario from the dashboard (`practice.services.practice_assign`), to people in `by`'s
    teams only (else ValidationError). Returns the counts with a `message` for the manager."""
    ids = _assignable_ids(user_ids=user_ids, by=by)
    counts = practice_assign(user_ids=ids, scenario=scenario, due_date=due_date, by=by)
    return {**counts, "message": practice_assign_message(counts=counts, due_date=due_date)}


def practice_assign_message(*, counts: dict, due_date: date | None) -> str:
    due = date_format(due_date, "MONTH_DAY_FORMAT") if due_date else ""
    n = counts.get("assigned")
    first = (
        ngettext(
            "role play assigned to %(n)d person (due %(due)s)",
            "role play assigned to %(n)d people (due %(due)s)",
            n,
        )
        % {"n": n, "due": due}
        if n
        else ""
    )
    return _assignment_sentence(first=first, counts=counts, due=due)


def _assignment_sentence(*, first: str, counts: dict, due: str) -> str:
    """The manager's message after assigning a quiz or a role play: `first` (who got a new assignment), then who had
    one already and got the new due date, then who had it with this date already."""
    parts = [first] if first else []
    if counts.get("updated"):
        n = counts["updated"]
        parts.append(
            ngettext(
                "new due date %(due)s for %(n)d person already assigned",
                "new due date %(due)s for %(n)d people already assigned",
                n,
            )
            % {"n": n, "due": due}
        )
    if counts.get("unchanged"):
        n = counts["unchanged"]
        parts.append(
            ngettext(
                "%(n)d person already assigned with this due date",
                "%(n)d people already assigned with this due date",
                n,
            )
            % {"n": n}
        )
    return results_sentence(parts)


def dashboard_quiz_assign(*, user_ids: Iterable[int], quiz: Quiz, due_date: date | None, by: User) -> dict:
    """Assign a quiz from the dashboard (`assessments.services.quiz_assign`), to people in `by`'s teams only (else
    ValidationError). Any published quiz may be assigned, like any published course or scenario: the assignment
    itself lets the person open it (`assessments.selectors.quizzes_for_user`); a draft is refused. Returns the
    counts with a `message` for the manager."""
    ids = _assignable_ids(user_ids=user_ids, by=by)
    counts = quiz_assign(user_ids=ids, quiz=quiz, due_date=due_date, by=by)
    return {**counts, "message": quiz_assign_message(counts=counts, title=quiz.title, due_date=due_date)}


def quiz_assign_message(*, counts: dict, title: str, due_date: date | None) -> str:
    due = date_format(due_date, "MONTH_DAY_FORMAT") if due_date else ""
    n = counts.get("assigned")
    first = (
        ngettext(
            "quiz “%(title)s” assigned to %(n)d person (due %(due)s)",
            "quiz “%(title)s” assigned to %(n)d people (due %(due)s)",
            n,
        )
        % {"n": n, "title": title, "due": due}
        if n
        else ""
    )
    return _assignment_sentence(first=first, counts=counts, due=due)


@transaction.atomic
def nudge_overdue(*, user_ids: list[int], by: User) -> tuple[int, str]:
    """Remind the overdue people among `user_ids` (only those `by` may see), in this transaction, at most once a
    day each: `learning.services.overdue_remind` (the notification outbox: its unique key, person, "overdue_nudge"
    and local day, decides) says who was reminded now, so a second click the same day sends nothing more. Overdue as on the dashboard: open course
    enrollments past their due date (or marked overdue). Returns (people nudged now, message for the manager)."""
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
    nudged = overdue_remind(by=by, overdue=overdue, now=now)
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


# --- trainers' figures (the courses and plans they own) ------------------------------------------------------

# OwnerStats.owner_key of the row over every course and plan (what admins see).
EVERYTHING = 0
OWNER_FIELDS = ["courses", "plans", "people", *SUM_FIELDS, "score_bins", "areas", "refreshed_at"]


def _owner_scopes(owner_ids: set[int] | None, *, everything: bool) -> dict[int, tuple[set[int], set[int]]]:
    """{owner_key: (course ids, plan ids)}: the courses a trainer owns plus those linked to (a session of) the plans
    they own, and those plans. `owner_ids` None: every owner. `everything`: add the EVERYTHING row. Four queries."""
    course_pairs = Course.owners.through.objects.values_list("user_id", "course_id")
    plan_pairs = TrainingPlan.owners.through.objects.values_list("user_id", "trainingplan_id")
    if owner_ids is not None:
        course_pairs = course_pairs.filter(user_id__in=sorted(owner_ids))
        plan_pairs = plan_pairs.filter(user_id__in=sorted(owner_ids))
    scopes: dict[int, tuple[set[int], set[int]]] = {}
    for uid, cid in course_pairs:
        scopes.setdefault(uid, (set(), set()))[0].add(cid)
    for uid, pid in plan_pairs:
        scopes.setdefault(uid, (set(), set()))[1].add(pid)
    wanted_plans = sorted({pid for _courses, plans in scopes.values() for pid in plans})
    linked: dict[int, set[int]] = {}
    if wanted_plans or everything:
        sessions = Session.objects.filter(course__isnull=False)
        if not everything:
            sessions = sessions.filter(plan_id__in=wanted_plans)
        for pid, cid in sessions.values_list("plan_id", "course_id").distinct():
            linked.setdefault(pid, set()).add(cid)
    for courses, plans in scopes.values():
        for pid in plans:
            courses.update(linked.get(pid, ()))
    if everything:
        scopes[EVERYTHING] = (
            set(Course.objects.values_list("id", flat=True)),
            set(TrainingPlan.objects.values_list("id", flat=True)),
        )
    return scopes


def _course_enrollment_figures(course_ids: list[int], today: date) -> dict[int, dict]:
    """Per course: active enrollments, completed, overdue (open and past due or marked overdue), progress sum."""
    return {
        row["course_id"]: row
        for row in Enrollment.objects.filter(course_id__in=course_ids, unenrolled_at__isnull=True)
        .values("course_id")
        .annotate(**_enrollment_figures(today))
    }


def _owner_rows(scopes: dict[int, tuple[set[int], set[int]]], today: date) -> list:
    """The OwnerStats of each scope: grouped reads per course (enrollments, certificates) and per quiz (graded
    attempts by score band, their area scores) shared by every owner and summed per scope in memory, plus one
    distinct-people count per owner (a person enrolled in two of a trainer's courses counts once)."""
    all_courses = sorted({c for courses, _plans in scopes.values() for c in courses})
    all_plans = sorted({p for _courses, plans in scopes.values() for p in plans})
    enr = _course_enrollment_figures(all_courses, today) if all_courses else {}
    certs = {}
    if all_courses:
        certs = {
            row["course_id"]: row
            for row in Certificate.objects.filter(course_id__in=all_courses)
            .values("course_id")
            .annotate(
                valid=Count("id", filter=Q(expires_on__isnull=True) | Q(expires_on__gte=today)),
                expiring=Count(
                    "id", filter=Q(expires_on__gte=today, expires_on__lte=today + timedelta(days=EXPIRING_DAYS))
                ),
            )
        }
    quizzes = list(
        Quiz.objects.filter(Q(course_id__in=all_courses) | Q(plan_id__in=all_plans)).values_list(
            "id", "course_id", "plan_id"
        )
    )
    quiz_ids = [q[0] for q in quizzes]
    attempts: dict[int, list] = {}  # quiz -> [attempts, passed, score sum, bins]
    areas: dict[int, dict[str, list]] = {}  # quiz -> {"category:<id>": [observations, score sum]}
    if quiz_ids:
        graded = Attempt.objects.filter(quiz_id__in=quiz_ids, status=Attempt.Status.GRADED, percent__isnull=False)
        for row in (
            graded.annotate(band=Least(Floor(Cast("percent", FloatField()) / 10.0), Value(SCORE_BANDS - 1.0)))
            .values("quiz_id", "band")
            .annotate(n=Count("id"), ok=Count("id", filter=Q(passed=True)), total=Sum("percent"))
        ):
            acc = attempts.setdefault(row["quiz_id"], [0, 0, 0.0, [0] * SCORE_BANDS])
            acc[0] += row["n"]
            acc[1] += row["ok"]
            acc[2] += float(row["total"] or 0)
            acc[3][max(0, min(SCORE_BANDS - 1, int(row["band"] or 0)))] += row["n"]
        share = Case(
            When(max_score__gt=0, then=Cast("score", FloatField()) * 100.0 / Cast("max_score", FloatField())),
            default=Value(0.0),
            output_field=FloatField(),
        )
        for row in (
            AttemptAreaScore.objects.filter(attempt__quiz_id__in=quiz_ids, attempt__status=Attempt.Status.GRADED)
            .values("attempt__quiz_id", "category_id", "competency_id")
            .annotate(n=Count("id"), total=Sum(share))
        ):
            key = f"category:{row['category_id']}" if row["category_id"] else f"competency:{row['competency_id']}"
            acc = areas.setdefault(row["attempt__quiz_id"], {}).setdefault(key, [0, 0.0])
            acc[0] += row["n"]
            acc[1] += float(row["total"] or 0)
    refs = [
        ("category", r) for r in Category.objects.order_by("order", "id").values("id", "code", "name_zh", "name_en")
    ]
    refs += [
        ("competency", r) for r in Competency.objects.order_by("order", "id").values("id", "code", "name_zh", "name_en")
    ]
    now = timezone.now()
    rows = []
    for key, (courses, plans) in sorted(scopes.items()):
        vals = dict.fromkeys(SUM_FIELDS, 0) | {"score_sum": 0.0}
        for cid in courses:
            e, c = enr.get(cid, {}), certs.get(cid, {})
            vals["enrollments"] += e.get("n", 0)
            vals["completed"] += e.get("done", 0)
            vals["overdue"] += e.get("late", 0)
            vals["progress_sum"] += e.get("psum") or 0
            vals["certs_valid"] += c.get("valid", 0)
            vals["certs_expiring"] += c.get("expiring", 0)
        bins = [0] * SCORE_BANDS
        sums: dict[str, list] = {}
        for qid, course_id, plan_id in quizzes:
            if course_id not in courses and plan_id not in plans:
                continue
            n, ok, total, quiz_bins = attempts.get(qid, (0, 0, 0.0, ()))
            vals["attempts"] += n
            vals["passed"] += ok
            vals["score_sum"] += total
            for i, count in enumerate(quiz_bins):
                bins[i] += count
            for area, (an, atotal) in areas.get(qid, {}).items():
                acc = sums.setdefault(area, [0, 0.0])
                acc[0] += an
                acc[1] += atotal
        people = 0
        if courses or plans:
            people = (
                Enrollment.objects.filter(unenrolled_at__isnull=True)
                .filter(Q(course_id__in=sorted(courses)) | Q(plan_id__in=sorted(plans)))
                .values("user_id")
                .distinct()
                .count()
            )
        area_rows = []
        for axis, ref in refs:
            n, total = sums.get(f"{axis}:{ref['id']}", [0, 0.0])
            area_rows.append({"axis": axis, **ref, "n": n, "sum": round(total, 2), "people": None})
        vals["score_sum"] = round(vals["score_sum"], 2)
        rows.append(
            OwnerStats(
                owner_key=key,
                owner_id=key or None,
                courses=len(courses),
                plans=len(plans),
                people=people,
                score_bins=bins,
                areas=area_rows,
                refreshed_at=now,
                **vals,
            )
        )
    return rows


def stats_refresh_owners(*, owner_ids: Iterable[int] | None = None) -> int:
    """Recompute OwnerStats (the trainers' dashboard figures). `owner_ids` None: every owner and the EVERYTHING row
    (the per-minute repair); else these owners only (the hooks), whose rows go when they own nothing any more.
    One bulk upsert. Returns the rows written."""
    today = timezone.localdate()
    wanted = None if owner_ids is None else {int(o) for o in owner_ids if o}
    if wanted is not None and not wanted:
        return 0
    scopes = _owner_scopes(wanted, everything=wanted is None)
    rows = _owner_rows(scopes, today)
    with transaction.atomic():
        OwnerStats.objects.bulk_create(
            rows, batch_size=BATCH, update_conflicts=True, unique_fields=["owner_key"], update_fields=OWNER_FIELDS
        )
        gone = OwnerStats.objects.exclude(owner_key__in=list(scopes))
        if wanted is not None:
            gone = gone.filter(owner_key__in=sorted(wanted))
        gone.delete()
    return len(rows)


def _owners_of(*, course_ids: Iterable[int] = (), plan_ids: Iterable[int] = (), user_ids: Iterable[int] = ()):
    """The owners whose figures these courses, plans or people's enrollments feed: owners of the courses (and of
    the plans linking them) and of the plans. Read when the hook runs (after the commit)."""
    courses = set(course_ids)
    plans = set(plan_ids)
    users = sorted(set(user_ids))
    if users:
        for cid, pid in (
            Enrollment.objects.filter(user_id__in=users).values_list("course_id", "plan_id").distinct().order_by()
        ):
            if cid:
                courses.add(cid)
            else:
                plans.add(pid)
    courses.discard(None)
    plans.discard(None)
    if not courses and not plans:
        return set()
    owners = set(Course.owners.through.objects.filter(course_id__in=sorted(courses)).values_list("user_id", flat=True))
    owners.update(
        TrainingPlan.owners.through.objects.filter(
            Q(trainingplan_id__in=sorted(plans)) | Q(trainingplan__sessions__course_id__in=sorted(courses))
        ).values_list("user_id", flat=True)
    )
    return owners


def stats_owners_changed(*, course_ids: Iterable[int] = (), plan_ids: Iterable[int] = (), user_ids: Iterable[int] = ()):
    """Refresh the figures of the trainers who own these courses or plans (or the courses and plans these people
    are enrolled in), once the current transaction commits. The EVERYTHING row follows within the minute."""
    courses, plans, users = sorted(set(course_ids)), sorted(set(plan_ids)), sorted(set(user_ids))
    if courses or plans or users:
        transaction.on_commit(
            lambda: stats_refresh_owners(owner_ids=_owners_of(course_ids=courses, plan_ids=plans, user_ids=users))
        )


def stats_snapshot_owners(*, day: date | None = None) -> int:
    """Copy every trainer's current figures into the snapshot of `day` (today by default); one upsert."""
    return _snapshot(OwnerStats, OwnerSnapshot, key="owner_key", moment={"day": day or timezone.localdate()})
