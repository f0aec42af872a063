"""Migrate a released database forward and report what every table holds before and after.

    DATABASE_URL=<an EMPTY scratch database> python tests/lms/migrate_forward.py tests/lms/data/release-....json.gz

Run by tests/lms/test_migrate_forward.py in a subprocess (a fresh process: the migration state, the app registry
and the connection are those of a deployment, not of the test run). Steps:

1. migrate the empty database only up to the release's leaf nodes (recorded in the fixture), with this code's
   migration files: the schema is the release's;
2. load the fixture's rows through the historical models of that state (the current models may have moved or
   changed), with foreign-key checks deferred, then check every constraint and reset the sequences;
3. snapshot: per table its row count, a digest of its rows and one per column (raw cursor, primary-key order, columns by name);
4. `migrate` to the end the way a deployment does (post_migrate included: it creates a content type or permission
   for any model whose content type was not relabelled);
5. snapshot again;
6. roll back to the release as an operator would (`migrate <app> <release's migration>`, `migrate <app> zero` for
   an app the release did not have) and snapshot a third time: the release's rows must be back exactly;
7. print one JSON document (stdout) with the three snapshots and the migration history.

The fixture is made by tests/lms/data/make_release_fixture.py. Everything else the command says goes to stderr.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_FORMAT = 1

# The 2026-12 layering: the models trainees/ hands over, by the app that takes them (tables trainees_<model>).
OLD_APP = "trainees"
MOVED: dict[str, tuple[str, ...]] = {
    "learning": ("enrollment", "lessonprogress", "certificate", "calendarfeed"),
    "dashboards": (
        "personstats",
        "teamstats",
        "teamsnapshot",
        "personcategoryscore",
        "nudge",
        "coursestats",
        "teamplanstats",
        "teamcoursestats",
        "ownerstats",
        "ownersnapshot",
    ),
    "notifications": ("notification", "notificationpreference", "quiethours", "emaildayslot"),
}
# Columns the forward migrations rewrite on purpose (by table, under its old or new name). The snapshot gives each
# of these tables the value of that column per row (its other columns are compared by their per-column digests).
REWRITTEN: dict[str, str] = {
    "django_content_type": "app_label",
    "lms_auditlog": "object_type",
    "lms_deferredtask": "name",
    "trainees_notification": "subject",
    "notifications_notification": "subject",
}
# Small tables whose rows the test reads (values per primary key), to follow ids across the migration.
SHOWN: dict[str, tuple[str, ...]] = {
    "django_content_type": ("app_label", "model"),
    "auth_permission": ("content_type_id", "codename"),
    "auth_group_permissions": ("group_id", "permission_id"),
    "trainees_user_user_permissions": ("user_id", "permission_id"),
    "django_admin_log": ("content_type_id", "object_id"),
}
INSERT_BATCH = 500


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to an empty scratch database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
    import django

    django.setup()


def _plain(value: Any) -> Any:
    """A JSON value that stands for a raw database value, the same for equal values on one backend."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return {"bytes": bytes(value).hex()}  # repr(memoryview) would show its address
    return {type(value).__name__: str(value)}


def _digest(columns: list[str], rows: list[tuple]) -> str:
    h = hashlib.sha256(json.dumps(columns).encode())
    for row in rows:
        h.update(b"\n" + json.dumps([_plain(v) for v in row], ensure_ascii=False).encode())
    return h.hexdigest()


def snapshot(connection) -> dict[str, dict[str, Any]]:
    """Every table but django_migrations: row count, digest, and for REWRITTEN / SHOWN tables their details."""
    introspection, qn = connection.introspection, connection.ops.quote_name
    tables: dict[str, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        for table in sorted(introspection.table_names(cursor)):
            if table == "django_migrations":
                continue
            # By name, not by position: a table rebuilt by SQLite's schema editor may list its columns in another order.
            columns = sorted(info.name for info in introspection.get_table_description(cursor, table))
            pk = introspection.get_primary_key_column(cursor, table)
            order = [pk] if pk else columns
            # Names from introspection, quoted: no injection (S608).
            select = f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(table)}"  # noqa: S608
            cursor.execute(f"{select} ORDER BY {', '.join(qn(c) for c in order)}")
            rows = cursor.fetchall()
            entry: dict[str, Any] = {"rows": len(rows), "columns": columns, "digest": _digest(columns, rows)}
            key = columns.index(pk) if pk else None
            # Per column (with the row's key), so that columns added by later migrations leave the old ones comparable.
            entry["column_digests"] = {
                column: _digest([column], [(r[key] if key is not None else k, r[i]) for k, r in enumerate(rows)])
                for i, column in enumerate(columns)
            }
            if table in REWRITTEN:
                drop = columns.index(REWRITTEN[table])
                entry["values"] = {str(r[key]): _plain(r[drop]) for r in rows}
            if table in SHOWN:
                picks = [columns.index(c) for c in SHOWN[table]]
                entry["shown"] = {str(r[key]): [_plain(r[i]) for i in picks] for r in rows}
            if pk and rows:
                entry["max_id"] = max(r[key] for r in rows)
                entry["next_id"] = _next_id(connection, cursor, table, pk)
            tables[table] = entry
    return tables


def _next_id(connection, cursor, table: str, pk: str) -> int | None:
    """The id the next insert without one would get, if the primary key has a sequence (None if it has not): a
    renamed table must keep its sequence, and it must be past the ids already there."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [connection.ops.quote_name(table), pk])
        sequence = cursor.fetchone()[0]
        if sequence is None:
            return None
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 (a name PostgreSQL gave)
        last, called = cursor.fetchone()
        return last + 1 if called else last
    if connection.vendor == "sqlite":
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        return None if found is None else found[0] + 1
    return None


def _historical_plan(connection, hist_apps, block: dict[str, Any]):
    """The historical model of one fixture block, and its INSERT with the rows as database values."""
    app_label, model_name = block["label"].split(".")
    model = hist_apps.get_model(app_label, model_name)
    meta = model._meta
    if meta.db_table != block["table"]:
        sys.exit(f"{block['label']}: table {meta.db_table} at the release state, {block['table']} in the fixture")
    by_attname = {f.attname: f for f in meta.concrete_fields}
    if set(by_attname) != set(block["columns"]):
        sys.exit(
            f"{block['label']}: the release state's columns differ from the fixture's: "
            f"only in the state {sorted(set(by_attname) - set(block['columns']))}, "
            f"only in the fixture {sorted(set(block['columns']) - set(by_attname))}"
        )
    fields = [by_attname[c] for c in block["columns"]]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608 (model names)
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    # to_python reads the fixture's portable values back (aware datetimes, base64 bytes, ...) as the deserializers
    # do; get_db_prep_save makes them this backend's values. Raw SQL, not save(): auto_now fields keep their values.
    rows = [
        tuple(f.get_db_prep_save(f.to_python(value), connection) for f, value in zip(fields, row, strict=True))
        for row in block["rows"]
    ]
    return model, sql, rows


def load(connection, hist_apps, data: dict[str, Any]) -> None:
    from django.core.management.color import no_style
    from django.db import transaction

    excluded = set(data["excluded_tables"])
    in_fixture = {block["table"] for block in data["models"]}
    release_tables = set(connection.introspection.table_names()) - excluded - {"django_migrations"}
    if release_tables != in_fixture:
        sys.exit(
            f"The release state's tables and the fixture's differ: only in the state "
            f"{sorted(release_tables - in_fixture)}, only in the fixture {sorted(in_fixture - release_tables)}"
        )
    plans = [_historical_plan(connection, hist_apps, block) for block in data["models"]]
    qn = connection.ops.quote_name
    # SQLite: foreign keys off (outside the transaction, as it requires), checked at the end. PostgreSQL: Django's
    # foreign keys are DEFERRABLE INITIALLY DEFERRED, so one transaction loads the tables in any order.
    with connection.constraint_checks_disabled(), transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            # The fixture is the whole database: rows the migrations wrote (groups, reference data) go first.
            for table in sorted(in_fixture):
                cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608 (table names from the fixture's models, quoted)
            for _model, sql, rows in plans:
                for start in range(0, len(rows), INSERT_BATCH):
                    cursor.executemany(sql, rows[start : start + INSERT_BATCH])
            for statement in connection.ops.sequence_reset_sql(no_style(), [plan[0] for plan in plans]):
                cursor.execute(statement)
        connection.check_constraints(table_names=sorted(in_fixture))
    with connection.cursor() as cursor:
        for block in data["models"]:
            cursor.execute(f"SELECT COUNT(*) FROM {qn(block['table'])}")  # noqa: S608
            if cursor.fetchone()[0] != len(block["rows"]):
                sys.exit(f"{block['table']}: loaded a different number of rows than the fixture holds")


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit(__doc__)
    with gzip.open(argv[1], "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("format") != FIXTURE_FORMAT:
        sys.exit(f"Fixture format {data.get('format')!r}, this loader reads {FIXTURE_FORMAT}")
    _setup_django()

    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.recorder import MigrationRecorder

    if connection.introspection.table_names():
        sys.exit(f"The database {connection.settings_dict['NAME']} is not empty: give an empty scratch database.")
    timings: dict[str, float] = {}
    clock = [time.monotonic()]

    def lap(name: str) -> None:
        now = time.monotonic()
        timings[name] = round(now - clock[0], 2)
        clock[0] = now

    executor = MigrationExecutor(connection)
    targets = [tuple(node) for node in data["leaf_nodes"]]
    unknown = [node for node in targets if node not in executor.loader.graph.nodes]
    if unknown:
        sys.exit(f"The release's migrations {unknown} are not in this code: a migration file was renamed or deleted")
    executor.migrate(targets)
    recorder = MigrationRecorder(connection)
    applied_before = sorted(list(key) for key in recorder.applied_migrations())
    lap("migrate_to_release")

    load(connection, executor.loader.project_state(targets).apps, data)
    lap("load")
    before = snapshot(connection)

    call_command("migrate", interactive=False, skip_checks=True, verbosity=1, stdout=sys.stderr)
    lap("migrate_forward")
    after = snapshot(connection)
    applied_after = sorted(list(key) for key in recorder.applied_migrations())

    # Back to the release: each app to its release leaf, then "zero" for the apps the release did not have (most are
    # unapplied already, as dependents of the first ones). Only apps that have something to unapply are migrated.
    release_applied = {tuple(key) for key in applied_before}
    release_leaf = dict(targets)
    new_apps = sorted({app for app, _ in recorder.applied_migrations()} - set(release_leaf))
    for app, name in [*sorted(release_leaf.items()), *((app, "zero") for app in new_apps)]:
        if any(key[0] == app and key not in release_applied for key in recorder.applied_migrations()):
            call_command("migrate", app, name, interactive=False, skip_checks=True, verbosity=1, stdout=sys.stderr)
    lap("migrate_back")
    back = snapshot(connection)

    report = {
        "vendor": connection.vendor,
        "fixture": {key: data[key] for key in ("release_commit", "leaf_nodes", "applied", "probes")},
        "graph_nodes": sorted(list(node) for node in executor.loader.graph.nodes),
        "applied_before": applied_before,
        "applied_after": applied_after,
        "applied_back": sorted(list(key) for key in recorder.applied_migrations()),
        # Where each moved model's table is now, by the current models (not by the migrations under test).
        "renamed": {
            f"{OLD_APP}_{model}": apps.get_model(app, model)._meta.db_table
            for app, models in MOVED.items()
            for model in models
        },
        "before": before,
        "after": after,
        "back": back,
        "timings": timings,
    }
    json.dump(report, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
