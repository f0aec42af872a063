"""Benchmark: hostile and large import files (issue 18): time and peak memory of each, against the import limits.

    .venv/bin/python tests/bench/bench_import_limits.py            # every case, each in its own process
    .venv/bin/python tests/bench/bench_import_limits.py zip sst    # the cases whose names contain these words

For each file: how it ends (refused, with the start of the message, or the count read), the time, the peak of
Python's allocations while parsing (tracemalloc, a second run) and how far the process's resident memory grew
(peak RSS after the run minus before). Each case runs in a fresh process (a throwaway SQLite for the people dry
run), so one case's memory does not hide the next. The hostile files are those of tests/import_bombs.py, built at
the default limits (lms/settings/base.py): every one must be refused before it is parsed, within a few MB.

Prints figures; it is not a pass/fail test (and not collected: its name does not start with test_).
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")


def _questions(fmt: str, build):
    def run(data):
        from assessments import parsers

        try:
            result = parsers.parse_upload(data=data, fmt=fmt, max_bytes=20 * 1024 * 1024)
        except parsers.FileRejected as exc:
            return f"refused: {exc}"
        return f"{len(result.questions)} questions, {len(result.errors) + result.truncated_errors} errors"

    return build, run


def _people(build, *, dry_run: bool):
    def run(data):
        from trainees.importing import parse_people_csv
        from trainees.services import people_import

        parsed = people_import(content=data, dry_run=True).parsed if dry_run else parse_people_csv(data)
        whole_file = [e.message for e in parsed.errors if e.line == 0]
        if whole_file:
            return f"refused: {whole_file[0]}"
        return f"{len(parsed.rows)} people, {len(parsed.errors)} errors"

    return build, run


def _cases() -> dict:
    from tests import import_bombs as bombs

    return {
        # hostile
        "xlsx dimension bomb (A1:XFD1048576, last cell XFD1048576)": _questions("xlsx", bombs.dimension_bomb),
        "xlsx claimed A1:XFD1048576, last cell XFD5002": _questions("xlsx", lambda: bombs.claimed_dimension(5002)),
        "xlsx shared strings, 250,000": _questions("xlsx", lambda: bombs.shared_strings_bomb(250_000)),
        "xlsx zip bomb, 200 MB of spaces": _questions("xlsx", lambda: bombs.zip_bomb(200_000_000)),
        "xlsx one row of 100,000 cells": _questions("xlsx", lambda: bombs.wide_row_bomb(100_000)),
        "question CSV, 300,000 rows": _questions("csv", lambda: bombs.question_csv(300_000).encode()),
        "question CSV, 10,000,000 blank lines": _questions("csv", lambda: "题型,题干,答案\n".encode() + b"\n" * 10**7),
        "question CSV, one row of 5,000,000 cells": _questions("csv", lambda: b"a," * 5_000_000),
        "Aiken, a stem of 40,000 lines": _questions("aiken", lambda: ("Q\n" + ("x" * 200 + "\n") * 40_000).encode()),
        "people CSV, 1,000,000 rows, parse": _people(lambda: bombs.people_csv_short(1_000_000), dry_run=False),
        "people CSV, 1,000,000 rows, dry run": _people(lambda: bombs.people_csv_short(1_000_000), dry_run=True),
        # just within every limit: the most memory and time a file can take
        "at the limits: xlsx, 100,000 rows of 9 numbers": _questions("xlsx", lambda: bombs.number_sheet(100_000, 9)),
        "at the limits: xlsx, 100,000 shared strings": _questions("xlsx", lambda: bombs.shared_strings_bomb(100_000)),
        "at the limits: xlsx, 99,990 styles": _questions("xlsx", lambda: bombs.styles_bomb(99_990)),
        "at the limits: xlsx, one row of 16,384 cells": _questions("xlsx", lambda: bombs.wide_row_bomb(16_384)),
        "at the limits: people CSV, 100,000 rows, dry run": _people(lambda: bombs.people_csv(100_000), dry_run=True),
        # legitimate
        "legit: question xlsx, 5,000 questions": _questions("xlsx", lambda: bombs.question_xlsx(5000)),
        "legit: question CSV, 5,000 questions": _questions("csv", lambda: bombs.question_csv(5000).encode()),
        "legit: people CSV, 50,000 rows, parse": _people(lambda: bombs.people_csv(50_000), dry_run=False),
        "legit: people CSV, 50,000 rows, dry run": _people(lambda: bombs.people_csv(50_000), dry_run=True),
    }


def _rss_peak_mb() -> float:
    """The process's peak resident memory. Not getrusage's ru_maxrss: Linux carries it over an exec, so a child
    would start with the peak of the parent that built the zip bomb; VmHWM belongs to the new program."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(name: str, path: str) -> dict:
    """In the child process: read the file the parent built (building a zip bomb takes hundreds of MB, which would
    hide the growth measured), run it once timed (RSS), once traced (tracemalloc)."""
    import django

    django.setup()
    _build, run = _cases()[name]
    if "dry run" in name:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    data = Path(path).read_bytes()
    rss_before = _rss_peak_mb()
    start = time.perf_counter()
    outcome = run(data)
    seconds = time.perf_counter() - start
    rss_growth = _rss_peak_mb() - rss_before
    tracemalloc.start()
    run(data)
    traced = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    return {"bytes": len(data), "outcome": outcome, "seconds": seconds, "traced": traced, "rss": rss_growth}


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--case":
        with tempfile.NamedTemporaryFile(prefix="bench-limits-", suffix=".sqlite3") as db:
            os.environ["DATABASE_URL"] = f"sqlite:///{db.name}"
            print(json.dumps(run_case(sys.argv[2], sys.argv[3])))
        return
    import django

    django.setup()
    words = sys.argv[1:]
    names = [name for name in _cases() if not words or any(word in name for word in words)]
    print(f"{'file':<58} {'size':>9} {'time':>8} {'traced':>9} {'RSS +':>8}  outcome")
    cases = _cases()
    for name in names:
        with tempfile.NamedTemporaryFile(prefix="bench-limits-", suffix=".upload") as upload:
            upload.write(cases[name][0]())
            upload.flush()
            child = subprocess.run(  # noqa: S603 - this script, with a case name of its own list
                [sys.executable, __file__, "--case", name, upload.name], capture_output=True, text=True, check=False
            )
        if child.returncode:
            print(f"{name:<58} failed: {child.stderr.strip().splitlines()[-1:]}")
            continue
        row = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"{name:<58} {row['bytes'] / 1024:7.0f}KB {row['seconds']:7.2f}s {row['traced']:7.1f}MB "
            f"{row['rss']:6.0f}MB  {row['outcome'][:90]}",
            flush=True,
        )


if __name__ == "__main__":
    main()
