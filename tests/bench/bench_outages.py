"""Outage drill: Redis stopped, then PostgreSQL restarted, while the weekday-morning Locust mix runs. Prints figures.

    .venv/bin/python tests/bench/bench_outages.py [--users 15] [--fresh] [--clean]

It runs everything on 127.0.0.1 and never touches the shared servers: its OWN PostgreSQL cluster (initdb into
/tmp/load_pg as the postgres account, port 5440; kept between runs so the demo data is seeded once: --fresh
re-creates it, --clean removes it afterwards) and its OWN redis-server (port 6390, append-only file in a temporary
folder), plus gunicorn and a Celery worker with beat. Every process is stopped at the end, also on failure.

Timeline (seconds after Locust starts; the run lasts --run seconds):
  --redis-at     Redis stopped (SIGTERM) for --redis-down seconds. Meanwhile the bench, as a trainer, enrolls
                 five new people one by one (each gets a "new learning task" e-mail) and a whole new team above
                 ENROLLMENT_SYNC_LIMIT (a background job). Expected: every request answers as usual (0 failed);
                 the job and the e-mails go out after Redis is back, each e-mail exactly once.
  --pg-at        PostgreSQL stopped (fast shutdown) for --pg-down seconds, then started. Meanwhile the bench tries
                 one more enrollment. Expected: requests answer 503 with the message (no 500, no hang), the
                 enrollment tried is either absent or whole, and requests succeed again once PostgreSQL is up
                 without restarting anything (recovery time = last failure after PostgreSQL is back).
Afterwards: no partial quiz attempt (every attempt has all its items; every graded attempt its area scores).
"""

import argparse
import collections
import http.cookiejar
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.bench_weekday import prepare_accounts, run_locust  # noqa: E402
from tests.bench.servers import (  # noqa: E402
    PrivatePostgres,
    PrivateRedis,
    django_setup,
    ensure_database,
    python_env,
    start_celery,
    start_gunicorn,
    stop,
    uptime_load,
)

PG_DIR, PG_PORT = Path("/tmp/load_pg"), 5440  # noqa: S108 - the brief's fixed location
REDIS_PORT = 6390
TEAM_SIZE, SINGLES = 8, 5


class Trainer:
    """The bench's own browser: a trainer's session posting the enrollment form."""

    def __init__(self, host: str, account: dict):
        self.host, self.csrf = host, account["csrf"]
        jar = http.cookiejar.CookieJar()
        for name, value in (("sessionid", account["session"]), ("csrftoken", account["csrf"])):
            jar.set_cookie(
                http.cookiejar.Cookie(
                    0,
                    name,
                    value,
                    None,
                    False,
                    "127.0.0.1",
                    False,
                    False,
                    "/",
                    True,
                    False,
                    None,
                    False,
                    None,
                    None,
                    {},
                )
            )
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())

    def enroll(self, data: dict) -> tuple[int, float]:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(  # noqa: S310 - our own 127.0.0.1 server
            f"{self.host}/enrollments/new/", data=body, headers={"X-CSRFToken": self.csrf, "Referer": self.host}
        )
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = 0
        return status, (time.monotonic() - started) * 1000


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def make_people(stamp: str) -> dict:
    """New people with e-mail addresses: SINGLES to enroll one by one, a new team of TEAM_SIZE for the bulk job,
    and one to enroll while PostgreSQL is down."""
    from courses.models import Course
    from lms.roles import SALESPERSON, TRAINER
    from trainees import services as people
    from trainees.models import User

    def person(name: str, team=None) -> User:
        user = User.objects.create(
            username=name, email=f"{name}@example.com", display_name=name, team=team, language="zh-hans"
        )
        people.user_set_roles(user=user, roles={SALESPERSON})
        return user

    trainer = User.objects.filter(groups__name=TRAINER).order_by("username").first()
    course = Course.objects.filter(owners=trainer, status="published").order_by("id").first() or (
        Course.objects.filter(owners=trainer).order_by("id").first()
    )
    team = people.team_create(name=f"停机演练{stamp}")
    singles = [person(f"outage{stamp}s{i}") for i in range(SINGLES)]
    members = [person(f"outage{stamp}t{i}", team) for i in range(TEAM_SIZE)]
    during_pg = person(f"outage{stamp}p")
    return {
        "course": course.id,
        "team": team.id,
        "singles": [u.username for u in singles],
        "single_ids": [u.id for u in singles],
        "member_ids": [u.id for u in members],
        "during_pg": during_pg.id,
        "during_pg_name": during_pg.username,
    }


def wait_until(deadline: float) -> None:
    time.sleep(max(0.0, deadline - time.time()))


def analyse(log: Path, windows: dict) -> dict:
    rows = []
    for line in log.read_text(encoding="utf-8").splitlines() if log.exists() else []:
        head, status, message, ms = line.rsplit(",", 3)
        when, name = head.split(",", 1)
        rows.append((float(when), name, int(status), message, float(ms)))

    def failed(status: int) -> bool:
        return status == 0 or status >= 400

    out = {"requests": len(rows)}
    r0, r1 = windows["redis"]
    in_redis = [r for r in rows if r0 <= r[0] <= r1]
    out["redis_requests"] = len(in_redis)
    out["redis_failed"] = sum(failed(r[2]) for r in in_redis)
    p0, p_up = windows["pg"]
    in_pg = [r for r in rows if p0 - 1 <= r[0] <= p_up + 60]
    out["pg_requests"] = len(in_pg)
    out["pg_503"] = sum(r[2] == 503 for r in in_pg)
    out["pg_503_with_message"] = sum(r[2] == 503 and r[3] == "1" for r in in_pg)
    out["pg_other_failures"] = collections.Counter(r[2] for r in in_pg if failed(r[2]) and r[2] != 503)
    out["first_ok_after_up_s"] = min(
        (r[0] + r[4] / 1000 - p_up for r in in_pg if r[0] >= p_up and not failed(r[2])), default=float("nan")
    )
    last_failure = max((r[0] + r[4] / 1000 for r in in_pg if failed(r[2])), default=None)
    out["recovery_s"] = max(0.0, last_failure - p_up) if last_failure else 0.0
    out["pg_slowest_ms"] = max((r[4] for r in in_pg), default=0)
    elsewhere = [r for r in rows if not (r0 <= r[0] <= r1) and not (p0 - 1 <= r[0] <= p_up + 60)]
    out["other_failed"] = collections.Counter(r[2] for r in elsewhere if failed(r[2]))
    return out


def settle(data: dict, *, mail_dir: Path, job_kind: str = "enrollment", timeout: float = 150) -> dict:
    """Wait (bounded) until the kept work has gone out, then count e-mails per notification."""
    from django.db import connection
    from django.db.models import Max

    from learning.models import Enrollment
    from lms.models import DeferredTask, Job
    from notifications.models import Notification

    expected_people = data["single_ids"] + data["member_ids"]
    notices = Notification.objects.filter(recipient_id__in=expected_people, kind="assigned")
    deadline = time.monotonic() + timeout
    while True:
        connection.close()  # the bench's own connection did not survive the restart either
        deferred = DeferredTask.objects.count()
        jobs = list(Job.objects.filter(kind=job_kind, created_at__gte=data["since"]).values_list("status", flat=True))
        pending = notices.exclude(status=Notification.Status.SENT).count()
        total = notices.count()
        done = deferred == 0 and jobs and all(s == Job.Status.DONE for s in jobs) and total and not pending
        if done or time.monotonic() > deadline:
            break
        time.sleep(2)
    mails = collections.Counter()
    for path in mail_dir.glob("mail-*.eml"):
        for notification_id in path.name.split("-")[1].split(","):
            if notification_id:
                mails[int(notification_id)] += 1
    ids = set(notices.values_list("id", flat=True))
    return {
        "deferred_left": deferred,
        "jobs": jobs,
        "notices": total,
        "notices_not_sent": pending,
        "mails_for_notices": sum(mails[i] for i in ids),
        "duplicate_mails": sum(n - 1 for i, n in mails.items() if i in ids and n > 1),
        "enrolled": Enrollment.objects.filter(user_id__in=expected_people, course_id=data["course"]).count(),
        "enrolled_expected": len(expected_people),
        "during_pg_enrollments": Enrollment.objects.filter(user_id=data["during_pg"]).count(),
        "job_finished": Job.objects.filter(kind=job_kind, created_at__gte=data["since"]).aggregate(
            last=Max("finished_at")
        )["last"],
        "last_sent": notices.aggregate(last=Max("sent_at"))["last"],
    }


def attempt_integrity(quiz_id: int) -> dict:
    from django.db.models import Count, Exists, OuterRef

    from assessments.models import Attempt, AttemptAreaScore

    attempts = Attempt.objects.filter(quiz_id=quiz_id).annotate(n_items=Count("items"))
    sizes = collections.Counter(attempts.values_list("n_items", flat=True))
    graded_without_scores = (
        Attempt.objects.filter(quiz_id=quiz_id, status=Attempt.Status.GRADED)
        .exclude(Exists(AttemptAreaScore.objects.filter(attempt=OuterRef("pk"))))
        .count()
    )
    return {
        "attempts": sum(sizes.values()),
        "items_per_attempt": dict(sizes),
        "graded_no_scores": graded_without_scores,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=15)
    parser.add_argument("--run", type=int, default=150, help="seconds of Locust")
    parser.add_argument("--redis-at", type=int, default=15)
    parser.add_argument("--redis-down", type=int, default=20)
    parser.add_argument("--pg-at", type=int, default=95)
    parser.add_argument("--pg-down", type=int, default=10)
    parser.add_argument("--fresh", action="store_true", help="re-create the private PostgreSQL cluster")
    parser.add_argument("--clean", action="store_true", help="remove the private cluster afterwards")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-outages-"))
    mail_dir = work / "mail"
    mail_dir.mkdir()
    pg = PrivatePostgres(PG_DIR, PG_PORT)
    redis = PrivateRedis(work / "redis", REDIS_PORT)
    server = worker = locust = None
    try:
        pg.init(fresh=args.fresh)
        pg.start()
        redis.start()
        db_url = f"{pg.url_base}/lms_outage"
        ensure_database(db_url)
        env = {
            **python_env(),
            "DJANGO_SETTINGS_MODULE": "tests.bench.bench_settings",
            "DATABASE_URL": db_url,
            "DB_CONN_MAX_AGE": "60",
            "DB_CONNECT_TIMEOUT": "3",
            "REDIS_URL": redis.url(0),
            "LOG_LEVEL": "WARNING",
            "BENCH_MAIL_DIR": str(mail_dir),
            "ENROLLMENT_SYNC_LIMIT": str(SINGLES),
            "DEFERRED_TASK_RELAY_SECONDS": "5",
        }
        django_setup(env)
        started = time.monotonic()
        accounts = work / "accounts.json"
        data = prepare_accounts(accounts, quiz_accounts=50)
        from django.utils import timezone

        outage = {**make_people(str(int(time.time()))), "since": timezone.now()}
        print(f"prepared in {time.monotonic() - started:.0f}s ({work})")

        server, host = start_gunicorn(env, workers=2, threads=8, log=work / "gunicorn.log")
        worker = start_celery(env, workdir=work, log=work / "celery.log")
        trainer = Trainer(host, data["trainers"][0])
        request_log = work / "requests.csv"
        t0 = time.time()
        locust = run_locust(
            host,
            users=args.users,
            seconds=args.run,
            accounts=accounts,
            prefix=str(work / "locust"),
            request_log=request_log,
            background=True,
        )
        print(f"locust: {args.users} users for {args.run}s; {uptime_load()}")

        wait_until(t0 + args.redis_at)
        redis.stop()
        redis_down = time.time()
        print(f"t={redis_down - t0:.0f}s Redis stopped")
        actions = [
            trainer.enroll({"course": outage["course"], "who": "person", "person": name}) for name in outage["singles"]
        ]
        actions.append(trainer.enroll({"course": outage["course"], "who": "team", "team": outage["team"]}))
        wait_until(redis_down + args.redis_down)
        redis.start()
        redis_up = time.time()
        print(f"t={redis_up - t0:.0f}s Redis started; trainer's enrollments while it was down: {actions}")

        wait_until(t0 + args.pg_at)
        pg.stop()
        pg_down = time.time()
        print(f"t={pg_down - t0:.0f}s PostgreSQL stopped")
        during_pg = trainer.enroll({"course": outage["course"], "who": "person", "person": outage["during_pg_name"]})
        wait_until(pg_down + args.pg_down)
        pg.start()
        pg_up = time.time()
        print(f"t={pg_up - t0:.0f}s PostgreSQL started; the enrollment tried while it was down: {during_pg}")

        _out, err = locust.communicate(timeout=args.run + 90)
        print(f"locust finished; {uptime_load()}")
        figures = analyse(request_log, {"redis": (redis_down, redis_up + 10), "pg": (pg_down, pg_up)})
        settled = settle(outage, mail_dir=mail_dir)
        integrity = attempt_integrity(data["quiz_id"])
    finally:
        if locust is not None and locust.poll() is None:
            stop(locust)
        stop(server)
        stop(worker)
        redis.stop()
        try:
            pg.stop()
        finally:
            shutil.rmtree(work / "redis", ignore_errors=True)
            if args.clean:
                shutil.rmtree(PG_DIR, ignore_errors=True)
                shutil.rmtree(pg.sockdir, ignore_errors=True)
                pg.log.unlink(missing_ok=True)

    redis_ok = figures["redis_failed"] == 0 and all(status == 302 for status, _ms in actions)
    queued_ok = (
        settled["deferred_left"] == 0
        and settled["jobs"]
        and all(s == "done" for s in settled["jobs"])
        and settled["notices_not_sent"] == 0
        and settled["duplicate_mails"] == 0
        and settled["enrolled"] == settled["enrolled_expected"]
    )
    pg_ok = (
        not figures["pg_other_failures"]
        and figures["pg_503"] == figures["pg_503_with_message"]
        and during_pg[0] in (302, 503)
        and (during_pg[0] == 302) == (settled["during_pg_enrollments"] == 1)
    )
    whole = integrity["graded_no_scores"] == 0 and set(integrity["items_per_attempt"]) <= {10}

    print("\nRedis stopped for", args.redis_down, "s:")
    print(f"  requests in the window (until 10 s after it was back): {figures['redis_requests']}")
    print(f"  failed requests: {figures['redis_failed']}")
    print(f"  trainer's enrollments while down (status, ms): {actions}")
    print(
        f"  after it was back: deferred tasks left {settled['deferred_left']}, bulk job(s) {settled['jobs']}, "
        f"notices {settled['notices']} (not sent {settled['notices_not_sent']}), e-mails for them "
        f"{settled['mails_for_notices']}, duplicates {settled['duplicate_mails']}, enrollments "
        f"{settled['enrolled']}/{settled['enrolled_expected']}"
    )
    after = {
        key: f"{settled[key].timestamp() - redis_up:.0f} s" if settled[key] else "never"
        for key in ("job_finished", "last_sent")
    }
    print(f"  after Redis was back: bulk job finished in {after['job_finished']}, last e-mail in {after['last_sent']}")
    print(f"PostgreSQL stopped for {args.pg_down} s, then started:")
    print(f"  requests from the stop until 60 s after the start: {figures['pg_requests']}")
    print(f"  503 answers: {figures['pg_503']} (with the message: {figures['pg_503_with_message']})")
    print(f"  other failures (status: count): {dict(figures['pg_other_failures']) or 'none'}")
    print(f"  slowest answer in the window: {figures['pg_slowest_ms']:.0f} ms")
    print(
        f"  recovery after PostgreSQL was up: last failure {figures['recovery_s']:.1f} s, first success "
        f"{figures['first_ok_after_up_s']:.1f} s (nothing restarted)"
    )
    print(
        f"  enrollment tried while down: status {during_pg[0]}, rows written {settled['during_pg_enrollments']}"
        " (a 503 must leave none)"
    )
    print(
        f"Quiz attempts: {integrity['attempts']}, items per attempt {integrity['items_per_attempt']}, "
        f"graded without area scores {integrity['graded_no_scores']}"
    )
    print(f"failures outside the outage windows (status: count): {dict(figures['other_failed']) or 'none'}")
    if err and "Traceback" in err:
        print(err[-2000:])
    verdict = {"redis": redis_ok, "queued work": bool(queued_ok), "postgres": pg_ok, "no partial writes": whole}
    print("verdict:", ", ".join(f"{k} {'ok' if v else 'FAILED'}" for k, v in verdict.items()))
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
