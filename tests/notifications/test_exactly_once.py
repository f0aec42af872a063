"""Exactly once on the real servers: PostgreSQL for the concurrent cases, Redis plus a real Celery worker process for
the broker cases. They skip only when DATABASE_URL / REDIS_URL are not set (CI sets both)."""

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone

from lms.celery import app as celery_app
from notifications import rules, services, tasks
from notifications.models import Notification
from notifications.services import Spec, notify_many
from tests.factories import UserFactory
from tests.notifications.conftest import needs_postgres, needs_redis

ROOT = Path(__file__).resolve().parents[2]
Status = Notification.Status


def run_together(n: int, fn) -> list:
    """Run fn in n threads released at the same instant; each thread has its own DB connection."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def target():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def daily_rule(*, now, id_range=None):
    from trainees.models import User

    ids = rules.in_range(User.objects.all(), id_range).values_list("id", flat=True)
    day = timezone.localtime(now).date().isoformat()
    return notify_many(specs=(Spec(recipient_id=i, kind="test", subject="daily", occasion=day) for i in ids), now=now)


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_write_each_key_once(isolated_rules, day_time):
    users = UserFactory.create_batch(40)
    rules.register_rule("daily", daily_rule)
    run_together(3, lambda: tasks.scan_due_reminders(day_time.isoformat()))
    keys = Counter(Notification.objects.filter(kind="test").values_list("recipient_id", "subject", "occasion"))
    assert len(keys) == len(users) and set(keys.values()) == {1}


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_each_row_once(day_time, mailoutbox, monkeypatch):
    monkeypatch.setattr(services, "enqueue_dispatch", lambda countdown=None: True)  # the threads do the sending
    users = UserFactory.create_batch(120)
    notify_many(specs=[Spec(recipient_id=u.id, kind="test", subject="x") for u in users], now=day_time)
    with_limit = lambda: services.dispatch_all(now=day_time).sent  # noqa: E731
    sent = run_together(2, with_limit)
    assert sum(sent) == len(users)
    assert Notification.objects.filter(status=Status.SENT).count() == len(users)
    ids = Counter(m.extra_headers["X-LMS-Notifications"] for m in mail.outbox)
    assert len(ids) == len(users) and set(ids.values()) == {1}


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_notify_of_one_key_makes_one_row(sales_a):
    results = run_together(4, lambda: services.notify(recipient=sales_a, kind="test", subject="race")[1])
    assert sorted(results) == [False, False, False, True]
    assert Notification.objects.filter(subject="race").count() == 1


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_day_slot_batches_in_opposite_orders_do_not_deadlock(day_time):
    """Regression (quiet bench run): two workers took overlapping day-slot keys in different orders (each process
    iterates a set in its own hash order) and deadlocked on the unique index. The keys are now inserted in order.

    Here the orders are opposite on purpose: without the sorting, thread one holds the low keys while waiting for the
    high ones that thread two holds while waiting for the low ones, every round. Each round is one transaction per
    thread, released at the same instant; a deadlock surfaces as an OperationalError in `run_together`."""
    import queue
    import uuid

    from notifications.models import EmailDaySlot

    users = UserFactory.create_batch(10)
    keys = [(u.id, f"kind{k:02d}") for u in users for k in range(60)]  # 600 keys
    first, second = keys[:450], keys[150:][::-1]  # 300 shared keys, taken ascending by one and descending by two
    for round_no in range(8):
        day = day_time.date() + dt.timedelta(days=round_no)
        work = queue.SimpleQueue()
        work.put(first)
        work.put(second)

        def take(day=day, work=work):
            token = uuid.uuid4()
            with transaction.atomic():
                held = services._take_day_slots(keys=work.get(), day=day, token=token, now=day_time)
                time.sleep(0.05)  # hold the locks a moment, as a worker does while it sends
            return held

        held_one, held_two = run_together(2, take)
        assert not held_one & held_two
        assert held_one | held_two == set(keys)
        per_key = Counter(EmailDaySlot.objects.filter(day=day).values_list("user_id", "kind"))
        assert len(per_key) == len(keys) and set(per_key.values()) == {1}


# --- real Redis, real worker processes ------------------------------------------------------------------------------


def _db_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def broker(tmp_path, settings):
    """Producer on real Redis (no eager mode), clean queues, and a factory for worker processes."""
    import redis

    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "QUIET_HOURS": ("00:00", "00:00")}  # any hour will do

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in ("celery", "bulk", "send", "unacked", "unacked_index", "unacked_mutex"):
        client.delete(key)
    saved = celery_app.conf.task_always_eager
    celery_app.conf.update(task_always_eager=False)
    workers = []
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()

    def start_worker(*extra: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "DATABASE_URL": _db_url(),
            "NOTIFY_MAIL_DIR": str(mail_dir),
        }
        log = open(tmp_path / f"worker{len(workers)}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lms",
                "worker",
                "-Q",
                "celery,bulk,send",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        workers.append((proc, log))
        return proc

    yield start_worker, mail_dir, tmp_path
    for proc, log in workers:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        log.close()
    celery_app.conf.update(task_always_eager=saved)
    for key in ("celery", "bulk", "send", "unacked", "unacked_index", "unacked_mutex"):
        client.delete(key)


def wait_for(check, *, what: str, tmp_path: Path, timeout: float = 90.0):
    """Poll (5 times a second) until check() holds; on timeout, fail with the workers' logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{logs(tmp_path)}")


def mails_per_notification(mail_dir: Path) -> Counter:
    counts = Counter()
    for f in mail_dir.glob("mail-*.eml"):
        for nid in f.name.split("-")[1].split(","):
            counts[int(nid)] += 1
    return counts


def logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(tmp_path.glob("worker*.log")))


@needs_postgres
@needs_redis
@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_leaves_each_notification_sent_once(broker):
    start_worker, mail_dir, tmp_path = broker
    (mail_dir / "block").write_text("1")
    users = [UserFactory() for _ in range(2)] + [UserFactory(email="victim@example.com")]
    users += [UserFactory() for _ in range(3)]
    first = start_worker("--pool=solo")
    wait_for(lambda: "ready." in logs(tmp_path), what="worker ready", tmp_path=tmp_path)
    # Committing the set queues one dispatch task on Redis (on_commit); it is the only task in this test.
    notify_many(specs=[Spec(recipient_id=u.id, kind="test", subject="kill") for u in users])
    wait_for(lambda: (mail_dir / "reached").exists(), what="the victim's send", tmp_path=tmp_path)
    os.killpg(first.pid, signal.SIGKILL)  # dies holding claimed rows and an unacknowledged task
    first.wait(timeout=30)
    assert Notification.objects.filter(subject="kill", status=Status.SENDING).exists()
    assert Notification.objects.filter(subject="kill", status=Status.SENT).count() == 2

    start_worker("--pool=solo")  # no new task: the killed one comes back from Redis (acks_late)
    wait_for(
        lambda: Notification.objects.filter(subject="kill", status=Status.SENT).count() == len(users),
        what="all sent",
        tmp_path=tmp_path,
    )
    received = [
        re.findall(r"Task (\S+\[[0-9a-f-]+\]) received", p.read_text()) for p in sorted(tmp_path.glob("w*.log"))
    ]
    assert received[0] and received[0][0] in received[1]  # the same task, redelivered
    counts = mails_per_notification(mail_dir)
    ids = set(Notification.objects.filter(subject="kill").values_list("id", flat=True))
    assert set(counts) == ids and set(counts.values()) == {1}


@needs_postgres
@needs_redis
@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_beat_firing_twice_through_redis_delivers_once(broker):
    start_worker, mail_dir, tmp_path = broker
    users = UserFactory.create_batch(15)  # just joined: the welcome rule is due for each
    for _ in range(2):  # beat fires twice: two scans and two dispatches in the queues at once
        tasks.scan_due_reminders.apply_async(retry=False)
        tasks.dispatch_notifications.apply_async(retry=False)
    start_worker("--pool=threads", "--concurrency=4")
    wait_for(
        lambda: Notification.objects.filter(kind="welcome", status=Status.SENT).count() == len(users),
        what="welcomes sent",
        tmp_path=tmp_path,
    )
    wait_for(lambda: logs(tmp_path).count("succeeded in") >= 4, what="all four tasks done", tmp_path=tmp_path)
    assert Notification.objects.filter(kind="welcome").count() == len(users)
    counts = mails_per_notification(mail_dir)
    assert len(counts) == len(users) and set(counts.values()) == {1}


@needs_postgres
@needs_redis
@pytest.mark.postgres
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_task_retried_after_smtp_failure_sends_once(broker, sales_a):
    """The same dispatch task delivered again (a retry after a failed send) finds the row already sent."""
    start_worker, mail_dir, tmp_path = broker
    n, _ = services.notify(recipient=sales_a, kind="test", subject="retry")
    Notification.objects.filter(pk=n.pk).update(attempts=1, last_error="SMTPException: 421 try later")
    start_worker("--pool=solo")
    for _ in range(3):
        tasks.dispatch_notifications.apply_async(retry=False)
    wait_for(lambda: Notification.objects.get(pk=n.pk).status == Status.SENT, what="sent", tmp_path=tmp_path)
    wait_for(lambda: logs(tmp_path).count("succeeded") >= 3, what="3 dispatches", tmp_path=tmp_path)
    n.refresh_from_db()
    assert n.attempts == 2 and n.last_error == ""
    assert mails_per_notification(mail_dir) == Counter({n.id: 1})
