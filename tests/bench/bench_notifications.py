"""Benchmark of the reminder pipeline over real enrollments, on PostgreSQL and Redis. Prints figures (and the load
average with each); it is not a pass/fail test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python tests/bench/bench_notifications.py

Environment: N (enrollments, default 100000; 5 per person), FIRING (share of the enrollments put on a day a rule
fires, e.g. 0.5 for a heavy day; default: due dates spread evenly over +-60 days, about 1 in 10 fires), REUSE=1
(keep the enrollments of the last run, empty the outbox only).

1. Generates N `Enrollment` rows with bulk_create (people 1/5 of N in 100 teams with a manager each, 20 courses,
   10% without a due date, 20% completed, 3% unenrolled, 10% of people reading English).
2. Plan and enqueue: every rule of the periodic scan (due in 3 / 1 days, overdue, 7-day escalation, welcome...) over
   the whole set in this process, as `scan_due_reminders` does for a small set; the dispatch is enqueued on Redis.
3. All claimed: 2 real Celery worker processes (`celery -A lms worker`, queues bulk and send) run
   `dispatch_notifications` (claim by conditional UPDATE ... SKIP LOCKED, render each e-mail in the reader's
   language, send through a dummy backend, mark sent) until nothing is due.
4. Replay: the real `scan_due_reminders` fired twice at once, its chunk tasks run by the 2 workers, then a dispatch;
   prints the duplicate keys (must be 0) and how much was written or sent again (must be 0).

The database is a throw-away one: it is migrated, and the notification and enrollment tables are TRUNCATEd.
"""

import datetime as dt
import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SETTINGS = "tests.bench.notifications_bench_settings"
os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
N = int(os.environ.get("N", "100000"))
FIRING = float(os.environ["FIRING"]) if os.environ.get("FIRING") else None
REUSE = os.environ.get("REUSE") == "1"  # keep the last run's enrollments, only empty the outbox
PER_PERSON = 5
TEAMS = 100
COURSES = 20
PREFIX = "nb"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def say(text: str) -> None:
    print(f"{text}  [{load()}]", flush=True)


def setup_django():
    import django

    django.setup()


def prepare_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notifications_notification, notifications_emaildayslot, notifications_notificationpreference, "
            "learning_enrollment RESTART IDENTITY CASCADE"
        )
        cursor.execute(
            "DELETE FROM trainees_team_managers WHERE user_id IN (SELECT id FROM trainees_user WHERE username LIKE %s)",
            [f"{PREFIX}-%"],
        )
        cursor.execute(
            "DELETE FROM trainees_user_groups WHERE user_id IN (SELECT id FROM trainees_user WHERE username LIKE %s)",
            [f"{PREFIX}-%"],
        )
        cursor.execute("DELETE FROM trainees_user WHERE username LIKE %s", [f"{PREFIX}-%"])
        cursor.execute("UPDATE trainees_team SET parent_id = NULL WHERE name LIKE %s", [f"{PREFIX}-%"])
        cursor.execute("DELETE FROM trainees_team WHERE name LIKE %s", [f"{PREFIX}-%"])
        cursor.execute("DELETE FROM courses_course WHERE title LIKE %s", [f"{PREFIX}-%"])


def firing_offsets() -> list[int]:
    """Days from today on which a rule fires for an open enrollment: due in 3 and 1 days, overdue the day after and
    weekly after that, escalation at 7 days."""
    return [3, 1, -7] + [-(1 + 7 * w) for w in range(9)]


def generate(today: dt.date) -> dict:
    from django.contrib.auth.models import Group
    from django.db import connection

    from courses.models import Course
    from learning.models import Enrollment
    from lms.roles import MANAGER
    from trainees.models import User
    from trainees.services import team_create

    rng = random.Random(42)
    root = team_create(name=f"{PREFIX}-root")
    teams = [team_create(name=f"{PREFIX}-team-{i}", parent=root) for i in range(TEAMS)]
    managers = User.objects.bulk_create(
        [User(username=f"{PREFIX}-mgr-{i}", email=f"{PREFIX}-mgr-{i}@example.com", password="!") for i in range(TEAMS)]
    )
    group, _ = Group.objects.get_or_create(name=MANAGER)
    group.user_set.add(*managers)
    for team, manager in zip(teams, managers, strict=True):
        team.managers.add(manager)
    people = N // PER_PERSON
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO trainees_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                is_active, date_joined, display_name, employee_no, phone, job_title, level, language, team_id)
            SELECT '!', false, %s || '-' || i, '', '', %s || '-' || i || '@example.com', false, true,
                now() - interval '60 days', %s || '-' || i, %s || '-' || i, '', '', '',
                CASE WHEN i %% 10 = 0 THEN 'en' ELSE 'zh-hans' END, (%s::int[])[1 + i %% %s]
            FROM generate_series(0, %s - 1) AS i
            """,
            [PREFIX, PREFIX, PREFIX, PREFIX, [t.id for t in teams], TEAMS, people],
        )
    person_ids = list(
        User.objects.filter(username__startswith=f"{PREFIX}-", team__in=teams)
        .order_by("id")
        .values_list("id", flat=True)
    )
    courses = Course.objects.bulk_create(
        [Course(title=f"{PREFIX}-课程{i}", status="published") for i in range(COURSES)]
    )
    fire = firing_offsets()
    now = dt.datetime.now(dt.UTC)
    done, started = Enrollment.Status.COMPLETED, Enrollment.Status.IN_PROGRESS
    rows = []
    for i, uid in enumerate(person_ids):
        for k in range(PER_PERSON):
            if FIRING is not None:
                offset = rng.choice(fire) if rng.random() < FIRING else rng.randint(-60, 60)
                due = today + dt.timedelta(days=offset)
            else:
                due = today + dt.timedelta(days=rng.randint(-60, 60)) if rng.random() < 0.9 else None
            r = rng.random()
            status = done if r < 0.2 else started if r < 0.5 else Enrollment.Status.NOT_STARTED
            rows.append(
                Enrollment(
                    user_id=uid,
                    course_id=courses[(i + 4 * k) % COURSES].id,
                    due_date=due,
                    status=status,
                    progress=100 if status == done else 0,
                    unenrolled_at=now if rng.random() < 0.03 else None,
                )
            )
    Enrollment.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:  # the steady state autovacuum keeps
        for table in (
            "trainees_user",
            "learning_enrollment",
            "notifications_notification",
            "notifications_emaildayslot",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {"people": len(person_ids), "enrollments": len(rows)}


def reset_outbox() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_notification, notifications_emaildayslot RESTART IDENTITY CASCADE")
        cursor.execute("VACUUM ANALYZE notifications_notification")


def purge_queues() -> int:
    from lms.celery import app

    with app.connection_for_write() as conn:
        return sum(conn.default_channel.queue_purge(queue) or 0 for queue in ("bulk", "send"))


def start_workers(log_dir: Path) -> list[subprocess.Popen]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
    procs = []
    for i in range(2):
        log = open(log_dir / f"worker{i}.log", "w")  # noqa: SIM115 - closed with the process
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "lms",
                    "worker",
                    "-Q",
                    "bulk,send",
                    "--pool=solo",
                    f"--hostname=bench{i}@%h",
                    "--loglevel=WARNING",
                    "--without-heartbeat",
                    "--without-mingle",
                    "--without-gossip",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def wait_ready(timeout: float = 120) -> None:
    """Until both workers answer a ping (the first answer comes once they consume)."""
    from lms.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=2.0) or []
        if len(replies) >= 2:
            return
    raise SystemExit("the 2 workers did not start; see var/bench_notifications/worker*.log")


def due_left() -> int:
    from django.db.models import Q
    from django.utils import timezone

    from notifications.models import Notification

    now = timezone.now()
    return Notification.objects.filter(
        Q(status="sending") | Q(status="pending") & (Q(not_before__isnull=True) | Q(not_before__lte=now))
    ).count()


def dispatch_until_done() -> dict:
    """Queue dispatch tasks (each sends up to 50 batches) and wait for them, until nothing due is left."""
    from notifications import conf
    from notifications.tasks import dispatch_notifications

    per_task = 50 * int(conf.get("BATCH_SIZE"))
    totals = {"claimed": 0, "sent": 0, "deferred": 0, "retrying": 0, "failed": 0, "tasks": 0}
    while (left := due_left()) > 0:
        results = [dispatch_notifications.apply_async() for _ in range(max(2, math.ceil(left / per_task) + 1))]
        for r in results:
            for key, value in r.get(timeout=900).items():
                totals[key] += value
        totals["tasks"] += len(results)
    return totals


def chunked_scan(times: int = 2) -> tuple[int, float]:
    """The real periodic task `scan_due_reminders`, `times` at once (beat firing twice): it queues one chunk task per
    id range of each rule; wait until the 2 workers have run them all. Returns (chunk tasks, seconds)."""
    from notifications import tasks

    queued = []
    original = tasks.run_rule_chunk.apply_async

    def collect(*args, **kwargs):
        result = original(*args, **kwargs)
        queued.append(result)
        return result

    tasks.run_rule_chunk.apply_async = collect
    t = time.perf_counter()
    try:
        for _ in range(times):
            tasks.scan_due_reminders()
        for r in queued:
            r.get(timeout=900)
    finally:
        tasks.run_rule_chunk.apply_async = original
    return len(queued), time.perf_counter() - t


def main() -> None:
    setup_django()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from learning.models import Enrollment
    from notifications import rules
    from notifications.models import Notification

    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the bench runs on the real servers.")
    log_dir = ROOT / "var" / "bench_notifications"
    log_dir.mkdir(parents=True, exist_ok=True)
    if REUSE:
        reset_outbox()
        say(f"reusing the {Enrollment.objects.count()} enrollments of the last run; outbox emptied")
    else:
        prepare_database()
        t = time.perf_counter()
        made = generate(timezone.localdate())
        say(
            f"setup: {made['enrollments']} enrollments (bulk_create) of {made['people']} people in "
            f"{time.perf_counter() - t:.1f} s; due dates "
            f"{'spread over +-60 days' if FIRING is None else f'{FIRING:.0%} on a firing day'}"
        )

    # 2. Plan and enqueue: every scan rule over the whole set, in this process; the dispatch goes to Redis.
    purge_queues()
    Notification.objects.exists()  # connect, and load the URL map (the rules reverse links), before the clock starts:
    reverse("learning:my_learning")  # a long-lived worker has done both long before a scan
    scan = rules.rules_in(rules.SCAN)
    t = time.perf_counter()
    per_rule = []
    for rule in scan:
        t1 = time.perf_counter()
        rules.run_rule(rule.name)
        per_rule.append(f"{rule.name} {time.perf_counter() - t1:.2f} s")
    plan_s = time.perf_counter() - t
    planned = Notification.objects.count()
    by_kind = dict(Notification.objects.values_list("kind").annotate(n=Count("id")).order_by())
    pending = Notification.objects.filter(status="pending").count()
    enqueued = purge_queues()  # the timed dispatch below starts from an empty queue
    say(
        f"plan and enqueue: {planned} notifications ({pending} e-mails pending, {enqueued} dispatch tasks queued) "
        f"in {plan_s:.2f} s"
    )
    print(f"  per rule: {'; '.join(per_rule)}")
    print(f"  by kind: {by_kind}")

    # 3. All claimed by 2 real Celery workers on Redis.
    workers = start_workers(log_dir)
    try:
        wait_ready()
        say("2 workers ready")
        t = time.perf_counter()
        totals = dispatch_until_done()
        claim_s = time.perf_counter() - t
        say(
            f"all claimed and delivered by 2 Celery workers: {totals['claimed']} claimed, {totals['sent']} sent, "
            f"{totals['deferred']} deferred to tomorrow (one e-mail per kind per person per day), "
            f"{totals['failed']} failed, in {claim_s:.2f} s ({totals['tasks']} dispatch tasks)"
        )

        # 4. Replay: the periodic scan fired twice at once, through the workers, then a dispatch.
        before = Notification.objects.count()
        chunks, replay_s = chunked_scan(times=2)
        again = dispatch_until_done()
        dupes = (
            Notification.objects.values("recipient_id", "kind", "subject", "occasion")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        say(
            f"replay (scan_due_reminders twice at once: {chunks} chunk tasks on 2 workers) in {replay_s:.2f} s: "
            f"duplicate keys {dupes}, new rows {Notification.objects.count() - before}, "
            f"sent again {again['sent']}"
        )
    finally:
        stop_workers(workers)


if __name__ == "__main__":
    main()
