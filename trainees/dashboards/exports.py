"""Exports of the dashboard tables to CSV (UTF-8 with BOM, opens in Excel) and XLSX, with the same filters as the
page they come from.

A small registry: each table is one `ExportTable` (columns, the access check that finds its scope, an ordered
`values_list` queryset for the filters, and a function that turns one tuple into one output row). Pages and
`/api/v1/exports/` start an export through `export_start`; up to DASHBOARD_EXPORT_SYNC_LIMIT rows it is built
at once, above that in Celery, with a Job showing the progress and a download link when ready.

Built for size: rows stream from a server-side cursor (`.iterator(chunk_size=...)`, one query however many
rows, no model instances), are written to a temporary file and saved through Django's storage; progress is
written every PROGRESS_EVERY rows. XLSX uses `xlsx_stream` (openpyxl's write-only mode is too slow for 500,000
rows).
"""

import csv
import io
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Course
from lms.jobs import job_create, job_get_for_user, run_job
from lms.models import Job
from lms.roles import MANAGER, TRAINER, has_role, is_admin
from trainees.dashboards import selectors
from trainees.dashboards.xlsx_stream import write_xlsx

FORMATS = ("csv", "xlsx")
JOB_KIND = "dashboard_export"
CHUNK = 5000  # rows fetched from the server-side cursor at a time
PROGRESS_EVERY = 10000  # rows between two progress writes
MAX_SEARCH = 100

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Column:
    label: Promise
    kind: str = "s"  # "s" text, "n" number


@dataclass(frozen=True)
class ExportTable:
    """One exportable table. `scope(user=, params=)` returns the object the rows are read from (a team, or the
    user for their own courses) or raises Http404; `rows(scope=, params=)` is an ordered values_list queryset;
    `convert(tuple)` makes one output row (no queries)."""

    name: str
    title: Promise
    columns: tuple[Column, ...]
    scope: Callable[..., Any]
    rows: Callable[..., QuerySet]
    convert: Callable[[Row], list]
    team_scoped: bool = True


TABLES: dict[str, ExportTable] = {}


def register(table: ExportTable) -> ExportTable:
    TABLES[table.name] = table
    return table


def export_params(data: Mapping) -> dict:
    """The filters of every table, cleaned from a form, the API or the query string. Each table reads the keys
    it needs: `team`, `q` (search), `overdue` (only people with overdue items), `sort` (people table)."""
    overdue = data.get("overdue")
    team = data.get("team")
    return {
        "team": str(team).strip()[:20] if team not in (None, "") else None,
        "q": str(data.get("q") or "").strip()[:MAX_SEARCH],
        "overdue": overdue in (True, "1", "on", "true", "True"),
        "sort": selectors.parse_sort(data.get("sort")),
    }


# --- formatting helpers (per row: keep them cheap) -----------------------------------------------------------


def _name(display_name: str | None, username: str) -> str:
    return display_name or username


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _rate(part, whole):
    return round(part * 100 / whole, 1) if whole else ""


def _one(value):
    return round(value, 1) if value is not None else ""


# --- scopes --------------------------------------------------------------------------------------------------


def _team_scope(*, user, params: dict):
    """A team in the user's dashboard scope (managers: their teams and below; admins: any), else 404."""
    if params.get("team") is None:
        raise ValidationError({"team": _("Choose a team.")})
    return selectors.dashboard_team_get(user=user, team_id=params["team"])


def _trainer_scope(*, user, params: dict):
    """The courses a trainer owns (admins: every course): the scope is the user themself."""
    if not (is_admin(user) or has_role(user, TRAINER)):
        raise Http404
    return user


# --- the tables ----------------------------------------------------------------------------------------------


def _people_rows(*, scope, params: dict) -> QuerySet:
    sort = params["sort"]
    field = selectors.SORTS[sort.lstrip("-")]
    order = [f"-{field}", "-user_id"] if sort.startswith("-") else [field, "user_id"]
    qs = selectors.team_people(team=scope, search=params["q"], overdue_only=params["overdue"])
    return qs.order_by(*order).values_list(
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


def _people_convert(r: Row) -> list:
    return [
        r[0] or "",
        r[1] or r[2],
        r[3] or "",
        r[4],
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        _one(r[10]),
        _rate(r[12], r[11]),
        _when(r[13]),
    ]


register(
    ExportTable(
        name="people",
        title=gettext_lazy("People"),
        columns=(
            Column(gettext_lazy("Employee number")),
            Column(gettext_lazy("Name")),
            Column(gettext_lazy("Team")),
            Column(gettext_lazy("Enrollments"), "n"),
            Column(gettext_lazy("Completed"), "n"),
            Column(gettext_lazy("Overdue"), "n"),
            Column(gettext_lazy("Average progress (%)"), "n"),
            Column(gettext_lazy("Valid certificates"), "n"),
            Column(gettext_lazy("Certificates expiring in 30 days"), "n"),
            Column(gettext_lazy("Average score"), "n"),
            Column(gettext_lazy("Pass rate (%)"), "n"),
            Column(gettext_lazy("Last activity")),
        ),
        scope=_team_scope,
        rows=_people_rows,
        convert=_people_convert,
    )
)


def _overdue_rows(*, scope, params: dict) -> QuerySet:
    """Every overdue course enrollment of the team's active people (the page lists the first few), by due date;
    the same rule as PersonStats.overdue."""
    from trainees.models import Enrollment

    today = timezone.localdate()
    qs = (
        Enrollment.objects.filter(
            user__team__path__startswith=scope.path,
            user__is_active=True,
            course__isnull=False,
            unenrolled_at__isnull=True,
        )
        .exclude(status=Enrollment.Status.COMPLETED)
        .filter(Q(status=Enrollment.Status.OVERDUE) | Q(due_date__lt=today))
    )
    if params["q"]:
        q = params["q"]
        qs = qs.filter(
            Q(user__display_name__icontains=q)
            | Q(user__employee_no__icontains=q)
            | Q(user__username__icontains=q)
            | Q(course__title__icontains=q)
        )
    return qs.order_by(F("due_date").asc(nulls_last=True), "id").values_list(
        "user__employee_no",
        "user__display_name",
        "user__username",
        "user__team__full_name",
        "course__title",
        "due_date",
        "progress",
        "last_activity_at",
    )


def _overdue_convert(r: Row) -> list:
    return [r[0] or "", r[1] or r[2], r[3] or "", r[4], r[5].isoformat() if r[5] else "", r[6], _when(r[7])]


register(
    ExportTable(
        name="overdue",
        title=gettext_lazy("Overdue items"),
        columns=(
            Column(gettext_lazy("Employee number")),
            Column(gettext_lazy("Name")),
            Column(gettext_lazy("Team")),
            Column(gettext_lazy("Course")),
            Column(gettext_lazy("Due date")),
            Column(gettext_lazy("Progress (%)"), "n"),
            Column(gettext_lazy("Last activity")),
        ),
        scope=_team_scope,
        rows=_overdue_rows,
        convert=_overdue_convert,
    )
)


def _lowest_rows(*, scope, params: dict) -> QuerySet:
    """The team's people with quiz results, lowest average score first (from PersonStats)."""
    qs = selectors.team_people(team=scope, search=params["q"], overdue_only=params["overdue"])
    return (
        qs.filter(avg_score__isnull=False)
        .order_by("avg_score", "user_id")
        .values_list(
            "user__employee_no",
            "user__display_name",
            "user__username",
            "team__full_name",
            "avg_score",
            "attempts",
            "passed",
            "completed",
            "overdue",
        )
    )


def _lowest_convert(r: Row) -> list:
    return [r[0] or "", r[1] or r[2], r[3] or "", _one(r[4]), r[5], r[6], _rate(r[6], r[5]), r[7], r[8]]


register(
    ExportTable(
        name="lowest_scores",
        title=gettext_lazy("Lowest scores"),
        columns=(
            Column(gettext_lazy("Employee number")),
            Column(gettext_lazy("Name")),
            Column(gettext_lazy("Team")),
            Column(gettext_lazy("Average score"), "n"),
            Column(gettext_lazy("Quiz attempts"), "n"),
            Column(gettext_lazy("Quiz attempts passed"), "n"),
            Column(gettext_lazy("Pass rate (%)"), "n"),
            Column(gettext_lazy("Completed"), "n"),
            Column(gettext_lazy("Overdue"), "n"),
        ),
        scope=_team_scope,
        rows=_lowest_rows,
        convert=_lowest_convert,
    )
)


_COURSE_STATUS = dict(Course.Status.choices)


def _courses_rows(*, scope, params: dict) -> QuerySet:
    """The courses of `/dashboard/courses/`: those the trainer owns (admins: all), with CourseStats."""
    qs = Course.objects.all()
    if not is_admin(scope):
        qs = qs.filter(owners=scope)
    if params["q"]:
        qs = qs.filter(title__icontains=params["q"])
    return qs.order_by("title", "id").values_list(
        "title",
        "status",
        "stats__enrollments",
        "stats__completed",
        "stats__overdue",
        "stats__progress_sum",
    )


def _courses_convert(r: Row) -> list:
    n = r[2] or 0
    return [
        r[0],
        _COURSE_STATUS.get(r[1], r[1]),
        n,
        r[3] or 0,
        _rate(r[3] or 0, n),
        r[4] or 0,
        round(r[5] / n, 1) if n else "",
    ]


register(
    ExportTable(
        name="courses",
        title=gettext_lazy("Course completion"),
        columns=(
            Column(gettext_lazy("Course")),
            Column(gettext_lazy("Status")),
            Column(gettext_lazy("Enrollments"), "n"),
            Column(gettext_lazy("Completed"), "n"),
            Column(gettext_lazy("Completion rate (%)"), "n"),
            Column(gettext_lazy("Overdue"), "n"),
            Column(gettext_lazy("Average progress (%)"), "n"),
        ),
        scope=_trainer_scope,
        rows=_courses_rows,
        convert=_courses_convert,
        team_scoped=False,
    )
)


# --- building the file ---------------------------------------------------------------------------------------


def _stream(table: ExportTable, qs: QuerySet, advance: Callable[[int], None] | None) -> Iterator[list]:
    convert = table.convert
    n = 0
    for values in qs.iterator(chunk_size=CHUNK):
        yield convert(values)
        n += 1
        if advance and n % PROGRESS_EVERY == 0:
            advance(PROGRESS_EVERY)
    if advance and n % PROGRESS_EVERY:
        advance(n % PROGRESS_EVERY)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(rows: Iterator[list], text_columns: list[int]) -> Iterator[list]:
    """Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe."""
    for row in rows:
        for i in text_columns:
            v = row[i]
            if v and isinstance(v, str) and v.startswith(_FORMULA_START):
                row[i] = "'" + v
        yield row


def export_write(
    out, *, table: ExportTable, scope, params: dict, fmt: str, advance: Callable[[int], None] | None = None
) -> int:
    """Write the table's file to the binary file `out`; returns the number of data rows."""
    qs = table.rows(scope=scope, params=params)
    rows = _stream(table, qs, advance)
    header = [str(c.label) for c in table.columns]
    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
        writer = csv.writer(text)
        writer.writerow(header)
        text_columns = [i for i, c in enumerate(table.columns) if c.kind == "s"]
        n = 0
        for row in _csv_safe(rows, text_columns):
            writer.writerow(row)
            n += 1
        text.flush()
        text.detach()
        return n
    return write_xlsx(out, sheet=str(table.title), header=header, kinds=[c.kind for c in table.columns], rows=rows)


def export_build(*, table: str = "people", user=None, scope=None, fmt: str, **params) -> bytes:
    """The file's bytes (small exports, tests). Give `scope` directly or a `user` to check it for."""
    spec = _table(table)
    params = export_params(params)
    if scope is None:
        scope = spec.scope(user=user, params=params)
    out = io.BytesIO()
    export_write(out, table=spec, scope=scope, params=params, fmt=fmt)
    return out.getvalue()


def export_filename(*, table: str, scope, fmt: str) -> str:
    return f"{table}-{scope.id}-{timezone.localdate():%Y%m%d}.{fmt}"


def _table(name) -> ExportTable:
    try:
        return TABLES[name]
    except (KeyError, TypeError):
        raise ValidationError({"table": _("Unknown table. Choose one of: %s.") % ", ".join(TABLES)}) from None


def _work(*, job_id: int, table: ExportTable, scope, params: dict, fmt: str):
    def work(advance):
        with tempfile.TemporaryFile() as tmp:
            rows = export_write(tmp, table=table, scope=scope, params=params, fmt=fmt, advance=advance)
            tmp.seek(0)
            name = export_filename(table=table.name, scope=scope, fmt=fmt)
            stored = default_storage.save(f"exports/{job_id}/{name}", File(tmp, name=name))
        return {"file": stored, "format": fmt, "table": table.name, "rows": rows, "message": _("Your file is ready.")}

    return work


def may_export(user) -> bool:
    """Managers (their teams' tables), trainers (their courses) and admins export; anyone else sees 404."""
    if not getattr(user, "is_authenticated", False):
        return False
    return is_admin(user) or has_role(user, MANAGER) or has_role(user, TRAINER)


def export_start(*, user, table: str, fmt: str, params: Mapping) -> Job:
    """Start an export of `table` with the filters in `params` (see export_params). Outside the table's scope:
    404; an unknown table or format: ValidationError. Up to DASHBOARD_EXPORT_SYNC_LIMIT rows the file is built
    now; above, a Celery task builds it and the Job shows the progress."""
    if not may_export(user):
        raise Http404
    spec = _table(table)
    if fmt not in FORMATS:
        raise ValidationError({"format": _("Choose CSV or XLSX.")})
    params = export_params(params)
    scope = spec.scope(user=user, params=params)
    total = spec.rows(scope=scope, params=params).count()
    job = job_create(kind=JOB_KIND, owner=user, total=total)
    if total <= settings.DASHBOARD_EXPORT_SYNC_LIMIT:
        run_job(job.id, _work(job_id=job.id, table=spec, scope=scope, params=params, fmt=fmt))
    else:
        from trainees.dashboards.tasks import dashboard_export

        transaction.on_commit(lambda: dashboard_export.delay(job_id=job.id, table=spec.name, fmt=fmt, params=params))
    job.refresh_from_db()
    return job


def export_run(*, job_id: int, table: str, fmt: str, params: dict) -> None:
    """The Celery side: the scope is checked again for the job's owner (who may have lost access since)."""
    job = Job.objects.select_related("owner").get(id=job_id)
    spec = _table(table)
    try:
        scope = spec.scope(user=job.owner, params=export_params(params))
    except (Http404, ValidationError):
        from lms.jobs import job_fail

        job_fail(job_id=job_id, error=_("You can no longer export this table."))
        return
    run_job(job_id, _work(job_id=job_id, table=spec, scope=scope, params=export_params(params), fmt=fmt))


def export_get_for_user(*, user, job_id) -> Job:
    """An export job of the user's (only its owner, or an admin, may poll or download it), else 404."""
    job = job_get_for_user(user=user, job_id=job_id)
    if job.kind != JOB_KIND:
        raise Http404
    return job
