"""Benchmark: the manager dashboard at scale (issue 7's dataset). Builds on PostgreSQL 10,000 salespeople x 50
courses = 500,000 enrollments and 1,000,000 graded quiz attempts (INSERT ... SELECT generate_series, see
tests/bench/dashboard_data.py), precomputes the figures (stats repair + quiz columns), then prints the dashboard
page's and API's p50/p95 server time (Django test client), their query count, and the time of the bare SQL those
requests run (re-executed straight on the cursor), so the ratio shows our overhead over the database's own cost.
Also the time of the exports of the dataset's tables. Prints the load average (the machine is shared).

    DATABASE_URL=postgres://... .venv/bin/python tests/bench/bench_dashboard.py [PEOPLE] [COURSES] [REQUESTS] [ATTEMPTS]

Runs against a throw-away test database (created and dropped here), never the configured one; 127.0.0.1 only.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def time_requests(client, url, n):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return times, [q["sql"] for q in ctx.captured_queries]


def time_bare_sql(sqls, n):
    from django.db import connection

    times = []
    with connection.cursor() as cur:
        for _ in range(n):
            t0 = time.perf_counter()
            for sql in sqls:
                cur.execute(sql)
                cur.fetchall()
            times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner, setup_test_environment

    n_people = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    n_courses = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    n_requests = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        from django.test import Client
        from rest_framework.test import APIClient

        from dashboards import exports, services
        from tests.bench.dashboard_data import add_attempts, add_plans, build_org, precompute
        from trainees.models import User

        n_attempts = int(sys.argv[4]) if len(sys.argv) > 4 else 1_000_000
        print(f"load before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared)")
        t0 = time.perf_counter()
        region, small, manager = build_org(n_people, n_courses)
        t1 = time.perf_counter()
        made = add_attempts(n_attempts)
        plan_enrollments = add_plans()
        t2 = time.perf_counter()
        steps = precompute()
        t3 = time.perf_counter()
        services.stats_refresh_people(user_ids=list(User.objects.order_by("id").values_list("id", flat=True)[:1000]))
        t4 = time.perf_counter()
        print(
            f"dataset: {n_people} people x {n_courses} courses = {n_people * n_courses} enrollments, "
            f"{made} quiz attempts, 101 teams, 10 plans x 5 linked courses ({plan_enrollments} participants)"
        )
        print(
            f"build: people+enrollments {t1 - t0:.1f} s, attempts {t2 - t1:.1f} s; precompute {t3 - t2:.1f} s "
            f"(repair {steps['repair']:.1f} s, quiz figures {steps['quiz']:.1f} s, teams {steps['teams']:.1f} s, "
            f"plans alone {steps['plans']:.2f} s); "
            f"refresh of 1,000 people: {t4 - t3:.2f} s"
        )
        # The trainers' figures (OwnerStats): a trainer owning every course and plan, refreshed as the repair does.
        from courses.models import Course, TrainingPlan
        from tests.factories import make_trainer

        trainer = make_trainer(username="bench-trainer")
        trainer.owned_courses.set(Course.objects.all())
        trainer.owned_plans.set(TrainingPlan.objects.all())
        t0, c0 = time.perf_counter(), time.process_time()
        owners = services.stats_refresh_owners()
        services.stats_snapshot_owners()
        print(
            f"trainer figures (stats_refresh_owners, {owners} rows over {n_courses} courses): "
            f"{time.perf_counter() - t0:.2f} s (Python CPU {time.process_time() - c0:.2f} s)"
        )
        trainer_client = Client()
        trainer_client.force_login(trainer)
        trainer_api = APIClient()
        trainer_api.force_authenticate(trainer)
        client = Client()
        client.force_login(manager)
        api = APIClient()
        api.force_authenticate(manager)
        cases = [
            ("page /dashboard/ (10,000 people)", client, f"/dashboard/?team={region.id}"),
            ("page /dashboard/ (100 people)", client, f"/dashboard/?team={small.id}"),
            ("page people sorted by name, overdue only", client, f"/dashboard/?team={region.id}&sort=name&overdue=1"),
            ("API teams/<id>/", api, f"/api/v1/dashboards/teams/{region.id}/"),
            ("API teams/<id>/people/", api, f"/api/v1/dashboards/teams/{region.id}/people/?sort=-progress"),
            ("API teams/<id>/plans/", api, f"/api/v1/dashboards/teams/{region.id}/plans/?sort=-participants"),
            ("page /dashboard/courses/ (trainer of every course)", trainer_client, "/dashboard/courses/"),
            ("API dashboards/trainer/", trainer_api, "/api/v1/dashboards/trainer/"),
        ]
        for label, c, url in cases:
            c.get(url)  # warm up
            times, sqls = time_requests(c, url, n_requests)
            bare = time_bare_sql(sqls, n_requests)
            print(
                f"{label}: p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms, {len(sqls)} queries; "
                f"bare SQL p50 {pct(bare, 50):.1f} ms, p95 {pct(bare, 95):.1f} ms; "
                f"overhead x{pct(times, 50) / max(pct(bare, 50), 0.01):.1f}"
            )
            if os.environ.get("BENCH_SQL_DETAIL"):  # the slowest statement of the request, to see where SQL time goes
                slowest = max(sqls, key=lambda sql: pct(time_bare_sql([sql], 5), 50))
                print(f"  slowest: {pct(time_bare_sql([slowest], 5), 50):.1f} ms: {slowest[:400]}")
        settings.DASHBOARD_EXPORT_SYNC_LIMIT = 10**9  # built in this process, as the Celery task does
        for table in ("people", "overdue", "lowest_scores", "plans"):
            for fmt in ("csv", "xlsx"):
                t0, c0 = time.perf_counter(), time.process_time()
                job = exports.export_start(user=manager, table=table, fmt=fmt, params={"team": region.id})
                print(
                    f"export {table} {fmt}: {job.result.get('rows')} rows in {time.perf_counter() - t0:.2f} s "
                    f"(Python CPU {time.process_time() - c0:.2f} s)"
                )
        print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
