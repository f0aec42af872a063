#!/usr/bin/env python
"""Back up and restore the database (and uploaded media) of the LMS.

    python scripts/backup.py backup            # -> $BACKUP_DIR/lms-YYYYmmdd-HHMMSS.{dump|sqlite3} (+ media-....tar.gz)
    python scripts/backup.py restore [FILE]    # FILE or the newest backup in $BACKUP_DIR; media too if present
    python scripts/backup.py counts            # JSON: rows per table (used by the restore drill)

PostgreSQL: `pg_dump --format=custom` / `pg_restore --clean --if-exists --no-owner` (a consistent snapshot while
the app runs). SQLite: the sqlite3 online-backup API (consistent even while the app writes). The database comes
from DATABASE_URL like the app itself; BACKUP_DIR defaults to var/backups. Uploaded files (MEDIA_ROOT) go into a
tar.gz next to the database backup, with the same timestamp.
"""

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump/pg_restore with fixed arguments, no shell
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.local")


def _setup():
    import django

    django.setup()
    from django.conf import settings

    return settings


def _backup_dir() -> Path:
    path = Path(os.environ.get("BACKUP_DIR", str(ROOT / "var" / "backups")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(db.get("HOST") or "127.0.0.1"),
            "PGPORT": str(db.get("PORT") or 5432),
            "PGUSER": str(db.get("USER") or "postgres"),
            "PGDATABASE": str(db["NAME"]),
        }
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        sys.exit(f"{name} not found: install the PostgreSQL client (Debian: postgresql-client).")
    return path


def _is_postgres(db: dict) -> bool:
    return "postgresql" in db["ENGINE"]


def backup() -> Path:
    settings = _setup()
    db = settings.DATABASES["default"]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    target_dir = _backup_dir()
    if _is_postgres(db):
        target = target_dir / f"lms-{stamp}.dump"
        subprocess.run(  # noqa: S603
            [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"], env=_pg_env(db), check=True
        )
    else:
        target = target_dir / f"lms-{stamp}.sqlite3"
        source = sqlite3.connect(str(db["NAME"]))
        dest = sqlite3.connect(str(target))
        with dest:
            source.backup(dest)
        source.close()
        dest.close()
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(media.iterdir()):
        with tarfile.open(target_dir / f"media-{stamp}.tar.gz", "w:gz") as tar:
            tar.add(media, arcname=".")
    print(target)
    return target


def _newest() -> Path:
    candidates = sorted(_backup_dir().glob("lms-*.*"))
    if not candidates:
        sys.exit(f"No backup found in {_backup_dir()}; give a file or set BACKUP_DIR.")
    return candidates[-1]


def restore(path: Path | None) -> None:
    settings = _setup()
    db = settings.DATABASES["default"]
    path = path or _newest()
    if not path.is_file():
        sys.exit(f"Backup file not found: {path}")
    if _is_postgres(db):
        if path.suffix != ".dump":
            sys.exit(f"{path} is not a PostgreSQL backup (.dump).")
        subprocess.run(  # noqa: S603
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={db['NAME']}",
                str(path),
            ],
            env=_pg_env(db),
            check=True,
        )
    else:
        if path.suffix != ".sqlite3":
            sys.exit(f"{path} is not an SQLite backup (.sqlite3).")
        source = sqlite3.connect(str(path))
        dest = sqlite3.connect(str(db["NAME"]))
        with dest:
            source.backup(dest)
        source.close()
        dest.close()
    stamp = path.stem.removeprefix("lms-")
    media_tar = path.parent / f"media-{stamp}.tar.gz"
    if media_tar.is_file():
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            shutil.rmtree(media)
        media.mkdir(parents=True)
        with tarfile.open(media_tar) as tar:
            tar.extractall(media, filter="data")
    print(f"restored {path}")


def counts() -> dict:
    _setup()
    from django.db import connection

    with connection.cursor() as cursor:
        result = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            result[table] = cursor.fetchone()[0]
    print(json.dumps(result, indent=1, sort_keys=True))
    return result


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("backup", "restore", "counts"):
        sys.exit(__doc__)
    if argv[0] == "backup":
        backup()
    elif argv[0] == "restore":
        restore(Path(argv[1]) if len(argv) > 1 else None)
    else:
        counts()


if __name__ == "__main__":
    main(sys.argv[1:])
