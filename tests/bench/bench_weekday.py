"""Weekday-morning load: Locust (headless, tests/bench/locustfile_weekday.py) against gunicorn + PostgreSQL + Redis
+ a Celery worker on 127.0.0.1, in steps of rising user counts. Prints p50/p95/p99 and errors per step and the
largest user count whose p95 stays under the target with 0 errors. Bounded in time (each step --step seconds).

    .venv/bin/python tests/bench/bench_weekday.py [--steps 10,20,40,80] [--step 60] [--target-p95 300]

The bench database (BENCH_DATABASE_URL, default lms_load_bench on 127.0.0.1:5432) is migrated and seeded with the
demo data (seed_demo, idempotent); BENCH_REDIS_URL (default redis://127.0.0.1:6379/8) is the broker and cache.
The mix (Locust weights): salespeople browsing and learning 6, salespeople taking a quiz via the API 2, managers
on dashboards 1, trainers browsing and editing 1; 3-10 s think time for salespeople, 5-15 s for the others.
The machine is shared: the 1-minute load average is printed next to each figure.
"""

import argparse
import json
import os
import secrets
import string
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.servers import (  # noqa: E402
    django_setup,
    ensure_database,
    locust,
    python_env,
    read_stats,
    start_celery,
    start_gunicorn,
    stop,
    uptime_load,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lms_load_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/8"
QUIZ_ACCOUNTS = 100


def _session_for(user) -> dict:
    """A signed-in session (database sessions) and a CSRF secret for the person, without login traffic."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from lms.security import IDLE_SESSION_KEY

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[IDLE_SESSION_KEY] = int(time.time())
    store.create()
    alphabet = string.ascii_letters + string.digits
    return {"session": store.session_key, "csrf": "".join(secrets.choice(alphabet) for _ in range(32))}


def prepare_accounts(path: Path, *, quiz_accounts: int = QUIZ_ACCOUNTS) -> dict:
    """Seed the demo data when missing, then write the accounts the locustfile uses. Returns the JSON written."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from assessments.models import Quiz
    from courses.models import Course, Module, TrainingPlan
    from learning.models import Enrollment
    from lms.roles import MANAGER, SALESPERSON, TRAINER
    from tests.bench.bench_quiz_load import prepare as prepare_quiz
    from trainees.models import User
    from trainees.selectors import people_for_user

    if not User.objects.filter(username="trainer").exists():
        call_command("seed_demo", verbosity=0)

    sales = []
    for user in User.objects.filter(groups__name=SALESPERSON, username__startswith="sales").order_by("username"):
        course_ids = list(
            Enrollment.objects.filter(user=user, course__isnull=False, unenrolled_at__isnull=True).values_list(
                "course_id", flat=True
            )
        )
        lessons = [
            [course_id, lesson_id]
            for course_id in course_ids
            for lesson_id in Course.objects.get(id=course_id).items.values_list("lesson_id", flat=True)
        ]
        sales.append({**_session_for(user), "courses": course_ids, "lessons": lessons[:30]})
    managers = [
        {
            **_session_for(user),
            "people": list(people_for_user(user=user).exclude(id=user.id).values_list("id", flat=True)[:50]),
        }
        for user in User.objects.filter(groups__name=MANAGER).order_by("username")
    ]
    trainers = []
    for user in User.objects.filter(groups__name=TRAINER).order_by("username"):
        courses = list(Course.objects.filter(owners=user).values_list("id", flat=True))
        trainers.append(
            {
                **_session_for(user),
                "courses": courses,
                "modules": list(Module.objects.filter(course_id__in=courses).values("id", "title")[:30]),
                "plans": list(TrainingPlan.objects.filter(owners=user).values_list("id", flat=True)[:10]),
            }
        )
    quiz_file = path.with_name("quiz_tokens.json")
    quiz_id = prepare_quiz(quiz_accounts, quiz_file)
    Quiz.objects.filter(id=quiz_id).update(attempts_allowed=0)  # the quiz takers go round again and again
    data = {
        "sales": sales,
        "managers": managers,
        "trainers": trainers,
        "quiz": json.loads(quiz_file.read_text(encoding="utf-8")),
        "quiz_id": quiz_id,
    }
    if not (sales and managers and trainers):
        raise SystemExit("seed_demo data missing: salespeople, managers or trainers not found")
    path.write_text(json.dumps(data), encoding="utf-8")
    return data


def run_locust(
    host: str,
    *,
    users: int,
    seconds: int,
    accounts: Path,
    prefix: str,
    request_log: Path | None = None,
    spawn_seconds: int = 10,
    background: bool = False,
):
    env = {"BENCH_ACCOUNTS": str(accounts)}
    if request_log:
        env["BENCH_REQUEST_LOG"] = str(request_log)
    return locust(
        Path(__file__).with_name("locustfile_weekday.py"),
        host,
        users=users,
        spawn_rate=max(1.0, users / spawn_seconds),
        seconds=seconds,
        prefix=prefix,
        env=env,
        background=background,
    )


def print_rows(rows: list[dict]) -> None:
    print(f"  {'request':34} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for row in rows:
        print(
            f"  {row['Name'][:34]:34} {row['Request Count']:>6} {row['Failure Count']:>5} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="10,20,40,80", help="user counts, one Locust run each")
    parser.add_argument("--step", type=int, default=60, help="seconds per step (after a 10 s ramp)")
    parser.add_argument("--target-p95", type=int, default=300)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    steps = [int(n) for n in args.steps.split(",")]

    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    ensure_database(db_url)
    env = {
        **python_env(),
        "DJANGO_SETTINGS_MODULE": "tests.bench.bench_settings",
        "DATABASE_URL": db_url,
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS),
        "EMAIL_URL": "locmem://",
    }
    django_setup(env)
    work = Path(tempfile.mkdtemp(prefix="bench-weekday-"))
    accounts = work / "accounts.json"
    started = time.monotonic()
    data = prepare_accounts(accounts)
    print(
        f"prepared in {time.monotonic() - started:.0f}s: {len(data['sales'])} salespeople, {len(data['managers'])} "
        f"managers, {len(data['trainers'])} trainers, {len(data['quiz'])} quiz accounts"
    )

    server, host = start_gunicorn(env, workers=args.workers, threads=args.threads, log=work / "gunicorn.log")
    worker = start_celery(env, workdir=work, log=work / "celery.log")
    results = []
    try:
        for users in steps:
            prefix = str(work / f"step{users}")
            load_before = uptime_load()
            locust = run_locust(host, users=users, seconds=args.step + 10, accounts=accounts, prefix=prefix)
            rows = read_stats(prefix)
            total = next(r for r in rows if r["Name"] == "Aggregated")
            p95, errors = int(float(total["95%"])), int(total["Failure Count"])
            results.append((users, p95, errors, int(total["Request Count"]), load_before, uptime_load()))
            print(f"\n{users} users, {args.step}s (+10s ramp); before: {load_before}; after: {uptime_load()}")
            print_rows(rows)
            for line in locust.stderr.splitlines():
                if "CPU usage" in line:
                    print("  locust:", line.strip()[-140:])
                    break
            failures = Path(f"{prefix}_failures.csv")
            if failures.exists() and len(failures.read_text(encoding="utf-8").splitlines()) > 1:
                print("  failures:\n" + failures.read_text(encoding="utf-8")[:2000])
    finally:
        stop(server)
        stop(worker)

    print(f"\nWeekday morning, gunicorn {args.workers}x{args.threads} threads, 1 Celery worker (2 processes):")
    print(f"  {'users':>5} {'requests':>8} {'p95 ms':>7} {'errors':>6}  machine load (before / after)")
    best = 0
    for users, p95, errors, count, before, after in results:
        ok = p95 < args.target_p95 and errors == 0
        best = users if ok and users > best else best
        print(f"  {users:>5} {count:>8} {p95:>7} {errors:>6}  {before} / {after}  {'ok' if ok else 'over'}")
    print(f"largest user count with p95 < {args.target_p95} ms and 0 errors: {best or 'none of the steps'}")
    print(f"(work files in {work})")
    return 0 if best else 1


if __name__ == "__main__":
    sys.exit(main())
