"""Demo data for the dashboards, called at the end of `courses.demo.seed` (after the demo enrollments exist).
Idempotent: figures are recomputed, and the weekly snapshots are upserted."""

from datetime import timedelta

from django.utils import timezone

from trainees.dashboards.models import TeamSnapshot, TeamStats
from trainees.dashboards.services import SUM_FIELDS, stats_repair, week_start
from trainees.models import Enrollment

WEEKS = 8


def _demo_overdue() -> None:
    """A few open enrollments past due, so every demo dashboard shows overdue people."""
    today = timezone.localdate()
    open_ids = list(
        Enrollment.objects.filter(course__isnull=False, unenrolled_at__isnull=True)
        .exclude(status=Enrollment.Status.COMPLETED)
        .order_by("id")
        .values_list("id", flat=True)[::5]
    )
    Enrollment.objects.filter(id__in=open_ids, due_date__isnull=True).update(due_date=today - timedelta(days=3))


def seed(*, stdout=None) -> None:
    _demo_overdue()
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
        stdout.write(f"dashboards: figures refreshed, {len(rows)} weekly snapshots of history")
