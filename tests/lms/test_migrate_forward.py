"""A database made by the last release migrates forward without losing a row, on SQLite and on PostgreSQL.

The fixture holds every row of a demo database of the release (commit 8ed0498, made by
tests/lms/data/make_release_fixture.py) plus edge rows for each rewrite of the 2026-12 layering (trainees/ hands
models to learning/, dashboards/, notifications/). tests/lms/migrate_forward.py, in a subprocess, loads it into an
empty scratch database at the release's migration state, migrates forward as a deployment does, then back to the
release, and reports every table each time. Here: migrating forward loses nothing, adds nothing, and changes only
what the rewrites mean to change; migrating back gives the release's rows back exactly.

The PostgreSQL case needs DATABASE_URL=postgres://... (CI sets it); it makes its own scratch database there.
When a later release is out, make a fixture from it (see the script's docstring) and update FIXTURE and HANDOVER.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.lms.migrate_forward import MOVED, OLD_APP

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURE = HERE / "data" / "release-2026-12-07.json.gz"
SCRIPT = HERE / "migrate_forward.py"
TIMEOUT = 300  # seconds; a run takes about 20 s on a 2-core machine

# The migrations of the layering: what django_migrations must gain (with whatever else this code adds later).
HANDOVER = {
    ("trainees", "0016_hand_over_models"),
    ("learning", "0001_initial"),
    ("learning", "0002_rename_tables"),
    ("dashboards", "0001_initial"),
    ("dashboards", "0002_rename_tables"),
    ("notifications", "0001_initial"),
    ("notifications", "0002_rename_tables"),
}
NEW_APP = {model: app for app, models in MOVED.items() for model in models}
NEW_TABLE = {f"{OLD_APP}_{model}": f"{app}_{model}" for model, app in NEW_APP.items()}
TASK_PREFIXES = {
    "trainees.tasks.": "learning.tasks.",
    "trainees.dashboards.tasks.": "dashboards.tasks.",
    "trainees.notifications.tasks.": "notifications.tasks.",
}
# Tables whose content changes on purpose, and the column that does (every other column must stay as it was).
REWRITTEN = {
    "django_content_type": "app_label",
    "lms_auditlog": "object_type",
    "lms_deferredtask": "name",
    "trainees_notification": "subject",
}


# --- what the rewrites must do, written here independently of the migrations ---------------------------------------


def _app_label(app_label: str, model: str) -> str:
    return NEW_APP[model] if app_label == OLD_APP and model in NEW_APP else app_label


def _object_type(value: str) -> str:
    """ "trainees.enrollment" -> "learning.enrollment"; labels of models that stay, and anything else, unchanged."""
    app_label, dot, model = value.partition(".")
    return f"{_app_label(app_label, model)}.{model}" if dot else value


def _subject(value: str) -> str:
    """ "trainees.enrollment:42" -> "learning.enrollment:42"; "user:7", "demo:..." unchanged."""
    label, colon, rest = value.partition(":")
    return f"{_object_type(label)}:{rest}" if colon else value


def _task(name: str) -> str:
    for old, new in TASK_PREFIXES.items():
        if name.startswith(old):
            return new + name[len(old) :]
    return name


EXPECTED_VALUE = {"lms_auditlog": _object_type, "lms_deferredtask": _task, "trainees_notification": _subject}


# --- running the script --------------------------------------------------------------------------------------------


def _migrate_forward(database_url: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
    try:
        done = subprocess.run(
            [sys.executable, str(SCRIPT), str(FIXTURE)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        pytest.fail(f"migrate_forward.py took more than {TIMEOUT} s; its stderr:\n{stderr[-6000:]}")
    assert done.returncode == 0, f"migrate_forward.py exited with {done.returncode}; its stderr:\n{done.stderr[-6000:]}"
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"migrate_forward.py printed no JSON report:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-4000:]}"
        )


def _run_on_sqlite(tmp_path: Path) -> dict[str, Any]:
    return _migrate_forward(f"sqlite:///{tmp_path / 'release.sqlite3'}")


def _run_on_postgresql() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the PostgreSQL case needs DATABASE_URL=postgres://... (CI sets it); ran on SQLite only")
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    settings = dj_database_url.parse(url)
    server = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    server.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
    name = f"test_migrate_forward_{uuid.uuid4().hex[:12]}"
    try:
        with server.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            return _migrate_forward(urlsplit(url)._replace(path=f"/{name}").geturl())
        finally:
            with server.cursor() as cursor:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        server.close()


# --- the test ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_release_database_migrates_forward(backend: str, tmp_path: Path) -> None:
    report = _run_on_sqlite(tmp_path) if backend == "sqlite" else _run_on_postgresql()
    assert report["vendor"] == backend

    _check_migration_history(report)
    _check_content_types_and_permissions(report)
    _check_every_table_kept(report)
    _check_contents(report)
    _check_probes(report)
    _check_sequences(report)
    _check_rollback(report)


def test_fixture_covers_the_moved_tables_and_rewrites() -> None:
    """The fixture itself: a moved table with no row, or a rewrite with no row to rewrite, would prove nothing."""
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    rows = {block["table"]: block["rows"] for block in data["models"]}
    columns = {block["table"]: block["columns"] for block in data["models"]}
    empty = sorted(table for table in NEW_TABLE if not rows.get(table))
    assert not empty, f"the fixture has no row in the moved tables {empty}"

    def column(table: str, name: str) -> list:
        return [row[columns[table].index(name)] for row in rows[table]]

    subjects = column("trainees_notification", "subject")
    for prefix in ("trainees.enrollment:", "trainees.certificate:"):
        assert any(s.startswith(prefix) for s in subjects), f"no notification subject {prefix}<id> in the fixture"
    assert "trainees.enrollment" in column("lms_auditlog", "object_type")
    names = column("lms_deferredtask", "name")
    for prefix in TASK_PREFIXES:
        assert any(n.startswith(prefix) for n in names), f"no deferred task named {prefix}... in the fixture"
    assert any(_task(n) == n for n in names), "no deferred task that must keep its name"
    for table in ("auth_group_permissions", "django_admin_log", "trainees_user_user_permissions"):
        assert rows[table], f"the fixture has no row in {table}"


# --- the checks ----------------------------------------------------------------------------------------------------


def _nodes(items: list[list[str]]) -> set[tuple[str, str]]:
    return {(app, name) for app, name in items}


def _check_migration_history(report: dict[str, Any]) -> None:
    release = _nodes(report["fixture"]["applied"])
    before, after = _nodes(report["applied_before"]), _nodes(report["applied_after"])
    graph = _nodes(report["graph_nodes"])
    # This code's migration files reproduce the release's history (none renamed, none missing, none inserted).
    assert before == release, (
        f"at the release's leaf nodes this code applied {sorted(before - release)} that the release did not have, "
        f"and not {sorted(release - before)}"
    )
    assert before <= after, f"migrations unrecorded by migrating forward: {sorted(before - after)}"
    gained = after - before
    assert gained == graph - before, (
        f"django_migrations gained {sorted(gained)}, expected every migration the release did not have: "
        f"{sorted(graph - before)}"
    )
    assert gained >= HANDOVER, f"the layering's migrations {sorted(HANDOVER - gained)} did not run"


def _check_every_table_kept(report: dict[str, Any]) -> None:
    before, after = report["before"], report["after"]
    assert report["renamed"] == NEW_TABLE, "the moved models' tables are not named after their new apps"
    # Later migrations may add tables and columns; none of the release's may be lost.
    expected = {NEW_TABLE.get(table, table) for table in before}
    assert expected <= set(after), f"tables lost (old name -> missing new name): {sorted(expected - set(after))}"
    # Content types and permissions grow by those of models added since the release (checked one by one in
    # _check_content_types_and_permissions); every other table keeps its rows.
    grows = {"django_content_type", "auth_permission"}
    for table, was in before.items():
        now = after[NEW_TABLE.get(table, table)]
        if table in grows:
            assert now["rows"] >= was["rows"], f"{table}: {was['rows']} rows before, {now['rows']} after"
            continue
        assert now["rows"] == was["rows"], f"{table}: {was['rows']} rows before, {now['rows']} after"
        lost = sorted(set(was["columns"]) - set(now["columns"]))
        assert not lost, f"{table}: columns {lost} lost"


def _check_contents(report: dict[str, Any]) -> None:
    before, after = report["before"], report["after"]
    for table, was in before.items():
        if table in ("auth_permission", "django_content_type"):
            continue  # gain the rows of models added since; compared row by row in the content-type check
        now = after[NEW_TABLE.get(table, table)]
        changed = sorted(
            column
            for column, digest in was["column_digests"].items()
            if column != REWRITTEN.get(table) and now["column_digests"].get(column) != digest
        )
        assert not changed, f"{table}: the values of {changed} changed"
    for table, rewrite in EXPECTED_VALUE.items():
        was, now = before[table]["values"], after[NEW_TABLE.get(table, table)]["values"]
        expected = {pk: rewrite(value) for pk, value in was.items()}
        wrong = {pk: (was[pk], now.get(pk), expected[pk]) for pk in expected if now.get(pk) != expected[pk]}
        assert not wrong, (
            f"{table}.{REWRITTEN[table]}: {len(wrong)} rows not as expected; (before, after, expected) "
            f"by id, the first five: {dict(sorted(wrong.items())[:5])}"
        )


def _check_content_types_and_permissions(report: dict[str, Any]) -> None:
    before, after = report["before"], report["after"]
    ct_before, ct_after = before["django_content_type"]["shown"], after["django_content_type"]["shown"]
    # Same ids, relabelled in place: none lost, and none created by post_migrate except for models the release did
    # not have (added since).
    release_models = {_app_label(app, model) + "." + model for app, model in ct_before.values()}
    created = {i: ct_after[i] for i in set(ct_after) - set(ct_before)}
    deleted = [ct_before[i] for i in set(ct_before) - set(ct_after)]
    again = [label for label in created.values() if f"{label[0]}.{label[1]}" in release_models]
    assert not deleted and not again, f"content types created again: {again}, deleted: {deleted}"
    expected = {pk: [_app_label(app, model), model] for pk, (app, model) in ct_before.items()}
    wrong = {pk: (ct_before[pk], ct_after[pk], expected[pk]) for pk in ct_before if ct_after[pk] != expected[pk]}
    assert not wrong, f"content types not relabelled as expected, (before, after, expected) by id: {wrong}"
    stale = [label for label in ct_after.values() if label[0] == OLD_APP and label[1] in NEW_APP]
    assert not stale, f"content types still under {OLD_APP}: {stale}"
    relabelled = sum(1 for app, model in ct_before.values() if app == OLD_APP and model in NEW_APP)
    assert relabelled == len(NEW_APP), f"the release had {relabelled} content types of moved models, not {len(NEW_APP)}"
    perm_before, perm_after = before["auth_permission"]["shown"], after["auth_permission"]["shown"]
    # The release's permissions are kept as they were; new ones only for the models added since.
    assert {pk: perm_after.get(pk) for pk in perm_before} == perm_before, "permissions of the release changed"
    foreign = [p for pk, p in perm_after.items() if pk not in perm_before and str(p[0]) not in created]
    assert not foreign, f"permissions created for models the release had: {foreign}"


def _check_probes(report: dict[str, Any]) -> None:
    """The edge rows of the fixture, by id: each one points at what it pointed at, under the new label."""
    probes, before, after = report["fixture"]["probes"], report["before"], report["after"]
    ct = after["django_content_type"]["shown"]
    perms = after["auth_permission"]["shown"]

    assert ct[str(probes["content_types"]["trainees.enrollment"])] == ["learning", "enrollment"]
    assert ct[str(probes["content_types"]["trainees.notification"])] == ["notifications", "notification"]

    logs = after["django_admin_log"]["shown"]
    assert logs == before["django_admin_log"]["shown"]
    assert ct[str(logs[str(probes["log_entries"]["trainees.enrollment"])][0])] == ["learning", "enrollment"]
    assert ct[str(logs[str(probes["log_entries"]["trainees.user"])][0])] == ["trainees", "user"]

    granted = after["auth_group_permissions"]["shown"]
    assert granted == before["auth_group_permissions"]["shown"]
    in_group = sorted(perm for group, perm in granted.values() if group == probes["group"])
    assert in_group == probes["group_permissions"], "the group's permissions are not the same rows"
    assert {tuple(ct[str(perms[str(perm)][0])]) for perm in in_group} == {
        ("learning", "enrollment"),
        ("notifications", "notification"),
    }
    own = after["trainees_user_user_permissions"]["shown"]
    assert own == before["trainees_user_user_permissions"]["shown"]
    assert [ct[str(perms[str(perm)][0])] for _user, perm in own.values()] == [["learning", "certificate"]]

    audit = after["lms_auditlog"]["values"]
    assert {label: audit[str(pk)] for label, pk in probes["audit_log"].items()} == {
        "trainees.enrollment": "learning.enrollment",
        "trainees.nudge": "dashboards.nudge",
        "trainees.notificationpreference": "notifications.notificationpreference",
        "trainees.user": "trainees.user",
    }
    tasks = after["lms_deferredtask"]["values"]
    assert {name: tasks[str(pk)] for name, pk in probes["deferred_tasks"].items()} == {
        "trainees.tasks.enroll_bulk": "learning.tasks.enroll_bulk",
        "trainees.dashboards.tasks.stats_repair": "dashboards.tasks.stats_repair",
        "trainees.notifications.tasks.dispatch_notifications": "notifications.tasks.dispatch_notifications",
        "assessments.tasks.close_overdue_attempts": "assessments.tasks.close_overdue_attempts",
    }
    subjects = after["notifications_notification"]["values"]
    for subject, pk in probes["notifications"].items():
        label, _, object_id = subject.partition(":")
        model = label.partition(".")[2]
        assert subjects[str(pk)] == f"{NEW_APP[model]}.{model}:{object_id}"


def _check_sequences(report: dict[str, Any]) -> None:
    """A renamed table keeps its id sequence, and the next insert gets an id past the rows it has."""
    before, after = report["before"], report["after"]
    with_sequence = {NEW_TABLE.get(t, t) for t, entry in before.items() if entry.get("next_id") is not None}
    assert with_sequence == {t for t, entry in after.items() if entry.get("next_id") is not None}
    behind = {
        t: (e["max_id"], e["next_id"]) for t, e in after.items() if e.get("next_id") and e["next_id"] <= e["max_id"]
    }
    assert not behind, f"sequences behind the ids in their table (max id, next id): {behind}"
    assert "learning_enrollment" in with_sequence


def _check_rollback(report: dict[str, Any]) -> None:
    """Rolling back to the release (migrate trainees 0015...) gives every table back as the release had it."""
    assert _nodes(report["applied_back"]) == _nodes(report["applied_before"]), "rolling back left another history"
    before, back = report["before"], report["back"]
    assert set(back) == set(before), (
        f"tables after rolling back: missing {sorted(set(before) - set(back))}, new {sorted(set(back) - set(before))}"
    )
    # Django keeps the content types and permissions of models whose migrations were rolled back (the
    # remove_stale_contenttypes command deletes them): those two tables must hold the release's rows as they were.
    kept = ("django_content_type", "auth_permission")
    changed = sorted(t for t in before if t not in kept and back[t]["digest"] != before[t]["digest"])
    assert not changed, f"rolling back did not restore the rows of {changed}"
    for table in kept:
        was, now = before[table]["shown"], back[table]["shown"]
        assert {pk: now.get(pk) for pk in was} == was, f"rolling back changed the release's rows of {table}"
