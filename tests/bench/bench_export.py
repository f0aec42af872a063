"""Benchmark: dashboard exports of 500,000 rows (target: under 30 s each). PostgreSQL only.

Builds 500,000 salespeople with their PersonStats row (the people and lowest-scores tables), 500,000 overdue
course enrollments (10,000 of them x 50 courses: the overdue-items table) and 20,000 training plans with their
precomputed TeamPlanStats row for the region (the plans table; far more plans than a team takes part in), all with `INSERT ... SELECT
generate_series` (tests/bench/dashboard_data.py). Then runs each export the way the Celery task does (server-side
cursor, temporary file, saved through a FileSystemStorage) and prints its time, size and query count; also
openpyxl's write-only mode on the same rows, for comparison.

    DATABASE_URL=postgres://... .venv/bin/python tests/bench/bench_export.py [ROWS] [--openpyxl]

(`--openpyxl` also times openpyxl's write-only mode on the first 50,000 rows, for comparison.)

Runs against a throw-away test database (created and dropped here), never the configured one.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")


PLAN_ROWS = 20_000


def build(n_rows: int):
    from django.db import connection

    from dashboards.models import PersonStats
    from learning.models import Enrollment
    from tests.bench.dashboard_data import add_plan_rows, build_org, insert_select

    region, _small, manager = build_org(n_rows, 50, enroll=False)
    insert_select(
        PersonStats,
        {
            "user_id": "u.id",
            "team_id": "u.team_id",
            "is_active": "true",
            "enrollments": "50",
            "completed": "floor(random() * 50)::int",
            "overdue": "floor(random() * 10)::int",
            "progress_sum": "floor(random() * 5000)::int",
            "avg_progress": "round((random() * 100)::numeric, 1)",
            "certs_valid": "floor(random() * 5)::int",
            "certs_expiring": "floor(random() * 2)::int",
            "last_activity_at": "now() - random() * interval '30 days'",
            "attempts": "100",
            "passed": "floor(random() * 100)::int",
            "score_sum": "random() * 10000",
            "avg_score": "random() * 100",
            "refreshed_at": "now()",
        },
        "trainees_user u WHERE u.username ~ '^b[0-9]+$'",
    )
    people_per_course = max(1, n_rows // 50)
    insert_select(
        Enrollment,
        {
            "user_id": "u.id",
            "course_id": "c.id",
            "status": "'overdue'",
            "progress": "floor(random() * 100)::int",
            "due_date": "CURRENT_DATE - (1 + floor(random() * 30)::int)",
            "created_at": "now() - interval '60 days'",
            "last_activity_at": "now() - random() * interval '30 days'",
        },
        f"(SELECT id FROM trainees_user WHERE username ~ '^b[0-9]+$' ORDER BY id LIMIT {people_per_course}) u "  # noqa: S608
        "CROSS JOIN (SELECT id FROM courses_course WHERE title LIKE '基准课程%%') c",
    )
    add_plan_rows(region, min(n_rows, PLAN_ROWS))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return region, manager


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner, setup_test_environment

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n_rows = int(args[0]) if args else 500_000
    media = tempfile.mkdtemp(prefix="bench-export-")
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from dashboards import exports
        from lms.models import Job

        print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (2 cores)")
        t0 = time.perf_counter()
        region, manager = build(n_rows)
        print(
            f"build: {time.perf_counter() - t0:.1f} s ({n_rows} people with PersonStats, {n_rows} overdue items, "
            f"{min(n_rows, PLAN_ROWS)} plans)"
        )
        settings.DASHBOARD_EXPORT_SYNC_LIMIT = 10**9  # build in this process, as the Celery task does
        for table in ("people", "overdue", "lowest_scores", "plans"):
            for fmt in ("csv", "xlsx"):
                with CaptureQueriesContext(connection) as ctx:
                    t0, c0 = time.perf_counter(), time.process_time()
                    job = exports.export_start(user=manager, table=table, fmt=fmt, params={"team": region.id})
                    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
                assert job.status == Job.Status.DONE, job.error
                size = os.path.getsize(os.path.join(media, job.result["file"]))
                print(
                    f"export {table} {fmt}: {job.result['rows']} rows in {elapsed:.1f} s "
                    f"({job.result['rows'] / elapsed:,.0f} rows/s), {size / 2**20:.1f} MiB, "
                    f"{len(ctx.captured_queries)} queries; Python CPU {cpu:.1f} s (the rest: database and waiting)"
                )
        if "--openpyxl" in sys.argv:  # the library used before, on the first 50,000 rows (minutes for all)
            import io

            from openpyxl import Workbook

            spec = exports.TABLES["people"]
            params = exports.export_params({"team": region.id})
            sample = min(n_rows, 50_000)
            t0 = time.perf_counter()
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("People")
            for row in spec.values(scope=region, params=params)[:sample].iterator(chunk_size=exports.CHUNK):
                ws.append(row)
            wb.save(io.BytesIO())
            took = time.perf_counter() - t0
            print(
                f"openpyxl write_only, people {sample} rows: {took:.1f} s (x{n_rows / sample:.0f}: {took * n_rows / sample:.0f} s)"
            )
        print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
