"""Exports of the dashboard people table (same filters as the page) to CSV (UTF-8 with BOM, opens in Excel)
and XLSX. Small ones are built at once; larger ones in Celery through a Job with a progress bar."""

import csv
import io
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.deferred import enqueue_on_commit
from lms.jobs import job_create, run_job
from lms.models import Job
from trainees.dashboards.selectors import SORTS, parse_sort, team_people
from trainees.models import Team

FORMATS = ("csv", "xlsx")
JOB_KIND = "dashboard_export"
CHUNK = 2000


def _header() -> list[str]:
    return [
        _("Employee number"),
        _("Name"),
        _("Team"),
        _("Enrollments"),
        _("Completed"),
        _("Overdue"),
        _("Average progress (%)"),
        _("Valid certificates"),
        _("Certificates expiring in 30 days"),
        _("Average score"),
        _("Pass rate (%)"),
        _("Last activity"),
    ]


def _rows(*, team: Team, search: str, overdue_only: bool, sort: str, advance: Callable[[int], None] | None):
    sort = parse_sort(sort)
    field = SORTS[sort.lstrip("-")]
    order = [f"-{field}", "-user_id"] if sort.startswith("-") else [field, "user_id"]
    qs = team_people(team=team, search=search, overdue_only=overdue_only).order_by(*order)
    values = qs.values_list(
        "user__employee_no",
        "user__display_name",
        "user__username",
        "team__full_name",
        "enrollments",
        "completed",
        "overdue",
        "avg_progress",
        "certs_valid",
        "certs_expiring",
        "avg_score",
        "attempts",
        "passed",
        "last_activity_at",
    )
    n = 0
    for (
        no,
        name,
        username,
        team_name,
        enr,
        done,
        late,
        prog,
        valid,
        exp,
        score,
        attempts,
        passed,
        last,
    ) in values.iterator(chunk_size=CHUNK):
        yield [
            no or "",
            name or username,
            team_name,
            enr,
            done,
            late,
            prog,
            valid,
            exp,
            round(score, 1) if score is not None else "",
            round(passed * 100 / attempts, 1) if attempts else "",
            timezone.localtime(last).strftime("%Y-%m-%d %H:%M") if last else "",
        ]
        n += 1
        if advance and n % CHUNK == 0:
            advance(CHUNK)


def export_build(*, team: Team, fmt: str, search: str = "", overdue_only: bool = False, sort: str = "", advance=None):
    """The file's bytes."""
    rows = _rows(team=team, search=search, overdue_only=overdue_only, sort=sort, advance=advance)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(_header())
        writer.writerows(rows)
        return buf.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_("People")[:31])
    ws.append(_header())
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_filename(*, team: Team, fmt: str) -> str:
    return f"dashboard-{team.id}-{timezone.localdate():%Y%m%d}.{fmt}"


def _work(*, job_id: int, team: Team, fmt: str, search: str, overdue_only: bool, sort: str):
    def work(advance):
        data = export_build(team=team, fmt=fmt, search=search, overdue_only=overdue_only, sort=sort, advance=advance)
        name = default_storage.save(f"exports/{job_id}/{export_filename(team=team, fmt=fmt)}", ContentFile(data))
        return {"file": name, "format": fmt, "message": _("Your file is ready.")}

    return work


def export_start(*, user, team: Team, fmt: str, search: str = "", overdue_only: bool = False, sort: str = "") -> Job:
    """Start an export of the team's people table. Up to DASHBOARD_EXPORT_SYNC_LIMIT rows it is built now;
    above, a Celery task builds it and the Job shows the progress."""
    if fmt not in FORMATS:
        raise ValidationError({"format": _("Choose CSV or XLSX.")})
    total = team_people(team=team, search=search, overdue_only=overdue_only).count()
    job = job_create(kind=JOB_KIND, owner=user, total=total)
    args = {"search": search, "overdue_only": overdue_only, "sort": parse_sort(sort), "fmt": fmt}
    if total <= settings.DASHBOARD_EXPORT_SYNC_LIMIT:
        run_job(job.id, _work(job_id=job.id, team=team, **args))
    else:
        from trainees.dashboards.tasks import dashboard_export

        enqueue_on_commit(dashboard_export, job_id=job.id, team_id=team.id, **args)
    job.refresh_from_db()
    return job


def export_run(*, job_id: int, team_id: int, fmt: str, search: str, overdue_only: bool, sort: str) -> None:
    team = Team.objects.get(id=team_id)
    run_job(job_id, _work(job_id=job_id, team=team, fmt=fmt, search=search, overdue_only=overdue_only, sort=sort))


def export_get_for_user(*, user, job_id) -> Job:
    """An export job of the user's (only its owner may poll or download it), else 404."""
    from django.http import Http404

    from lms.jobs import job_get_for_user

    job = job_get_for_user(user=user, job_id=job_id)
    if job.kind != JOB_KIND:
        raise Http404
    return job
