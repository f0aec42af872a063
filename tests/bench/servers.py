"""Start and stop the processes of a bench on 127.0.0.1: gunicorn, a Celery worker, Locust (headless), a private
PostgreSQL cluster and a private redis-server. Every process is started in its own session and stopped by its id.
Also the small helpers every bench uses (free_port, ensure_database, django_setup, wait_ready, read_stats).
"""

import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


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
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


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


PG_BIN = Path("/usr/lib/postgresql/15/bin")


def start_gunicorn(env: dict, *, workers: int = 3, threads: int = 8, log: Path | None = None) -> tuple:
    """gunicorn on a free 127.0.0.1 port; returns (process, base URL) once /healthz answers."""
    port = free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(  # noqa: S603 - fixed command line
        [
            str(VENV_BIN / "gunicorn"),
            "lms.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
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
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    host = f"http://127.0.0.1:{port}"
    wait_ready(f"{host}/healthz", timeout=60)
    return server, host


def app_queues() -> list[str]:
    """The queues the app routes tasks to (CELERY_TASK_DEFAULT_QUEUE and CELERY_TASK_ROUTES); needs django_setup."""
    from django.conf import settings

    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values() if "queue" in route}
    return [settings.CELERY_TASK_DEFAULT_QUEUE, *sorted(routed - {settings.CELERY_TASK_DEFAULT_QUEUE})]


def start_celery(
    env: dict, *, workdir: Path, log: Path, concurrency: int = 2, beat: bool = True, nice: int = 0
) -> subprocess.Popen:
    """One worker for every queue the app routes to, with beat embedded unless beat=False (the periodic dispatch
    and the deferred-task relay). nice > 0 runs it at a lower CPU priority than the web server, as a deployment
    sharing the web server's cores should (see docs/operations.md, Celery workers)."""
    command = [str(VENV_BIN / "celery"), "-A", "lms", "worker"]
    if beat:
        command += ["-B", "-s", str(workdir / "celerybeat-schedule")]
    command += ["-Q", ",".join(app_queues()), "-c", str(concurrency), "--loglevel", "INFO"]
    if nice:
        command = ["nice", "-n", str(nice), *command]
    process = subprocess.Popen(  # noqa: S603 - fixed command line
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
        stdout=open(log, "ab"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
    )
    if nice:
        _autogroup_nice(process.pid, nice)
    return process


def _autogroup_nice(pid: int, nice: int) -> None:
    """With the kernel's autogroup scheduling (sched_autogroup_enabled, the Debian default) a process's nice value
    only ranks it inside its session, and each bench process has its own session, so `nice` alone left the worker
    an equal share against gunicorn (in a submit burst the worker took half the CPU). The session's autogroup gets
    the nice value too."""
    try:
        Path(f"/proc/{pid}/autogroup").write_text(str(nice), encoding="ascii")
    except OSError:
        pass  # no autogroup scheduling here: nice alone ranks the processes


def locust(
    locustfile: Path,
    host: str,
    *,
    users: int,
    spawn_rate: float,
    seconds: float,
    prefix: str,
    env: dict,
    background: bool = False,
):
    """Locust, headless, against our 127.0.0.1 server for a bounded time, writing {prefix}_stats.csv. Returns the
    finished run (stdout/stderr captured) or, with background=True, the running process."""
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(locustfile),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{int(seconds)}s",
        "--stop-timeout",
        "10",
        "--host",
        host,
        "--csv",
        prefix,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {**os.environ, **env}
    if background:
        return subprocess.Popen(  # noqa: S603 - fixed command line
            command,
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    return subprocess.run(  # noqa: S603 - fixed command line
        command, cwd=ROOT, env=env, timeout=seconds + 90, capture_output=True, text=True
    )


def stop(process: subprocess.Popen | None, *, timeout: float = 30) -> None:
    """SIGTERM the process group we started, SIGKILL if it does not end in time."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


# --- a private PostgreSQL cluster (never the shared one on 5432) ----------------------------------------------------


class PrivatePostgres:
    """initdb into `datadir` (owned by the postgres account) and run it on `port`, 127.0.0.1 only."""

    def __init__(self, datadir: Path, port: int):
        self.datadir, self.port = Path(datadir), port
        self.sockdir = Path(f"{datadir}_sock")
        self.log = Path(f"{datadir}.log")

    @property
    def url_base(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def _as_postgres(self, *args: str, timeout: float = 120) -> None:
        command = " ".join(f"'{a}'" for a in args)
        subprocess.run(["su", "postgres", "-c", command], check=True, timeout=timeout)  # noqa: S603, S607

    def init(self, *, fresh: bool = False) -> None:
        if fresh and self.datadir.exists():
            self.stop()
            shutil.rmtree(self.datadir)
        for path in (self.sockdir,):
            path.mkdir(exist_ok=True)
            shutil.chown(path, "postgres")
        if not (self.datadir / "PG_VERSION").exists():
            self.datadir.mkdir(exist_ok=True)
            shutil.chown(self.datadir, "postgres")
            self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.datadir), "-A", "trust", "-U", "postgres")
        if not self.log.exists():
            self.log.touch()
        shutil.chown(self.log, "postgres")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.sockdir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-o",
            options,
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "-t", "60", "stop")


# --- a private redis-server (never the shared one on 6379) ---------------------------------------------------------


class PrivateRedis:
    """redis-server on `port`, 127.0.0.1 only, append-only file in `datadir` so queued tasks survive a restart."""

    def __init__(self, datadir: Path, port: int):
        self.datadir, self.port = Path(datadir), port
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - fixed command line
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.datadir),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
            start_new_session=True,
            stdout=open(self.datadir / "redis.log", "ab"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        stop(self.process, timeout=15)  # SIGTERM: redis writes its append-only file and exits
        self.process = None


def cpu_by_command() -> dict[str, float]:
    """CPU seconds (user + system) used so far by every process on the machine, summed per command name
    (gunicorn, postgres, celery, locust...): two snapshots around a moment show who spent the CPU."""
    tick = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        totals[name] = totals.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return totals


def cpu_spent(before: dict[str, float], after: dict[str, float], *, top: int = 6) -> str:
    spent = sorted(((after[k] - before.get(k, 0.0), k) for k in after), reverse=True)
    return ", ".join(f"{name} {seconds:.2f} s" for seconds, name in spent[:top] if seconds >= 0.01)


def uptime_load() -> str:
    """The 1-minute load average, to print next to each figure (the machine is shared)."""
    return f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def python_env() -> dict:
    return {"PYTHONPATH": str(ROOT), "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}", "PYTHONUNBUFFERED": "1"}


if __name__ == "__main__":
    sys.exit("helpers only: run bench_weekday.py or bench_outages.py")
