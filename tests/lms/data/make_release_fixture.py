"""Build the release fixture that tests/lms/test_migrate_forward.py migrates forward: every row of a demo database
made by a released version of the LMS, plus the migration leaf nodes of that release.

Run it with the RELEASED code (its checkout, its virtualenv, its settings), from the root of that checkout, against
an empty scratch database of your own; the path of this script may be in another checkout:

    git worktree add /tmp/release <release commit>          # or any checkout of the release
    cd /tmp/release                                         # its .venv installed from its requirements.txt
    DATABASE_URL=sqlite:////tmp/release.sqlite3 .venv/bin/python \\
        /path/to/current/tests/lms/data/make_release_fixture.py \\
        /path/to/current/tests/lms/data/release-YYYY-MM-DD.json.gz

What it does, in order:
1. `migrate` the empty database (it refuses a database that has any table: never point it at a real one);
2. `seed_demo`;
3. add the edge rows that exercise what the migrations after this release rewrite (see `add_edge_rows`): for the
   2026-12 layering (trainees/ handing models to learning/, dashboards/, notifications/) that is permissions and an
   admin LogEntry on moved models' content types, audit entries naming moved models, DeferredTask rows naming
   moved tasks (and one that must stay), notifications whose subject names a moved model, and one row in each moved
   table the demo leaves empty;
4. write gzipped JSON: the leaf node and applied list of every app, the ids of the edge rows ("probes"), and the
   rows of every table that has a model (auto-created many-to-many tables included; django_migrations and
   django_session left out), one block per model: its table, its columns (attnames) and its rows in primary-key
   order.

Values follow the rules of Django's serializers (None, numbers, strings, dates and Decimals as they are; anything
else through `field.value_to_string`: JSON fields as JSON values, binary as base64, UUIDs as text), except that
datetimes and times keep their microseconds (DjangoJSONEncoder would cut them to milliseconds). Datetimes are
aware (UTC). The loader (tests/lms/migrate_forward.py) turns each value back with `field.to_python`, so the file
loads the same on SQLite and PostgreSQL whichever database produced it.

For a later release: run this script against that release; `add_edge_rows` names models by their labels in that
release (OLD_APP below), so adapt it to where the models live then and to whatever the newer migrations rewrite.
Then point the test at the new file and update its expected rewrites. The output is deterministic for a given
database (rows in primary-key order, gzip without a timestamp), but seed_demo dates its data from today, so two runs
differ.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

FORMAT = 1
# Tables that are not data to carry over: the migration history is rebuilt by the loader, sessions are transient.
EXCLUDED_TABLES = ("django_migrations", "django_session")
# Where the models the 2026-12 layering moves live at the release.
OLD_APP = "trainees"


def _setup_django() -> None:
    # The release's own packages come from the current directory (its checkout), not from this script's folder.
    sys.path.insert(0, os.getcwd())
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to an empty scratch database (e.g. sqlite:////tmp/release.sqlite3).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
    # Test settings: Celery eager, in-memory file storage and mail. No shared Redis or broker is touched.
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()


def _release_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def build_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    if connection.introspection.table_names():
        sys.exit(f"The database {connection.settings_dict['NAME']} is not empty: use a fresh scratch database.")
    call_command("migrate", interactive=False, skip_checks=True, verbosity=0)
    call_command("seed_demo", stdout=sys.stderr)


def add_edge_rows() -> dict[str, Any]:
    """Rows the demo does not make but the forward migrations must carry or rewrite. Returns their ids."""
    from django.apps import apps
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from lms.audit import audit_log_record
    from lms.models import DeferredTask, Job, UserSession

    def model(name: str):
        return apps.get_model(OLD_APP, name)

    now = timezone.now().replace(microsecond=123456)  # microseconds on purpose: they must survive the round trip
    User = get_user_model()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    people = list(User.objects.filter(is_superuser=False).order_by("pk")[:4])
    if admin is None or len(people) < 4:
        sys.exit("seed_demo made no superuser or fewer than 4 other people; add them here.")
    enrollment = model("Enrollment").objects.order_by("pk").first()
    certificate = model("Certificate").objects.order_by("pk").first()
    if enrollment is None or certificate is None:
        sys.exit("seed_demo made no enrollment or no certificate; create them here.")
    ct = ContentType.objects.get_for_model
    enrollment_ct, notification_ct = ct(model("Enrollment")), ct(model("Notification"))

    # Moved models' rows the demo leaves empty: a table with no row proves nothing about losing rows.
    feed = model("CalendarFeed").objects.create(user=people[0], token="fixture-calendar-token")
    nudge = model("Nudge").objects.create(user=people[1], day=now.date(), sent_by=admin, overdue=2)
    quiet = model("QuietHours").objects.create(user=people[2], start=dt.time(22, 30), end=dt.time(7, 15))
    pref = model("NotificationPreference").objects.create(user=people[3], kind="due_soon", in_app=False, email="off")
    # Other tables the demo leaves empty, including a binary column (base64 in the file).
    model("PeopleImport").objects.create(
        owner=admin, filename="people.csv", content="\ufeff工号,姓名\n1001,张三\n".encode("gb18030", "replace")
    )
    job = Job.objects.create(kind="enroll_bulk", owner=admin, total=len(people), result={})
    UserSession.objects.create(user=people[0], session_key="fixture-session-key-0001")
    apps.get_model("authtoken", "Token").objects.create(key="f" * 40, user=people[1])
    apps.get_model("axes", "AccessLog").objects.create(
        username=people[2].username, ip_address="10.0.0.7", user_agent="fixture", http_accept="*/*", path_info="/"
    )

    # Permissions on moved models' content types: through a group, and given to a person directly.
    group = Group.objects.create(name="fixture: moved-model permissions")
    moved_perms = Permission.objects.filter(
        content_type__app_label=OLD_APP, content_type__model__in=("enrollment", "notification")
    ).order_by("pk")
    group.permissions.add(*moved_perms)
    people[0].user_permissions.add(
        Permission.objects.get(content_type=ct(model("Certificate")), codename__startswith="change_")
    )

    # The admin history of an enrollment (content type by id) and, as a control, of a person (not moved).
    log_enrollment = LogEntry.objects.create(
        user=admin,
        content_type=enrollment_ct,
        object_id=str(enrollment.pk),
        object_repr=str(enrollment)[:200],
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Due date"]}}]',
    )
    log_user = LogEntry.objects.create(
        user=admin,
        content_type=ct(User),
        object_id=str(people[0].pk),
        object_repr=str(people[0])[:200],
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Team"]}}]',
    )

    # Audit entries name their object by label ("trainees.enrollment"): one per new app, plus trainees.user (kept).
    audit = {
        obj._meta.label_lower: audit_log_record(actor=admin, action="fixture.edit", obj=obj).pk
        for obj in (enrollment, nudge, pref, people[0])
    }

    # Tasks waiting for the broker, by Celery name: one per moved task module and one that must stay as it is.
    tasks = {}
    for name, args, kwargs in (
        (
            "trainees.tasks.enroll_bulk",
            [],
            {
                "job_id": job.pk,
                "user_ids": [p.pk for p in people],
                "course_id": enrollment.course_id,
                "plan_id": None,
                "due_date": None,
                "enrolled_by_id": admin.pk,
            },
        ),
        ("trainees.dashboards.tasks.stats_repair", [], {}),
        ("trainees.notifications.tasks.dispatch_notifications", [], {}),
        ("assessments.tasks.close_overdue_attempts", [], {}),
    ):
        tasks[name] = DeferredTask.objects.create(name=name, args=args, kwargs=kwargs, error="broker down").pk

    # Notification subjects name their object by label; the demo has "trainees.enrollment:<id>" already.
    Notification = model("Notification")
    subjects = {
        f"{OLD_APP}.certificate:{certificate.pk}": ("certificate_expiring", certificate.user),
        f"{OLD_APP}.nudge:{nudge.pk}": ("overdue_nudge", nudge.user),
        f"{OLD_APP}.enrollment:{enrollment.pk}": ("fixture_probe", enrollment.user),
    }
    notifications = {}
    for subject, (kind, recipient) in subjects.items():
        notifications[subject] = Notification.objects.create(
            recipient=recipient,
            kind=kind,
            subject=subject,
            occasion=now.date().isoformat(),
            context={"title": "fixture", "at": now.isoformat()},
            status="sent",
            sent_at=now,
        ).pk

    return {
        "content_types": {"trainees.enrollment": enrollment_ct.pk, "trainees.notification": notification_ct.pk},
        "group": group.pk,
        "group_permissions": sorted(moved_perms.values_list("pk", flat=True)),
        "log_entries": {"trainees.enrollment": log_enrollment.pk, "trainees.user": log_user.pk},
        "audit_log": audit,
        "deferred_tasks": tasks,
        "notifications": notifications,
        "moved_rows": {"calendarfeed": feed.pk, "nudge": nudge.pk, "quiethours": quiet.pk, "preference": pref.pk},
    }


def _value(field, obj) -> Any:
    """The value of one field as Django's serializers give it (protected types as they are, the rest as text)."""
    from django.utils.encoding import is_protected_type

    value = field.value_from_object(obj)
    return value if is_protected_type(value) else field.value_to_string(obj)


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.date | dt.time):
            return o.isoformat()  # full precision, offset included for aware datetimes
        if isinstance(o, decimal.Decimal):
            return str(o)
        return super().default(o)


def dump() -> dict[str, Any]:
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    blocks, covered = [], set()
    for model in sorted(apps.get_models(include_auto_created=True), key=lambda m: m._meta.label_lower):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in EXCLUDED_TABLES:
            continue
        fields = meta.concrete_fields
        rows = [[_value(f, obj) for f in fields] for obj in model._base_manager.order_by("pk").iterator()]
        blocks.append(
            {"label": meta.label_lower, "table": meta.db_table, "columns": [f.attname for f in fields], "rows": rows}
        )
        covered.add(meta.db_table)
    # "Every table": a table no model describes would be left behind silently, so refuse to write the file.
    stray = set(connection.introspection.table_names()) - covered - set(EXCLUDED_TABLES)
    if stray:
        sys.exit(f"Tables without a model, not dumped: {sorted(stray)}")

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    import django

    return {
        "format": FORMAT,
        "release_commit": _release_commit(),
        "django": django.get_version(),
        "vendor": connection.vendor,
        "leaf_nodes": sorted(list(node) for node in loader.graph.leaf_nodes()),
        "applied": sorted(list(key) for key in MigrationRecorder(connection).applied_migrations()),
        "excluded_tables": list(EXCLUDED_TABLES),
        "models": blocks,
    }


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit(__doc__)
    out = Path(argv[1]).resolve()
    _setup_django()
    build_database()
    probes = add_edge_rows()
    data = dump()
    data["probes"] = probes
    # No sort_keys: it would reorder the keys inside JSON columns too, and SQLite keeps them as they were written.
    payload = json.dumps(data, cls=_Encoder, ensure_ascii=False, separators=(",", ":"))
    with out.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(payload.encode())
    rows = sum(len(b["rows"]) for b in data["models"])
    print(f"{out}: {len(data['models'])} tables, {rows} rows, {out.stat().st_size} bytes", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
