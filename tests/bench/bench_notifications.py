"""Benchmark of the notification pipeline: plan 100,000 notifications set-based, claim them with 2 worker processes,
replay everything, count duplicates. Prints figures; it is not a pass/fail test.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench .venv/bin/python tests/bench/bench_notifications.py
    (SQLite when DATABASE_URL is unset; N=20000 to try a smaller set)

Enrollment does not exist on this branch, so the rule benched is a synthetic one with the shape of the real ones
("due in 3 days" over a set): one notification per recipient row, 100,000 users standing in for 100,000
enrollments. The database is a throw-away one: its tables are dropped and re-created (migrate) first.
Sending is a no-op backend (locmem); what is measured is planning, claiming and the bookkeeping around each send.
"""

import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
N = int(os.environ.get("N", "100000"))


def setup_django():
    import django

    django.setup()


def prepare_database():
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db["NAME"] = str(ROOT / "var" / "bench_notifications.sqlite3")
        Path(db["NAME"]).parent.mkdir(exist_ok=True)
        Path(db["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)


def create_people(n: int) -> None:
    from django.db import connection

    from trainees.models import User

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM trainees_notification WHERE subject LIKE 'bench:%%'")
        cursor.execute(
            "DELETE FROM trainees_emaildayslot WHERE user_id IN "
            "(SELECT id FROM trainees_user WHERE username LIKE 'bench%%')"
        )
        cursor.execute("DELETE FROM trainees_user WHERE username LIKE 'bench%%'")
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                INSERT INTO trainees_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                    is_active, date_joined, display_name, phone, job_title, level, language)
                SELECT '!', false, 'bench' || i, '', '', 'bench' || i || '@example.com', false, true,
                    '2026-11-24 02:00:00+00', 'bench' || i, '', '', '', 'zh-hans'
                FROM generate_series(0, %s - 1) AS i
                """,
                [n],
            )
            return
    batch = 10000
    for start in range(0, n, batch):
        User.objects.bulk_create(
            [
                User(username=f"bench{i}", email=f"bench{i}@example.com", password="!")
                for i in range(start, min(start + batch, n))
            ]
        )


def synthetic_rule(*, now, id_range=None):
    """Like rule_due_soon: the whole matching set planned in one INSERT ... SELECT (preferences, address and quiet
    hours decided in SQL), minus the rows already notified."""
    from django.db.models import F

    from trainees.models import User
    from trainees.notifications import rules
    from trainees.notifications.services import notify_from_query

    source = rules.in_range(User.objects.filter(username__startswith="bench"), id_range)
    source = rules.not_yet_notified(
        source, kind="due_soon", occasion="d3:2026-11-27", recipient="id", subject_prefix="bench:"
    )
    return notify_from_query(
        source=source,
        kind="due_soon",
        recipient="id",
        subject=rules.subject_of("bench:"),
        occasion="d3:2026-11-27",
        context={"title": F("display_name"), "days": 3, "due_date": "2026-11-27"},
        now=now,
    )


def claim_worker(now_iso: str, counter, deliver: bool) -> None:
    """One worker process: claim (and, with deliver, send and mark) batches until nothing is left."""
    import datetime as dt
    import uuid

    setup_django()
    from django.test.utils import override_settings

    from trainees.notifications import services

    now = dt.datetime.fromisoformat(now_iso)
    total = 0
    with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}):
        while True:
            if deliver:
                claimed = services.dispatch_batch(now=now, limit=200).claimed
            else:
                claimed = services.claim_batch(token=uuid.uuid4(), now=now, limit=1000)
            total += claimed
            if not claimed:
                break
    with counter.get_lock():
        counter.value += total


def run_workers(now, *, deliver: bool) -> tuple[int, float]:
    counter = mp.Value("i", 0)
    t = time.perf_counter()
    ctx = mp.get_context("fork")
    workers = [ctx.Process(target=claim_worker, args=(now.isoformat(), counter, deliver)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return counter.value, time.perf_counter() - t


def main() -> None:
    import datetime as dt
    import zoneinfo

    setup_django()
    from django.db import connection, transaction
    from django.db.models import Count

    from trainees.notifications import channels, emails, rules, services  # noqa: F401 - loaded before the workers fork
    from trainees.notifications.models import Notification

    prepare_database()
    print(f"database: {connection.vendor}, recipients/items: {N}")
    t = time.perf_counter()
    create_people(N)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the steady state autovacuum keeps: no dead rows from the last run
            for table in ("trainees_user", "trainees_notification", "trainees_emaildayslot"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"setup: {N} people in {time.perf_counter() - t:.1f} s")

    now = dt.datetime(2026, 11, 24, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))  # outside quiet hours
    rules.RULES.clear()
    rules.register_rule("bench_due_soon", synthetic_rule)
    enqueued = []
    services.enqueue_dispatch = lambda countdown=None: enqueued.append(1) or True  # count, don't run, the enqueues

    t = time.perf_counter()
    with transaction.atomic():
        planned = rules.run_rule("bench_due_soon", now=now)
    plan_s = time.perf_counter() - t
    rows = Notification.objects.count()
    print(f"plan and enqueue: {planned} planned, {rows} rows, {len(enqueued)} dispatch enqueue(s) in {plan_s:.2f} s")

    connection.close()
    claimed, claim_s = run_workers(now, deliver=False)
    print(f"all claimed by 2 worker processes (conditional UPDATE, batches of 1000): {claimed} in {claim_s:.2f} s")

    # Delivery (render both parts in the person's language, sign the unsubscribe link, send, mark) on a sample.
    sample = int(os.environ.get("DELIVER_SAMPLE", "3000"))
    keep = (
        Notification.objects.filter(subject__startswith="bench:").order_by("id").values_list("id", flat=True)[:sample]
    )
    Notification.objects.filter(id__in=list(keep)).update(status=Notification.Status.PENDING, claim_token=None)
    connection.close()
    delivered, deliver_s = run_workers(now, deliver=True)
    print(
        f"delivered with 2 worker processes: {delivered} in {deliver_s:.2f} s "
        f"({delivered / deliver_s:.0f}/s; all {N} would take about {N / max(delivered / deliver_s, 1):.0f} s)"
    )

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # autovacuum analyzes a table after such an insert
            cursor.execute("ANALYZE trainees_notification")
    t = time.perf_counter()
    with transaction.atomic():
        rules.run_rule("bench_due_soon", now=now)  # replay: beat fired again
    replay_s = time.perf_counter() - t
    dupes = (
        Notification.objects.values("recipient_id", "kind", "subject", "occasion")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    again = services.claim_batch(token=__import__("uuid").uuid4(), now=now, limit=1000)
    print(f"replay: {replay_s:.2f} s, duplicate keys after replay: {dupes}, claimable again after replay: {again}")
    print(f"rows now: {Notification.objects.count()} (expected {N})")


if __name__ == "__main__":
    main()
