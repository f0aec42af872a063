"""Exports of the dashboard tables to CSV (UTF-8 with BOM, opens in Excel) and XLSX, with the same filters as the
page they come from.

A small registry: each table is one `ExportTable` (columns, the access check that finds its scope, an ordered
`values_list` queryset for the filters, and a function that turns one tuple into one output row). Pages and
`/api/v1/exports/` start an export through `export_start`; up to DASHBOARD_EXPORT_SYNC_LIMIT rows it is built
at once, above that in Celery, with a Job showing the progress and a download link when ready.

Built for size: every cell is formatted in SQL (no model instances, no Python per cell). On PostgreSQL both
formats stream from `COPY (query) TO STDOUT`: the CSV as such, the XLSX as rows rendered as XML by the database
(XlsxRow) written straight into the zip entry; elsewhere (SQLite in tests) rows come from a cursor
(`.iterator(chunk_size=...)`) and are written by csv.writer / xlsx_stream.row_xml. Files go to a temporary file
saved through Django's storage; progress is reported every PROGRESS_EVERY rows: between batches on the job's row,
during a COPY (the connection is busy) into the shared cache (`lms.jobs.job_note_progress`). XLSX uses `xlsx_stream` (openpyxl's write-only mode is too slow for 500,000
rows).
"""

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Course, TrainingPlan
from dashboards import selectors
from dashboards.xlsx_stream import row_xml, write_xlsx
from lms.deferred import enqueue_on_commit
from lms.jobs import job_create, job_fail, job_get_for_user, job_note_progress, run_job
from lms.models import Job
from lms.roles import MANAGER, TRAINER, has_role, is_admin
from trainees.models import Team

FORMATS = ("csv", "xlsx")
JOB_KIND = "dashboard_export"
EXPORT_TASK = "dashboards.tasks.dashboard_export"  # queued by name: the tasks import this module
CHUNK = 5000  # rows fetched from the server-side cursor at a time
PROGRESS_EVERY = 10000  # rows between two progress writes
MAX_SEARCH = 100

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Column:
    """One column: its header, kind ("s" text, "n" number) and what the database returns for it, ready to write
    (a field path or an expression: formatting happens in SQL, so no Python runs per cell)."""

    label: Promise
    kind: str
    value: Any


@dataclass(frozen=True)
class ExportTable:
    """One exportable table. `scope(user=, params=)` returns the object the rows are read from (a team, or the
    user for their own courses) or raises Http404; `rows(scope=, params=)` is the filtered, ordered queryset the
    columns' values are read from."""

    name: str
    title: Promise
    columns: tuple[Column, ...]
    scope: Callable[..., Any]
    rows: Callable[..., QuerySet]
    team_scoped: bool = True

    def values(self, *, scope, params: dict) -> QuerySet:
        return self.rows(scope=scope, params=params).values_list(*self._values())

    def xlsx_rows(self, *, scope, params: dict) -> QuerySet:
        """One rendered `<row>` per row (see XlsxRow)."""
        kinds = "".join(c.kind for c in self.columns)
        return self.rows(scope=scope, params=params).values_list(XlsxRow(*self._values(), kinds=kinds))

    def _values(self) -> list:
        return [c.value() if callable(c.value) else c.value for c in self.columns]


TABLES: dict[str, ExportTable] = {}


def register(table: ExportTable) -> ExportTable:
    TABLES[table.name] = table
    return table


def export_params(data: Mapping) -> dict:
    """The filters of every table, cleaned from a form, the API or the query string. Each table reads the keys
    it needs: `team`, `q` (search), `overdue` (only rows with overdue items), `sort` (people and plans tables)."""
    overdue = data.get("overdue")
    team = data.get("team")
    return {
        "team": str(team).strip()[:20] if team not in (None, "") else None,
        "q": str(data.get("q") or "").replace("\x00", "").strip()[:MAX_SEARCH],
        "overdue": overdue in (True, "1", "on", "true", "True"),
        # Each table reads the sort keys it knows (people: selectors.SORTS, plans: selectors.PLAN_SORTS).
        "sort": str(data.get("sort") or "").replace("\x00", "").strip()[:40],
        # The overdue table: only items at least this many days past their due date (0: all).
        "min_days": parse_min_days(data.get("min_days")),
        # The lowest scores table: a content category's or a competency's code (checked by the table).
        "category": _code(data.get("category")),
        "competency": _code(data.get("competency")),
    }


def _code(value) -> str:
    # One character over the longest code, so an overlong one is refused as unknown rather than cut to a real one.
    return str(value or "").replace("\x00", "").strip()[: selectors.AREA_CODE_MAX + 1]


def parse_min_days(value) -> int:
    """A days-overdue minimum from a form, the API or the query string: 0 when missing or unreadable."""
    try:
        return max(0, min(int(str(value).strip()), 3650))
    except (TypeError, ValueError):
        return 0


# --- SQL formatting (the same output on PostgreSQL and SQLite) ----------------------------------------------


class LocalMinute(Func):
    """A datetime as "YYYY-MM-DD HH:MM" in the site's time zone, NULL stays NULL."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra):  # SQLite and others: the zone's current UTC offset
        sql, params = compiler.compile(self.source_expressions[0])
        offset = int(timezone.localtime().utcoffset().total_seconds() // 60)
        return f"strftime('%%Y-%%m-%%d %%H:%%M', {sql}, %s)", (*params, f"{offset:+d} minutes")

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char(({sql}) AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI')", (*params, settings.TIME_ZONE)


class Round1(Func):
    """A number rounded to one decimal (PostgreSQL rounds numerics only)."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"ROUND({sql}, 1)", params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"ROUND(({sql})::numeric, 1)", params


class XlsxRow(Func):
    """A whole XLSX `<row>` rendered by the database from the columns' values (kinds "s" text, "n" number), in
    the markup `xlsx_stream` writes: text escaped for XML without forbidden control characters, NULL numbers
    as empty cells. Rendering 500,000 rows in Python costs more than the rest of the export together."""

    output_field = TextField()

    def __init__(self, *expressions, kinds: str):
        super().__init__(*expressions)
        self.kinds = kinds

    def as_sql(self, compiler, connection, **extra):
        raise NotImplementedError("XlsxRow renders on PostgreSQL; elsewhere rows are rendered in Python")

    def as_postgresql(self, compiler, connection, **extra):
        parts, params = [], []
        for expression, kind in zip(self.source_expressions, self.kinds, strict=True):
            sql, p = compiler.compile(expression)
            if kind == "n":
                parts.append(f"CASE WHEN ({sql}) IS NULL THEN '<c/>' ELSE '<c><v>' || ({sql})::text || '</v></c>' END")
                params += [*p, *p]
                continue
            text = f"regexp_replace(COALESCE(({sql})::text, ''), '[\\x01-\\x08\\x0b\\x0c\\x0e-\\x1f]', '', 'g')"
            for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\n", "&#10;"), ("\r", "&#13;")):
                text = f"replace({text}, '{raw}', '{entity}')"
            parts.append(f"'<c t=\"inlineStr\"><is><t xml:space=\"preserve\">' || {text} || '</t></is></c>'")
            params += p
        return "'<row>' || " + " || ".join(parts) + " || '</row>'", params


def _ratio(part, whole, *, scale: float = 100.0):
    """Round1(part * scale / whole), NULL when whole is 0."""
    return Round1(ExpressionWrapper(F(part) * Value(scale) / NullIf(F(whole), Value(0)), output_field=FloatField()))


def _name(prefix: str):
    return Coalesce(NullIf(F(f"{prefix}display_name"), Value("")), F(f"{prefix}username"))


def _text(path: str):
    return Coalesce(F(path), Value(""))


# --- scopes --------------------------------------------------------------------------------------------------


def _team_scope(*, user, params: dict):
    """A team in the user's dashboard scope (managers: their teams and below; admins: any), else 404 (also
    when no team is given: there is no such table for you)."""
    return selectors.dashboard_team_get(user=user, team_id=params["team"])


def _trainer_scope(*, user, params: dict):
    """The courses a trainer owns (admins: every course): the scope is the user themself."""
    if not (is_admin(user) or has_role(user, TRAINER)):
        raise Http404
    return user


# --- the tables ----------------------------------------------------------------------------------------------


def _people_rows(*, scope, params: dict) -> QuerySet:
    sort = selectors.parse_sort(params["sort"])
    field = selectors.SORTS[sort.lstrip("-")]
    order = [f"-{field}", "-user_id"] if sort.startswith("-") else [field, "user_id"]
    qs = selectors.team_people(team=scope, search=params["q"], overdue_only=params["overdue"])
    return qs.select_related(None).order_by(*order)


register(
    ExportTable(
        name="people",
        title=gettext_lazy("People"),
        columns=(
            Column(gettext_lazy("Employee number"), "s", _text("user__employee_no")),
            Column(gettext_lazy("Name"), "s", _name("user__")),
            Column(gettext_lazy("Team"), "s", _text("team__full_name")),
            Column(gettext_lazy("Enrollments"), "n", "enrollments"),
            Column(gettext_lazy("Completed"), "n", "completed"),
            Column(gettext_lazy("Overdue"), "n", "overdue"),
            Column(gettext_lazy("Average progress (%)"), "n", "avg_progress"),
            Column(gettext_lazy("Valid certificates"), "n", "certs_valid"),
            Column(gettext_lazy("Certificates expiring in 30 days"), "n", "certs_expiring"),
            Column(gettext_lazy("Average score"), "n", Round1(F("avg_score"))),
            Column(gettext_lazy("Pass rate (%)"), "n", _ratio("passed", "attempts")),
            Column(gettext_lazy("Last activity"), "s", LocalMinute(F("last_activity_at"))),
        ),
        scope=_team_scope,
        rows=_people_rows,
    )
)


def _order(field: str, sort: str, pk: str) -> list[str]:
    return [f"-{field}", f"-{pk}"] if sort.startswith("-") else [field, pk]


def _overdue_rows(*, scope, params: dict) -> QuerySet:
    """Every overdue course enrollment of the team's active people (the page shows them a page at a time), in
    the page's order (by due date, undated last, by default) and with its filters (search, days overdue)."""
    sort = selectors.parse_overdue_sort(params["sort"])
    qs = selectors.team_overdue_enrollments(team=scope, search=params["q"], min_days=params.get("min_days") or 0)
    return qs.order_by(*_order(selectors.OVERDUE_SORTS[sort.lstrip("-")], sort, "id"))


register(
    ExportTable(
        name="overdue",
        title=gettext_lazy("Overdue items"),
        columns=(
            Column(gettext_lazy("Employee number"), "s", _text("user__employee_no")),
            Column(gettext_lazy("Name"), "s", _name("user__")),
            Column(gettext_lazy("Team"), "s", _text("user__team__full_name")),
            Column(gettext_lazy("Course"), "s", "course__title"),
            Column(gettext_lazy("Due date"), "s", "due_date"),
            Column(gettext_lazy("Progress (%)"), "n", "progress"),
            Column(gettext_lazy("Last activity"), "s", LocalMinute(F("last_activity_at"))),
        ),
        scope=_team_scope,
        rows=_overdue_rows,
    )
)


def _lowest_rows(*, scope, params: dict) -> QuerySet:
    """The team's people with quiz results (from PersonStats), or with a score in the chosen category or
    competency, in the page's order (lowest score first by default) and with its filters (search, area, overdue
    only). An unknown category or competency: ValidationError (the export does not start)."""
    sort = selectors.parse_lowest_sort(params["sort"])
    area = selectors.parse_lowest_area(category=params.get("category"), competency=params.get("competency"))
    qs = selectors.team_lowest_people(team=scope, search=params["q"], area=area)
    if params["overdue"]:
        qs = qs.filter(overdue__gt=0)
    return qs.select_related(None).order_by(*_order(selectors.LOWEST_PAGE_SORTS[sort.lstrip("-")], sort, "user_id"))


register(
    ExportTable(
        name="lowest_scores",
        title=gettext_lazy("Lowest scores"),
        columns=(
            Column(gettext_lazy("Employee number"), "s", _text("user__employee_no")),
            Column(gettext_lazy("Name"), "s", _name("user__")),
            Column(gettext_lazy("Team"), "s", _text("team__full_name")),
            Column(gettext_lazy("Average score"), "n", Round1(F("avg_score"))),
            Column(gettext_lazy("Quiz attempts"), "n", "attempts"),
            Column(gettext_lazy("Quiz attempts passed"), "n", "passed"),
            Column(gettext_lazy("Pass rate (%)"), "n", _ratio("passed", "attempts")),
            Column(gettext_lazy("Completed"), "n", "completed"),
            Column(gettext_lazy("Overdue"), "n", "overdue"),
            # Filled when the table is filtered by a category or competency (empty otherwise).
            Column(gettext_lazy("Score in the filtered area"), "n", Round1(F("area_score"))),
            Column(gettext_lazy("Observations in the filtered area"), "n", "area_attempts"),
        ),
        scope=_team_scope,
        rows=_lowest_rows,
    )
)


def _courses_rows(*, scope, params: dict) -> QuerySet:
    """The courses of `/dashboard/courses/`: those the trainer owns (admins: all), their CourseStats in the page's
    order."""
    qs = selectors.owned_courses(user=scope, search=params["q"], overdue_only=params["overdue"])
    sort = selectors.parse_course_sort(params["sort"])
    field = selectors.COURSE_SORTS[sort.lstrip("-")]
    order = [f"-{field}", "-course_id"] if sort.startswith("-") else [field, "course_id"]
    return qs.select_related(None).order_by(*order)


def _status_label():
    """The course status's label in the current language (a CASE over the choices; built per export)."""
    return Case(
        *[When(course__status=value, then=Value(str(label))) for value, label in Course.Status.choices],
        default=F("course__status"),
        output_field=CharField(),
    )


register(
    ExportTable(
        name="courses",
        title=gettext_lazy("Course completion"),
        columns=(
            Column(gettext_lazy("Course"), "s", "course__title"),
            Column(gettext_lazy("Status"), "s", _status_label),
            Column(gettext_lazy("Enrollments"), "n", "enrollments"),
            Column(gettext_lazy("Completed"), "n", "completed"),
            Column(gettext_lazy("Completion rate (%)"), "n", _ratio("completed", "enrollments")),
            Column(gettext_lazy("Overdue"), "n", "overdue"),
            Column(gettext_lazy("Average progress (%)"), "n", _ratio("progress_sum", "enrollments", scale=1.0)),
        ),
        scope=_trainer_scope,
        rows=_courses_rows,
        team_scoped=False,
    )
)


def _team_courses_rows(*, scope, params: dict) -> QuerySet:
    """The course completion table of `/dashboard/`: the courses the team's subtree is enrolled in, figures over
    that subtree's enrolled people only (TeamCourseStats), in the page's order."""
    sort = selectors.parse_course_sort(params["sort"])
    field = selectors.COURSE_SORTS[sort.lstrip("-")]
    order = [f"-{field}", "-course_id"] if sort.startswith("-") else [field, "course_id"]
    qs = selectors.team_courses(team=scope, search=params["q"], overdue_only=params["overdue"])
    return qs.select_related(None).order_by(*order)


register(
    ExportTable(
        name="team_courses",
        title=gettext_lazy("Course completion"),
        columns=(
            Column(gettext_lazy("Course"), "s", "course__title"),
            Column(gettext_lazy("Status"), "s", _status_label),
            Column(gettext_lazy("People enrolled"), "n", "enrollments"),
            Column(gettext_lazy("Completed"), "n", "completed"),
            Column(gettext_lazy("Completion rate (%)"), "n", _ratio("completed", "enrollments")),
            Column(gettext_lazy("Overdue"), "n", "overdue"),
            Column(gettext_lazy("Average progress (%)"), "n", _ratio("progress_sum", "enrollments", scale=1.0)),
        ),
        scope=_team_scope,
        rows=_team_courses_rows,
    )
)


def _sub_teams_rows(*, scope, params: dict) -> QuerySet:
    """The sub-teams table of `/dashboard/`: the team's direct sub-teams by name, each with its TeamStats (the
    figures of its whole subtree; a sub-team without figures yet exports zeros). Filters: `q` (team name),
    `overdue` (sub-teams with overdue items)."""
    qs = Team.objects.filter(parent_id=scope.id)
    if params["q"]:
        qs = qs.filter(name__icontains=params["q"])
    if params["overdue"]:
        qs = qs.filter(stats__overdue__gt=0)
    return qs.order_by("name", "id")


def _zero(path: str):
    return Coalesce(F(path), Value(0))


register(
    ExportTable(
        name="sub_teams",
        title=gettext_lazy("Sub-teams"),
        columns=(
            Column(gettext_lazy("Team"), "s", "name"),
            Column(gettext_lazy("Full name"), "s", _text("full_name")),
            Column(gettext_lazy("People"), "n", _zero("stats__people")),
            Column(gettext_lazy("Enrollments"), "n", _zero("stats__enrollments")),
            Column(gettext_lazy("Completed"), "n", _zero("stats__completed")),
            Column(gettext_lazy("Completion rate (%)"), "n", _ratio("stats__completed", "stats__enrollments")),
            Column(gettext_lazy("Overdue"), "n", _zero("stats__overdue")),
            Column(gettext_lazy("People overdue"), "n", _zero("stats__overdue_people")),
            Column(
                gettext_lazy("Average progress (%)"),
                "n",
                _ratio("stats__progress_sum", "stats__enrollments", scale=1.0),
            ),
            Column(gettext_lazy("Average score"), "n", _ratio("stats__score_sum", "stats__attempts", scale=1.0)),
            Column(gettext_lazy("Pass rate (%)"), "n", _ratio("stats__passed", "stats__attempts")),
        ),
        scope=_team_scope,
        rows=_sub_teams_rows,
    )
)


def _plans_rows(*, scope, params: dict) -> QuerySet:
    """The training plans table of `/dashboard/`: plans the team's subtree takes part in, with figures over that
    subtree's participants only (TeamPlanStats), in the page's order."""
    sort = selectors.parse_plan_sort(params["sort"])
    field = selectors.PLAN_SORTS[sort.lstrip("-")]
    order = [f"-{field}", "-plan_id"] if sort.startswith("-") else [field, "plan_id"]
    qs = selectors.team_plans(team=scope, search=params["q"], overdue_only=params["overdue"])
    return qs.select_related(None).order_by(*order)


def _plan_status_label():
    """The plan status's label in the current language (a CASE over the choices; built per export)."""
    return Case(
        *[When(plan__status=value, then=Value(str(label))) for value, label in TrainingPlan.Status.choices],
        default=F("plan__status"),
        output_field=CharField(),
    )


PLAN_COLUMNS = (
    Column(gettext_lazy("Training plan"), "s", "plan__title"),
    Column(gettext_lazy("Status"), "s", _plan_status_label),
    Column(gettext_lazy("Start date"), "s", "plan__start_date"),
    Column(gettext_lazy("Participants"), "n", "participants"),
    Column(gettext_lazy("Linked courses"), "n", "courses"),
    Column(gettext_lazy("Completed"), "n", "completed"),
    Column(gettext_lazy("Completion rate (%)"), "n", _ratio("completed", "expected")),
    Column(gettext_lazy("Average progress (%)"), "n", _ratio("progress_sum", "expected", scale=1.0)),
    Column(gettext_lazy("Overdue"), "n", "overdue"),
    Column(gettext_lazy("Exam takers"), "n", "exam_takers"),
    Column(gettext_lazy("Exam pass rate (%)"), "n", _ratio("exam_passed", "exam_takers")),
    Column(gettext_lazy("Exam average"), "n", _ratio("exam_score_sum", "exam_takers", scale=1.0)),
)


register(
    ExportTable(
        name="plans",
        title=gettext_lazy("Training plans"),
        columns=PLAN_COLUMNS,
        scope=_team_scope,
        rows=_plans_rows,
    )
)


def _owned_plans_rows(*, scope, params: dict) -> QuerySet:
    """The training plans of `/dashboard/courses/`: those the trainer owns (admins: all), over every participant."""
    sort = selectors.parse_plan_sort(params["sort"])
    field = selectors.PLAN_SORTS[sort.lstrip("-")]
    order = [f"-{field}", "-plan_id"] if sort.startswith("-") else [field, "plan_id"]
    qs = selectors.owned_plans(user=scope, search=params["q"], overdue_only=params["overdue"])
    return qs.select_related(None).order_by(*order)


register(
    ExportTable(
        name="owned_plans",
        title=gettext_lazy("Your training plans"),
        columns=PLAN_COLUMNS,
        scope=_trainer_scope,
        rows=_owned_plans_rows,
        team_scoped=False,
    )
)


# --- building the file ---------------------------------------------------------------------------------------


def _batches(qs: QuerySet, advance: Callable[[int], None] | None) -> Iterator[list[Row]]:
    """The rows in lists of PROGRESS_EVERY, read through a server-side cursor; progress written once a list."""
    rows = qs.iterator(chunk_size=CHUNK)
    while batch := list(islice(rows, PROGRESS_EVERY)):
        yield batch
        if advance:
            advance(len(batch))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(batch: list[Row], text_columns: list[int]) -> list[Row]:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe."""
    out = batch
    for n, row in enumerate(batch):
        for i in text_columns:
            v = row[i]
            if v and isinstance(v, str) and v.startswith(_FORMULA_START):
                if out is batch:
                    out = list(batch)
                fixed = list(out[n])
                fixed[i] = "'" + v
                out[n] = fixed
                row = fixed
    return out


class CsvText(Func):
    """PostgreSQL CSV text: a value a spreadsheet would run as a formula (=, +, -, @ first) gets an apostrophe."""

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        text = f"(({sql})::text)"
        risky = "('=', '+', '-', '@', chr(9), chr(13))"
        return f"CASE WHEN left({text}, 1) IN {risky} THEN '''' || {text} ELSE {text} END", [*params, *params, *params]


class _CountingSink:
    """The binary file COPY writes into, counting lines. No query may run on the connection while COPY streams,
    so every PROGRESS_EVERY lines the count goes to `note` (the job's live progress in the shared cache, no
    database write); the job's row is advanced once, when the stream ends."""

    def __init__(self, out, advance, note=None):
        self.out, self.advance, self.note, self.lines = out, advance, note, 0
        self.next_note = PROGRESS_EVERY

    def write(self, data) -> int:
        data = data.encode() if isinstance(data, str) else data
        self.out.write(data)
        self.lines += data.count(b"\n")
        if self.note is not None and self.lines >= self.next_note:
            self.note(self.lines)
            self.next_note = self.lines + PROGRESS_EVERY
        return len(data)

    def close(self) -> None:
        if self.advance and self.lines:
            self.advance(self.lines)


def _copy(out, qs: QuerySet, advance, *, options: str, note=None) -> int:
    """`COPY (the queryset's query) TO STDOUT WITH (options)` into the binary file `out`: PostgreSQL formats and
    streams every row; Python only counts lines (and notes the count as it goes). Returns the number of rows."""
    sql, sql_params = qs.query.sql_with_params()
    sink = _CountingSink(out, advance, note)
    with connection.cursor() as cursor:
        query = cursor.cursor.mogrify(sql, sql_params).decode()
        cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH ({options}, ENCODING 'UTF8')", sink)
        copied = cursor.cursor.rowcount
    sink.close()
    return copied if copied is not None and copied >= 0 else sink.lines


def _csv_copy(out, *, table: ExportTable, scope, params: dict, advance, note=None) -> int:
    """The CSV straight from PostgreSQL, text columns guarded against formulas."""
    values = [
        CsvText(F(v) if isinstance(v, str) else v) if c.kind == "s" else v
        for c, v in zip(table.columns, table._values(), strict=True)
    ]
    qs = table.rows(scope=scope, params=params).values_list(*values)
    return _copy(out, qs, advance, options="FORMAT csv", note=note)


# One rendered <row> per line: XlsxRow output has no newline and none of these two control characters, so CSV
# format never quotes it; the newlines between rows are whitespace the sheet's XML allows.
_XML_ROW_COPY = "FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01'"


def export_write(
    out,
    *,
    table: ExportTable,
    scope,
    params: dict,
    fmt: str,
    advance: Callable[[int], None] | None = None,
    note: Callable[[int], None] | None = None,
) -> int:
    """Write the table's file to the binary file `out`; returns the number of data rows. `advance(n)`: n more rows
    written (between batches, may query); `note(done)`: rows so far, called while a COPY streams (must not
    query: the connection is busy)."""
    header = [str(c.label) for c in table.columns]
    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(header)
        text.flush()
        if connection.vendor == "postgresql":
            text.detach()
            return _csv_copy(out, table=table, scope=scope, params=params, advance=advance, note=note)
        text_columns = [i for i, c in enumerate(table.columns) if c.kind == "s"]
        n = 0
        for batch in _batches(table.values(scope=scope, params=params), advance):
            writer.writerows(_csv_safe(batch, text_columns))
            n += len(batch)
        text.flush()
        text.detach()
        return n
    written = 0
    if connection.vendor == "postgresql":

        def fill(sheet_stream):
            nonlocal written
            written = _copy(
                sheet_stream, table.xlsx_rows(scope=scope, params=params), advance, options=_XML_ROW_COPY, note=note
            )

        write_xlsx(out, sheet=str(table.title), header=header, rows=fill)
        return written
    kinds = [c.kind for c in table.columns]

    def chunks():
        nonlocal written
        for batch in _batches(table.values(scope=scope, params=params), advance):
            written += len(batch)
            yield "".join([row_xml(r, kinds) for r in batch])

    write_xlsx(out, sheet=str(table.title), header=header, rows=chunks())
    return written


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
    """The name the file is stored under: ASCII, by table, scope id and date (never shown as the download name)."""
    return f"{table}-{scope.id}-{timezone.localdate():%Y%m%d}.{fmt}"


# Characters no file name may hold on the common systems (and quotes, which would end a header's value).
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f;]+')
NAME_PART_MAX = 60


def _name_part(text: str) -> str:
    text = _UNSAFE_IN_NAME.sub(" ", str(text))
    return "-".join(text.split())[:NAME_PART_MAX].strip("-.")


def export_download_names(*, table: ExportTable, scope, fmt: str) -> tuple[str, str]:
    """(the download's name, its ASCII fallback): "<table title>-<team name>-<date>.<fmt>" in the language the
    export is built in (a team table names its team; the trainers' tables only the table), and
    "<table>-<date>.<fmt>" for clients that cannot read RFC 5987 names. Never a raw id."""
    day = f"{timezone.localdate():%Y%m%d}"
    parts = [_name_part(table.title)]
    if table.team_scoped and isinstance(scope, Team):
        parts.append(_name_part(scope.name))
    parts.append(day)
    name = "-".join(p for p in parts if p)
    return f"{name}.{fmt}", f"{table.name}-{day}.{fmt}"


def content_disposition(*, filename: str, fallback: str) -> str:
    """An attachment header any browser reads: an ASCII `filename` (the fallback, when the name is not ASCII) and
    the UTF-8 `filename*` of RFC 5987 / RFC 6266."""
    ascii_name = filename if filename.isascii() else fallback
    ascii_name = ascii_name.replace("\\", "_").replace('"', "_")
    header = f'attachment; filename="{ascii_name}"'
    if not filename.isascii():
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def _job_meta(*, table: ExportTable, scope) -> dict:
    """What the export page shows while the job runs and after: the table, and the team it is of (if any)."""
    meta: dict = {"table": table.name}
    if table.team_scoped and isinstance(scope, Team):
        meta |= {"team": scope.id, "team_name": scope.name}
    return meta


def export_page_context(*, job: Job) -> dict:
    """The export page's title and way back: the table's name (in the reader's language), the team's dashboard
    for a team table, else the trainer's dashboard. No query."""
    result = job.result or {}
    table = TABLES.get(result.get("table") or "")
    team_id = result.get("team")
    if team_id:
        back = f"{reverse('dashboards:home')}?team={int(team_id)}"
    elif table is not None and not table.team_scoped:
        back = reverse("dashboards:courses")
    else:
        back = reverse("dashboards:home")
    return {
        "table_title": table.title if table is not None else "",
        "team_name": result.get("team_name") or "",
        "back_url": back,
        "team_dashboard": bool(team_id),
    }


def _table(name) -> ExportTable:
    try:
        return TABLES[name]
    except (KeyError, TypeError):
        raise ValidationError({"table": _("Unknown table. Choose one of: %s.") % ", ".join(TABLES)}) from None


def _work(*, job_id: int, table: ExportTable, scope, params: dict, fmt: str):
    def work(advance):
        with tempfile.TemporaryFile() as tmp:
            rows = export_write(
                tmp,
                table=table,
                scope=scope,
                params=params,
                fmt=fmt,
                advance=advance,
                note=lambda done: job_note_progress(job_id=job_id, done=done),
            )
            tmp.seek(0)
            name = export_filename(table=table.name, scope=scope, fmt=fmt)
            stored = default_storage.save(f"exports/{job_id}/{name}", File(tmp, name=name))
        filename, fallback = export_download_names(table=table, scope=scope, fmt=fmt)
        return {
            **_job_meta(table=table, scope=scope),
            "file": stored,
            "filename": filename,
            "ascii_filename": fallback,
            "format": fmt,
            "rows": rows,
            "message": _("Your file is ready."),
        }

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
    total = spec.rows(scope=scope, params=params).count()  # without the formatted columns
    job = job_create(kind=JOB_KIND, owner=user, total=total)
    Job.objects.filter(id=job.id).update(result=_job_meta(table=spec, scope=scope))
    if total <= settings.DASHBOARD_EXPORT_SYNC_LIMIT:
        run_job(job.id, _work(job_id=job.id, table=spec, scope=scope, params=params, fmt=fmt))
    else:
        enqueue_on_commit(EXPORT_TASK, job_id=job.id, table=spec.name, fmt=fmt, params=params)
    job.refresh_from_db()
    return job


def export_run(*, job_id: int, table: str, fmt: str, params: dict) -> None:
    """The Celery side: the scope is checked again for the job's owner (who may have lost access since)."""
    job = Job.objects.select_related("owner").get(id=job_id)
    spec = _table(table)
    try:
        scope = spec.scope(user=job.owner, params=export_params(params))
    except (Http404, ValidationError):
        job_fail(job_id=job_id, error=_("You can no longer export this table."))
        return
    run_job(job_id, _work(job_id=job_id, table=spec, scope=scope, params=export_params(params), fmt=fmt))


def export_get_for_user(*, user, job_id) -> Job:
    """An export job of the user's (only its owner, or an admin, may poll or download it), else 404."""
    job = job_get_for_user(user=user, job_id=job_id)
    if job.kind != JOB_KIND:
        raise Http404
    return job


# What a finished export is served as, by its extension (not guessed from the machine's mime.types).
EXPORT_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_file_response(job: Job) -> FileResponse:
    """The finished export's file, for the page and the API alike; 404 until it is there."""
    name = (job.result or {}).get("file")
    if job.status != job.Status.DONE or not name or not default_storage.exists(name):
        raise Http404
    stored = name.rsplit("/", 1)[-1]
    filename = (job.result or {}).get("filename") or stored  # files exported before names had titles
    fallback = (job.result or {}).get("ascii_filename") or stored
    content_type = EXPORT_CONTENT_TYPES.get(stored.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    response = FileResponse(
        default_storage.open(name, "rb"), as_attachment=True, filename=fallback, content_type=content_type
    )
    response["Content-Disposition"] = content_disposition(filename=filename, fallback=fallback)
    return response
