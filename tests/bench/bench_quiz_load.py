"""Quiz load benchmark: Locust (headless, FastHttpUser) against gunicorn on 127.0.0.1 with PostgreSQL, Redis and a
Celery worker that grades. Prints figures.

    .venv/bin/python tests/bench/bench_quiz_load.py [--users 200] [--steady 45] [--worker-nice 10]
    .venv/bin/python tests/bench/bench_quiz_load.py --in-process 100 [--profile submit]

Steps: create/migrate the bench database (BENCH_DATABASE_URL, default lms_assess_bench on 127.0.0.1; broker and
cache BENCH_REDIS_URL), add N salespeople with API tokens and one published quiz, start gunicorn and a Celery
worker (tests/bench/servers.py), run Locust with N users: each starts the quiz during the ramp, saves answers with
5-15 s think time, and at the burst moment all N submit at once; a few seconds after the burst each submits once
more, expecting 409. Then it waits until the worker has graded every attempt, prints p50/p95/p99/errors per phase
("save answers (ramp)" while people are still starting, "save answers" in the steady phase), the time until all
were graded, and checks that every attempt was graded exactly once. Bounded in time.
Targets on a 2-core machine: steady p95 <= 100 ms, burst p95 <= 500 ms, 0 errors.

--in-process PEOPLE: no server; sequential start, saves, submit and the grading task through Django's test client,
printing CPU milliseconds and queries per request (load-independent, unlike wall-clock percentiles); --profile NAME
adds a cProfile of that request kind.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.servers import (  # noqa: E402
    app_queues,
    cpu_by_command,
    cpu_spent,
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

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lms_assess_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/4"
BURST_WINDOW = 3.0  # seconds after the burst moment over which each command's CPU is summed
GRADED_WAIT = 180  # seconds to wait for the worker to grade every attempt after Locust has finished


def prepare(users: int, tokens_path: Path) -> int:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from rest_framework.authtoken.models import Token

    from assessments import services
    from assessments.models import Attempt, QuestionBank, Quiz
    from courses.models import Course
    from learning.models import Enrollment
    from lms.roles import SALESPERSON
    from trainees import services as people
    from trainees.models import User

    Quiz.objects.filter(title="压测测验").delete()
    bank, _ = QuestionBank.objects.get_or_create(title="压测题库")
    questions = list(bank.questions.all()[:10])
    codes = ["sales-skills", "product", "market", "competition", "company"]
    while len(questions) < 10:
        i = len(questions)
        if i % 3 == 2:
            data = {"qtype": "short", "stem": f"压测填空题{i}", "answer": {"accepted": ["strength"]}}
        else:
            data = {
                "qtype": "single" if i % 3 == 0 else "multiple",
                "stem": f"压测选择题{i}",
                "options": [{"text": f"选项{k}", "weight": 50 if k < 2 else 0} for k in range(4)]
                if i % 3
                else [{"text": f"选项{k}", "weight": 100 if k == 1 else 0} for k in range(4)],
                "partial_credit": "rmw",
            }
        data["category"] = codes[i % len(codes)]
        questions.append(services.question_create(bank=bank, author=None, data=data))
    # Only people enrolled in the quiz's course may see and start it.
    course, _ = Course.objects.get_or_create(title="压测课程", defaults={"status": Course.Status.PUBLISHED})
    quiz = services.quiz_create(
        owner=None,
        course=course,
        title="压测测验",
        questions=questions,
        status=Quiz.Status.PUBLISHED,
        attempts_allowed=1,
        time_limit_minutes=30,
        shuffle_questions=True,
        shuffle_options=True,
    )
    accounts = []
    for n in range(users):
        user, created = User.objects.get_or_create(username=f"bench{n:04d}", defaults={"display_name": f"压测{n}"})
        if created:
            user.set_unusable_password()
            user.save()
            people.user_set_roles(user=user, roles={SALESPERSON})
        Enrollment.objects.get_or_create(user=user, course=course)
        token, _ = Token.objects.get_or_create(user=user)
        accounts.append({"token": token.key, "quiz": quiz.id})
    Attempt.objects.filter(user__username__startswith="bench", quiz=quiz).delete()
    tokens_path.write_text(json.dumps(accounts), encoding="utf-8")
    return quiz.id


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def in_process(tokens_path: Path, quiz_id: int, people: int, saves: int, profile: str = "") -> int:
    """Sequential requests through Django's test client (no gunicorn, no Locust, no queueing): CPU milliseconds of
    this process and queries per request, for start, save and submit, and for the grading task the submit queues
    (run here right after, as the worker would). CPU time barely depends on how loaded the shared machine is, so it
    compares versions of the code where wall-clock percentiles cannot."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from assessments import tasks

    accounts = json.loads(tokens_path.read_text(encoding="utf-8"))[:people]
    client = Client(HTTP_HOST="127.0.0.1")
    figures: dict[str, dict[str, list[float]]] = {}
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU time, not waits

    def measure(name: str, call):
        profiling = profiler is not None and name.startswith(profile)
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = time.perf_counter(), time.process_time()
            if profiling:
                profiler.enable()
            response = call()
            if profiling:
                profiler.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        entry = figures.setdefault(name, {"cpu": [], "wall": [], "queries": []})
        entry["cpu"].append(cpu * 1000)
        entry["wall"].append(wall * 1000)
        entry["queries"].append(len(queries))
        return response

    for account in accounts:
        auth = {"HTTP_AUTHORIZATION": f"Token {account['token']}"}
        started = measure("start", lambda auth=auth: client.post(f"/api/v1/quizzes/{quiz_id}/attempts/", **auth)).json()
        items = started["items"]
        for seq in range(1, saves + 1):
            chosen = items[(seq * 3) % len(items) :][:3] or items[:3]
            body = {
                "seq": seq,
                "answers": {
                    str(i["id"]): (
                        [o["key"] for o in i["options"]][:2]
                        if i["qtype"] == "multiple"
                        else (i["options"][seq % len(i["options"])]["key"] if i["options"] else f"答案{seq}")
                    )
                    for i in chosen
                },
            }
            url = f"/api/v1/attempts/{started['id']}/answers/"
            measure(
                "save answers",
                lambda url=url, body=body, auth=auth: client.patch(
                    url, json.dumps(body), content_type="application/json", **auth
                ),
            )
        submitted = measure(
            "submit", lambda a=started["id"], auth=auth: client.post(f"/api/v1/attempts/{a}/submit/", **auth)
        )
        assert submitted.status_code == 200, submitted.content
        # What the worker does with the task the submit queued (the queued message itself then finds nothing).
        assert measure("grading task", lambda a=started["id"]: tasks.grade_submitted_attempt(a)) is True
    print(f"\nIn process: {len(accounts)} people x (start + {saves} saves + submit + its grading task), sequential")
    print(f"{'request':14} {'count':>6} {'cpu p50':>8} {'cpu p95':>8} {'wall p50':>9} {'wall p95':>9} {'queries':>8}")
    for name, entry in figures.items():
        print(
            f"{name:14} {len(entry['cpu']):>6} {_pct(entry['cpu'], 0.5):>8.1f} {_pct(entry['cpu'], 0.95):>8.1f} "
            f"{_pct(entry['wall'], 0.5):>9.1f} {_pct(entry['wall'], 0.95):>9.1f} {_pct(entry['queries'], 0.5):>8.0f}"
        )
    if profiler is not None:
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(30)
            print(f"\nProfile of {profile!r} by {order}:\n" + out.getvalue()[-9000:])
    return 0


def purge_broker() -> int:
    """Empty the bench broker's queues: tasks left by --in-process runs (queued, graded there) would otherwise keep
    the worker busy during the ramp."""
    from lms.celery import app

    purged = 0
    with app.connection_for_write() as conn:
        for queue in app_queues():
            purged += conn.default_channel.queue_purge(queue) or 0
    return purged


def wait_until_graded(quiz_id: int, burst_at: float, timeout: float) -> tuple[int, float | None]:
    """Poll the database until no attempt waits for its grading (or timeout). Returns (still waiting, seconds from
    the burst moment to the last grade)."""
    from django.db.models import Max

    from assessments.models import Attempt

    attempts = Attempt.objects.filter(quiz_id=quiz_id)
    deadline = time.monotonic() + timeout
    waiting = attempts.filter(status=Attempt.Status.SUBMITTED, score__isnull=True).count()
    while waiting and time.monotonic() < deadline:
        time.sleep(0.5)
        waiting = attempts.filter(status=Attempt.Status.SUBMITTED, score__isnull=True).count()
    last = attempts.aggregate(last=Max("graded_at"))["last"]
    return waiting, (last.timestamp() - burst_at) if last else None


def grading_tasks_in(log: Path) -> dict[str, int]:
    """From the worker's log: attempts graded by grading tasks (one per submit, or the shared runs), tasks that
    found nothing to do, shared runs, and failed or retried tasks."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    one = r"assessments\.tasks\.grade_submitted_attempt\[[^\]]+\] succeeded in [0-9.e-]+s: "
    run = r"assessments\.tasks\.grade_submitted_attempts\[[^\]]+\] succeeded in [0-9.e-]+s: (\d+)"
    runs = [int(n) for n in re.findall(run, text)]
    return {
        "graded": len(re.findall(one + "True", text)) + sum(runs),
        "nothing to do": len(re.findall(one + "False", text)) + runs.count(0),
        "shared runs": len(runs),
        "failed": len(re.findall(r"assessments\.tasks\.grade_submitted_attempts?\[[^\]]+\] (?:raised|retry)", text)),
    }


def burst_floor(host: str, users: int, mode: str) -> dict:
    """The same burst of `users` requests that do no work (see burst_floor.py): what the server, Django and DRF
    alone cost at that concurrency on this machine, to read the submit burst against."""
    import subprocess

    done = subprocess.run(  # noqa: S603 - our own script and arguments
        [sys.executable, str(Path(__file__).with_name("burst_floor.py")), host, str(users), mode],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **python_env()},
    )
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"error": done.stderr[-500:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--steady", type=int, default=45, help="seconds of answer saves before the burst")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--worker-nice", type=int, default=10, help="CPU priority of the Celery worker (0 = as web)")
    parser.add_argument("--again-after", type=float, default=5, help="seconds after the burst for the 409 check")
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="PEOPLE",
        help="instead of Locust: PEOPLE sequential attempts through the test client; prints CPU ms and queries",
    )
    parser.add_argument("--profile", default="", help="with --in-process: cProfile this request (start, save, ...)")
    args = parser.parse_args()

    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    ensure_database(db_url)
    env = {
        **python_env(),
        "DJANGO_SETTINGS_MODULE": "tests.bench.bench_settings",
        "DATABASE_URL": db_url,
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS),
    }
    django_setup(env)
    work = Path(tempfile.mkdtemp(prefix="bench-quiz-"))
    tokens = work / "tokens.json"
    quiz_id = prepare(args.users, tokens)
    if args.in_process:
        return in_process(tokens, quiz_id, args.in_process, saves=5, profile=args.profile)

    print(f"bench broker: {purge_broker()} leftover messages purged")
    server, host = start_gunicorn(env, workers=args.workers, threads=args.threads, log=work / "gunicorn.log")
    worker_log = work / "celery.log"
    worker = start_celery(
        env, workdir=work, log=worker_log, concurrency=args.celery_concurrency, beat=False, nice=args.worker_nice
    )
    load_before = uptime_load()
    ramp = max(10, args.users // 20)
    steady_from = time.time() + ramp + 2  # Locust starts in about a second or two
    submit_at = steady_from + args.steady
    prefix = str(work / "locust")
    burst_cpu = {}

    def watch_burst():  # who spends the CPU from the burst moment until its slowest answer came back
        time.sleep(max(0.0, submit_at - time.time()))
        burst_cpu["before"] = cpu_by_command()
        time.sleep(BURST_WINDOW)
        burst_cpu["after"] = cpu_by_command()

    watcher = threading.Thread(target=watch_burst, daemon=True)
    watcher.start()
    try:
        run = locust(
            Path(__file__).with_name("locustfile_quiz.py"),
            host,
            users=args.users,
            spawn_rate=args.users / ramp,
            seconds=submit_at - time.time() + args.again_after + 25,
            prefix=prefix,
            env={
                "BENCH_TOKENS": str(tokens),
                "BENCH_STEADY_FROM": str(steady_from),
                "BENCH_SUBMIT_AT": str(submit_at),
                "BENCH_AGAIN_AFTER": str(args.again_after),
            },
        )
        load_after = uptime_load()
        waiting, all_graded_after = wait_until_graded(quiz_id, submit_at, GRADED_WAIT)
        floors = [burst_floor(host, args.users, mode) for mode in ("rejected", "static")]
    finally:
        stop(server)
        stop(worker)

    rows = read_stats(prefix)
    print(
        f"\nQuiz load: {args.users} users, {ramp}s ramp + {args.steady}s steady + burst; gunicorn {args.workers}x"
        f"{args.threads} threads; Celery worker x{args.celery_concurrency} at nice {args.worker_nice}"
    )
    print(f"machine: before {load_before}; after {load_after}")
    if "after" in burst_cpu:
        spent = cpu_spent(burst_cpu["before"], burst_cpu["after"])
        print(f"CPU seconds used in the {BURST_WINDOW:.0f} s from the burst moment, by command: {spent}")
    print(f"{'request':32} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for row in rows:
        print(
            f"{row['Name']:32} {row['Request Count']:>6} {row['Failure Count']:>5} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists() and len(failures.read_text(encoding="utf-8").splitlines()) > 1:
        print("failures:")
        print(failures.read_text(encoding="utf-8")[:3000])
    if run.returncode not in (0, 1):
        print(run.stderr[-3000:])
    for line in run.stderr.splitlines():
        if "CPU usage" in line:
            print("locust:", line.strip()[-160:])  # the load generator itself was short of CPU
            break

    from django.db.models import Count

    from assessments.models import Attempt, AttemptAreaScore

    attempts = Attempt.objects.filter(quiz_id=quiz_id)
    graded = attempts.filter(status=Attempt.Status.GRADED, graded_at__isnull=False).count()
    total = attempts.count()
    areas_per_attempt = set(
        AttemptAreaScore.objects.filter(attempt__quiz_id=quiz_id, category__isnull=False)
        .values("attempt_id")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    tasks_seen = grading_tasks_in(worker_log)
    if all_graded_after is not None:
        print(
            f"all attempts graded {all_graded_after:.1f}s after the burst moment"
            + (f" ({waiting} still waiting)" if waiting else "")
        )
    print(f"grading tasks in the worker's log: {tasks_seen}")
    print(f"attempts: {total}, graded: {graded}, category score rows per attempt: {sorted(areas_per_attempt)}")
    one_grade = (
        total == args.users
        and graded == total
        and areas_per_attempt <= {5}
        and tasks_seen["graded"] == total
        and tasks_seen["failed"] == 0
    )
    print("one grade per attempt:", "yes" if one_grade else "NO")
    errors = sum(int(r["Failure Count"]) for r in rows if r["Name"] != "Aggregated")
    print(f"errors: {errors}")
    print(
        "the floor under the burst, the same server and shape after the run (tests/bench/burst_floor.py): "
        f"{args.users} requests at once"
    )
    for label, floor in zip(
        ("rejected at authentication (403, no work)", "static file (WhiteNoise)"), floors, strict=True
    ):
        print(f"  {label}: p50 {floor.get('p50')} ms, p95 {floor.get('p95')} ms, codes {floor.get('codes')}")
    print(f"(work files, logs of gunicorn and the worker in {work})")
    return 0 if one_grade and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
