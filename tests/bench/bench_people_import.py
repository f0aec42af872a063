"""Benchmark: import 10,000 people from CSV. Target: under 10 s on SQLite and on PostgreSQL.

    .venv/bin/python tests/bench/bench_people_import.py             # throwaway SQLite file
    DATABASE_URL=postgres://... .venv/bin/python tests/bench/bench_people_import.py   # throwaway test_<db>

Prints figures; it is not a pass/fail test (and not collected: its name does not start with test_).
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
TARGET_SECONDS = 10.0


def make_csv(rows: int, *, email_domain: str = "example.com") -> bytes:
    lines = ["工号,姓名,邮箱,团队,角色,经理工号"]
    surnames, given = "张王李赵刘陈杨黄吴周", ["伟", "芳", "娜", "秀英", "敏", "静", "强", "磊", "军", "洋"]
    for i in range(rows):
        region, dept, team = i % 3, (i // 3) % 5, (i // 15) % 10
        path = f"区域{region}/部门{dept}/{team}组"
        if i < 150:  # the first 150 people manage the 150 teams
            lines.append(f"M{i:05d},{surnames[i % 10]}经理{i},m{i}@{email_domain},{path},manager,")
        else:
            manager = f"M{(region + 3 * dept + 15 * team) % 150:05d}"
            name = surnames[i % 10] + given[(i // 10) % 10]
            lines.append(f"S{i:05d},{name},s{i}@{email_domain},{path},销售,{manager}")
    return ("\n".join(lines) + "\n").encode("gbk")


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {elapsed:7.2f} s")
    return result, elapsed


def main() -> None:
    tmp = None
    if "DATABASE_URL" not in os.environ:
        tmp = tempfile.NamedTemporaryFile(prefix="bench-people-", suffix=".sqlite3", delete=False)
        tmp.close()
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from trainees.importing import parse_people_csv
    from trainees.models import Team, User
    from trainees.services import people_import

    postgres = connection.vendor == "postgresql"
    if postgres:
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    try:
        content = make_csv(ROWS)
        changed = make_csv(ROWS, email_domain="new.example.com")
        print(f"{ROWS} rows, {len(content) / 1024:.0f} KiB (GBK), database: {connection.vendor}")
        timed("parse + validate only", lambda: parse_people_csv(content))
        timed("dry run (parse + plan)", lambda: people_import(content=content, dry_run=True))
        report, first = timed("import into an empty database", lambda: people_import(content=content))
        assert report.ok and report.created == ROWS, report.errors[:5]
        report, _t = timed("same file again (all unchanged)", lambda: people_import(content=content))
        assert report.unchanged == ROWS
        report, _t = timed("upsert (every e-mail changed)", lambda: people_import(content=changed))
        assert report.updated == ROWS
        print(f"people: {User.objects.count()}, teams: {Team.objects.count()}")
        verdict = "OK" if first < TARGET_SECONDS else "SLOWER THAN TARGET"
        print(f"import of {ROWS} rows: {first:.2f} s (target < {TARGET_SECONDS:.0f} s): {verdict}")
    finally:
        if postgres:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        elif tmp is not None:
            connection.close()
            Path(tmp.name).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
