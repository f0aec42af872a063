"""Demo data for the dashboards, called by `seed_demo` after the other apps' demos (the figures need their
enrollments, quizzes and practice). Idempotent: figures are recomputed, and the snapshots are upserted."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from assessments.models import Attempt, AttemptAreaScore, Quiz
from courses.models import Competency
from dashboards.models import OwnerSnapshot, OwnerStats, TeamSnapshot, TeamStats
from dashboards.services import (
    SUM_FIELDS,
    dashboards_record_attempt,
    stats_refresh_mastery,
    stats_refresh_owners,
    stats_repair,
    stats_snapshot_owners,
    week_start,
)
from learning.models import Enrollment
from practice.models import PracticeSession, Scenario
from practice.scenario_library import SCENARIOS
from practice.services import scenario_import
from trainees.models import User

WEEKS = 8
# Demo graded attempts per final quiz of the demo trainer's courses.
PEOPLE_PER_QUIZ = 12


def _demo_practice() -> int:
    """Several weeks of finished practice sessions for the demo salespeople (once: people who already have some
    are left alone), so the mastery radar has figures and every demo team has one weak category (its sessions in
    that category score low). Real raw rows, so the hourly mastery repair keeps them. Returns sessions added."""
    scenario_import(payload={"scenarios": SCENARIOS}, user=None)  # idempotent; the practice demo adds nothing then
    scenarios = list(
        Scenario.objects.filter(language=Scenario.Language.ZH, category__isnull=False).select_related("category")
    )
    codes = sorted({s.category.code for s in scenarios})
    people = list(
        User.objects.filter(username__startswith="sales", team__isnull=False)
        .exclude(practice_sessions__status=PracticeSession.Status.FINISHED)
        .order_by("team_id", "id")
    )
    team_order = sorted({p.team_id for p in people})
    now = timezone.now()
    rows = []
    for person in people:
        rng = random.Random(person.id)  # noqa: S311 (demo data)
        weak = codes[team_order.index(person.team_id) % len(codes)] if codes else None
        for back, scenario in enumerate(scenarios):
            low, high = (25, 55) if scenario.category.code == weak else (58, 96)
            score = rng.randint(low, high)
            when = now - timedelta(days=7 * (back % WEEKS) + rng.randint(0, 6), hours=rng.randint(0, 8))
            rows.append(
                PracticeSession(
                    user=person,
                    scenario=scenario,
                    status=PracticeSession.Status.FINISHED,
                    score=score,
                    passed=score >= 60,
                    finished_at=when,
                    scorecard={"overall": score, "passed": score >= 60, "compliance_failed": False, "demo": True},
                )
            )
    created = PracticeSession.objects.bulk_create(rows)
    # started_at is auto_now_add: move it back to the finish time, so history pages read in order
    for session in created:
        session.started_at = session.finished_at - timedelta(minutes=12)
    PracticeSession.objects.bulk_update(created, ["started_at"])
    return len(created)


def seed(*, stdout=None) -> None:
    seed_teams(stdout=stdout)
    seed_trainers(stdout=stdout)


def seed_teams(*, stdout=None) -> None:
    """The managers' dashboards: weeks of practice, the figures recomputed, and weekly snapshots of history."""
    sessions = _demo_practice()
    stats_refresh_mastery(teams=False)
    stats_repair()
    # History: earlier weeks hold a share of today's completions, growing week by week, so the completion
    # chart and "since last week" show a trend (demo only; real history comes from the weekly repair).
    this_week = week_start(timezone.localdate())
    fields = ["people", *SUM_FIELDS]
    current = list(TeamStats.objects.values("team_id", *fields))
    rows = []
    for back in range(1, WEEKS):
        share = max(0.0, 1 - back * 0.12)
        for row in current:
            values = {f: row[f] for f in fields}
            values["completed"] = int(row["completed"] * share)
            values["progress_sum"] = int(row["progress_sum"] * share)
            values["overdue"] = int(row["overdue"] * (1 + back * 0.1))
            rows.append(TeamSnapshot(team_id=row["team_id"], week=this_week - timedelta(weeks=back), **values))
    TeamSnapshot.objects.bulk_create(rows, update_conflicts=True, unique_fields=["team", "week"], update_fields=fields)
    if stdout:
        stdout.write(
            f"dashboards: figures refreshed, {len(rows)} weekly snapshots of history, {sessions} practice sessions"
        )


def seed_trainers(*, stdout=None) -> None:
    """The trainers' dashboards: graded attempts spread over several weeks on the final quizzes of the demo
    trainer's courses (once: quizzes that already have attempts are left alone), their figures
    recomputed, and daily snapshots of history. Called by `seed` after the other apps' demos."""
    competencies = list(Competency.objects.order_by("id").values_list("id", flat=True))
    quizzes = list(
        Quiz.objects.filter(course__owners__username="trainer", course__category__isnull=False, is_final=True)
        .select_related("course")
        .order_by("id")
    )
    now = timezone.now()
    added = 0
    for quiz in quizzes:
        if Attempt.objects.filter(quiz_id=quiz.id).exists():
            continue  # seeded before (or taken for real): left alone
        people = list(
            Enrollment.objects.filter(course_id=quiz.course_id, unenrolled_at__isnull=True, user__is_active=True)
            .order_by("user_id")
            .values_list("user_id", flat=True)[:PEOPLE_PER_QUIZ]
        )
        for uid in people:
            rng = random.Random(quiz.id * 1000 + uid)  # noqa: S311 (demo data)
            percent = rng.randint(35, 98)
            when = now - timedelta(days=rng.randint(0, 7 * WEEKS - 1), hours=rng.randint(0, 8))
            attempt = Attempt.objects.create(
                quiz=quiz,
                user_id=uid,
                number=1,
                status=Attempt.Status.GRADED,
                started_at=when - timedelta(minutes=15),
                submitted_at=when,
                graded_at=when,
                score=Decimal(percent),
                max_score=Decimal(100),
                percent=Decimal(percent),
                passed=percent >= 60,
            )
            competency = competencies[uid % len(competencies)] if competencies else None
            rows = [
                AttemptAreaScore(attempt=attempt, category_id=quiz.course.category_id, score=percent, max_score=100)
            ]
            if competency:
                rows.append(AttemptAreaScore(attempt=attempt, competency_id=competency, score=percent, max_score=100))
            AttemptAreaScore.objects.bulk_create(rows)
            dashboards_record_attempt(
                user_id=uid,
                score=percent,
                passed=percent >= 60,
                category_scores={quiz.course.category_id: percent},
                competency_scores={competency: percent} if competency else None,
            )
            added += 1
    stats_refresh_owners()
    stats_snapshot_owners()
    # History: each earlier day holds a share of today's completions and attempts (demo only; real history comes
    # from the per-minute repair's daily snapshot).
    today = timezone.localdate()
    fields = ["people", *SUM_FIELDS]
    snapshots = []
    for row in OwnerStats.objects.values("owner_key", *fields):
        for back in range(1, 7 * WEEKS):
            share = max(0.0, 1 - back * 0.015)
            values = {f: row[f] for f in fields}
            for f in ("completed", "progress_sum", "attempts", "passed"):
                values[f] = int(row[f] * share)
            values["score_sum"] = row["score_sum"] * share * (1 - back * 0.002)
            values["overdue"] = int(row["overdue"] * (1 + back * 0.01))
            snapshots.append(OwnerSnapshot(owner_key=row["owner_key"], day=today - timedelta(days=back), **values))
    OwnerSnapshot.objects.bulk_create(
        snapshots, update_conflicts=True, unique_fields=["owner_key", "day"], update_fields=fields
    )
    if stdout:
        stdout.write(f"dashboards: {added} graded attempts for the trainers, {len(snapshots)} daily snapshots")
