"""Start and stop the processes of a bench on 127.0.0.1: gunicorn, a Celery worker (with beat), a private
PostgreSQL cluster and a private redis-server. Every process is started in its own session and stopped by its id.

The small helpers (free_port, ensure_database, django_setup, wait_ready, read_stats) are the quiz bench's.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.bench_quiz_load import (  # noqa: F401 - re-exported for the other benches
    ROOT,
    VENV_BIN,
    django_setup,
    ensure_database,
    free_port,
    read_stats,
    wait_ready,
)

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


def start_celery(env: dict, *, workdir: Path, log: Path, concurrency: int = 2) -> subprocess.Popen:
    """One worker for every queue, with beat embedded (the periodic dispatch and the deferred-task relay)."""
    return subprocess.Popen(  # noqa: S603 - fixed command line
        [
            str(VENV_BIN / "celery"),
            "-A",
            "lms",
            "worker",
            "-B",
            "-s",
            str(workdir / "celerybeat-schedule"),
            "-Q",
            "celery,bulk,send",
            "-c",
            str(concurrency),
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
        stdout=open(log, "ab"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
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
        import socket

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


def uptime_load() -> str:
    """The 1-minute load average, to print next to each figure (the machine is shared)."""
    return f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def python_env() -> dict:
    return {"PYTHONPATH": str(ROOT), "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}", "PYTHONUNBUFFERED": "1"}


if __name__ == "__main__":
    sys.exit("helpers only: run bench_weekday.py or bench_outages.py")
