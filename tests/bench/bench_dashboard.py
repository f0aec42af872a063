"""Benchmark: the manager dashboard at scale. Builds N people x C courses on PostgreSQL (COPY), runs the
stats repair, then prints the dashboard page's and API's p50/p95 server time (Django test client), their query
count, and the time of the bare SQL those requests run (re-executed straight on the cursor), so the ratio shows
our overhead over the database's own cost.

    DATABASE_URL=postgres://... .venv/bin/python tests/bench/bench_dashboard.py [PEOPLE] [COURSES] [REQUESTS]

Runs against a throw-away test database (created and dropped here), never the configured one.
"""

import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def build(n_people: int, n_courses: int):
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from courses.models import Course
    from trainees.models import Team, User
    from trainees.services import team_create

    rng = random.Random(7)
    region = team_create(name="基准大区", parent=None, kind="region")
    teams = []
    for d in range(10):
        dept = team_create(name=f"部门{d}", parent=region, kind="department")
        teams += [team_create(name=f"团队{d}-{t}", parent=dept, kind="team") for t in range(10)]
    manager = User.objects.create_user("bench-manager", password="x", display_name="基准经理", team=region)
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])
    region.managers.add(manager)
    small = teams[0]
    courses = Course.objects.bulk_create(
        [Course(title=f"基准课程{i}", status=Course.Status.PUBLISHED) for i in range(n_courses)]
    )
    User.objects.bulk_create(
        [
            User(username=f"b{i}", employee_no=f"B{i:06d}", display_name=f"员工{i}", team=teams[i % len(teams)])
            for i in range(n_people)
        ],
        batch_size=5000,
    )
    user_ids = list(User.objects.filter(username__startswith="b").exclude(id=manager.id).values_list("id", flat=True))
    now = timezone.now()
    today = timezone.localdate()
    buf = io.StringIO()
    states = ["not_started", "in_progress", "completed", "overdue"]
    for uid in user_ids:
        for c in courses:
            s = rng.choice(states)
            prog = 100 if s == "completed" else rng.randint(0, 99)
            due = (today.toordinal() + rng.randint(-30, 60)) if rng.random() < 0.5 else None
            due_s = __import__("datetime").date.fromordinal(due).isoformat() if due else "\\N"
            done = now.isoformat() if s == "completed" else "\\N"
            buf.write(f"{uid}\t{c.id}\t{s}\t{prog}\t{due_s}\t{now.isoformat()}\t{done}\t{now.isoformat()}\n")
    buf.seek(0)
    with connection.cursor() as cur:
        cur.cursor.copy_expert(
            "COPY trainees_enrollment (user_id, course_id, status, progress, due_date, created_at, completed_at,"
            " last_activity_at) FROM STDIN",
            buf,
        )
    return region, small, manager, Team


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

        from trainees.dashboards import exports, services

        t0 = time.perf_counter()
        region, small, manager, _Team = build(n_people, n_courses)
        t1 = time.perf_counter()
        services.stats_repair()
        t2 = time.perf_counter()
        from trainees.models import User

        services.stats_refresh_people(user_ids=list(User.objects.order_by("id").values_list("id", flat=True)[:1000]))
        t3 = time.perf_counter()
        print(f"dataset: {n_people} people x {n_courses} courses = {n_people * n_courses} enrollments, 101 teams")
        print(
            f"build (COPY): {t1 - t0:.1f} s; full stats repair: {t2 - t1:.2f} s; refresh of 1,000 people: {t3 - t2:.2f} s"
        )
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
        for fmt in ("csv", "xlsx"):
            t0 = time.perf_counter()
            data = exports.export_build(team=region, fmt=fmt)
            print(f"export {fmt} of {n_people} people: {time.perf_counter() - t0:.2f} s, {len(data) // 1024} KiB")
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
