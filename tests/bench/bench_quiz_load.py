"""Quiz load benchmark: Locust (headless) against gunicorn on 127.0.0.1 with PostgreSQL. Prints figures.

    .venv/bin/python tests/bench/bench_quiz_load.py [--users 200] [--steady 45]

Steps: create/migrate the bench database (BENCH_DATABASE_URL, default lms_assess_bench on 127.0.0.1), add N
salespeople with API tokens and one published quiz, start gunicorn, run Locust with N users (5-15 s think time,
answer saves) until the burst moment when all N submit at once (and once more, expecting 409), then print
p50/p95/p99/errors per phase and check that every attempt was graded exactly once. Bounded in time.
Targets on a 2-core machine: steady p95 <= 100 ms, burst p95 <= 500 ms, 0 errors.
"""

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lms_assess_bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def django_setup(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(users: int, tokens_path: Path) -> int:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from rest_framework.authtoken.models import Token

    from assessments import services
    from assessments.models import Attempt, QuestionBank, Quiz
    from courses.models import Course
    from lms.roles import SALESPERSON
    from trainees import services as people
    from trainees.models import Enrollment, User

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


def wait_ready(url: str, timeout: float = 120) -> None:  # a loaded shared machine boots slowly
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own 127.0.0.1 server
            return
        except urllib.error.HTTPError:
            return  # it answers; a 503 only says some dependency (e.g. the broker) is missing
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on {url}")


def read_stats(prefix: str) -> list[dict]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def in_process(tokens_path: Path, quiz_id: int, people: int, saves: int) -> int:
    """Sequential requests through Django's test client (no gunicorn, no Locust, no queueing): CPU milliseconds of
    this process and queries per request, for save and submit. CPU time barely depends on how loaded the shared
    machine is, so it compares versions of the code where wall-clock percentiles cannot."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    accounts = json.loads(tokens_path.read_text(encoding="utf-8"))[:people]
    client = Client(HTTP_HOST="127.0.0.1")
    figures: dict[str, dict[str, list[float]]] = {}

    def measure(name: str, call):
        with CaptureQueriesContext(connection) as queries:
            wall, cpu = time.perf_counter(), time.process_time()
            response = call()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        entry = figures.setdefault(name, {"cpu": [], "wall": [], "queries": []})
        entry["cpu"].append(cpu * 1000)
        entry["wall"].append(wall * 1000)
        entry["queries"].append(len(queries))
        return response

    for account in accounts:
        auth = {"HTTP_AUTHORIZATION": f"Token {account['token']}"}
        started = client.post(f"/api/v1/quizzes/{quiz_id}/attempts/", **auth).json()
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
        measure("submit", lambda a=started["id"], auth=auth: client.post(f"/api/v1/attempts/{a}/submit/", **auth))
    print(f"\nIn process: {len(accounts)} people x ({saves} saves + submit), sequential, no server")
    print(
        f"{'request':14} {'count':>6} {'cpu p50':>8} {'cpu p95':>8} {'wall p50':>9} {'wall p95':>9} {'queries p50':>12}"
    )
    for name, entry in figures.items():
        print(
            f"{name:14} {len(entry['cpu']):>6} {_pct(entry['cpu'], 0.5):>8.1f} {_pct(entry['cpu'], 0.95):>8.1f} "
            f"{_pct(entry['wall'], 0.5):>9.1f} {_pct(entry['wall'], 0.95):>9.1f} {_pct(entry['queries'], 0.5):>12.0f}"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--steady", type=int, default=45, help="seconds of answer saves before the burst")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="PEOPLE",
        help="instead of Locust: PEOPLE sequential attempts through the test client; prints CPU ms and queries",
    )
    args = parser.parse_args()

    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    ensure_database(db_url)
    env = {
        "DJANGO_SETTINGS_MODULE": "lms.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": db_url,
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4"),
    }
    django_setup(env)
    work = Path(tempfile.mkdtemp(prefix="bench-quiz-"))
    tokens = work / "tokens.json"
    quiz_id = prepare(args.users, tokens)
    if args.in_process:
        return in_process(tokens, quiz_id, args.in_process, saves=5)

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "lms.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            # Simulated people think 5-15 s between requests: keep their connections open for that long,
            # or a POST can race the server closing an idle keep-alive connection.
            "--keep-alive",
            "30",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )
    try:
        wait_ready(f"{host}/healthz")
        ramp = max(10, args.users // 20)
        submit_at = time.time() + ramp + args.steady
        prefix = str(work / "locust")
        run_for = ramp + args.steady + 60
        locust = subprocess.run(  # noqa: S603 - fixed command line
            [
                str(VENV_BIN / "locust"),
                "-f",
                str(Path(__file__).with_name("locustfile_quiz.py")),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.users / ramp),
                "--run-time",
                f"{run_for}s",
                "--stop-timeout",
                "10",
                "--host",
                host,
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "BENCH_TOKENS": str(tokens), "BENCH_SUBMIT_AT": str(submit_at)},
            timeout=run_for + 60,
            capture_output=True,
            text=True,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    rows = read_stats(prefix)
    print(
        f"\nQuiz load: {args.users} users, {args.steady}s steady + burst, gunicorn {args.workers}x{args.threads} threads"
    )
    print(f"{'request':32} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for row in rows:
        print(
            f"{row['Name']:32} {row['Request Count']:>6} {row['Failure Count']:>5} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists() and len(failures.read_text(encoding="utf-8").splitlines()) > 1:
        print("failures:")
        print(failures.read_text(encoding="utf-8"))
    if locust.returncode not in (0, 1):
        print(locust.stderr[-3000:])
    for line in locust.stderr.splitlines():
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
    one_grade = total == args.users and graded == total and areas_per_attempt <= {5}
    print(f"attempts: {total}, graded: {graded}, category score rows per attempt: {sorted(areas_per_attempt)}")
    print("one grade per attempt:", "yes" if one_grade else "NO")
    errors = sum(int(r["Failure Count"]) for r in rows if r["Name"] != "Aggregated")
    print(f"errors: {errors}")
    return 0 if one_grade and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
