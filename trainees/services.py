"""Writes for people and teams."""

import datetime as dt
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from lms.audit import AuditAction, audit_log_record, audit_log_record_many
from lms.deferred import enqueue_on_commit
from lms.models import AuditLog
from lms.roles import MANAGER, ROLES, SALESPERSON, TRAINER, has_role, is_admin
from lms.services import sessions_end_all
from trainees.importing import (
    EMAIL_MAX,
    EMPLOYEE_NO_MAX,
    EMPLOYEE_NO_RE,
    NAME_MAX,
    TEAM_DEPTH_MAX,
    TEAM_NAME_MAX,
    TEAM_SEPARATOR,
    ParseResult,
    PersonRow,
    parse_people_csv,
)
from trainees.models import PeopleImport, Team, User

TEAM_PATH_SEPARATOR = "/"


def _fill_path(team: Team) -> None:
    parent_path = team.parent.path if team.parent_id else "/"
    parent_name = team.parent.full_name if team.parent_id else ""
    team.path = f"{parent_path}{team.id}/"
    team.full_name = f"{parent_name}/{team.name}" if parent_name else team.name
    Team.objects.filter(id=team.id).update(path=team.path, full_name=team.full_name)


@transaction.atomic
def team_create(*, name: str, parent: Team | None = None, kind: str = Team.Kind.TEAM) -> Team:
    team = Team.objects.create(name=name.strip(), parent=parent, kind=kind)
    _fill_path(team)
    return team


_KINDS_BY_DEPTH = [Team.Kind.REGION, Team.Kind.DEPARTMENT, Team.Kind.TEAM]


@transaction.atomic
def team_get_or_create_path(*, path: str, cache: dict[str, Team] | None = None) -> Team:
    """`华东区/上海/一组` -> the leaf team, creating missing levels (region, department, team)."""
    parts = [p.strip() for p in path.strip().strip(TEAM_PATH_SEPARATOR).split(TEAM_PATH_SEPARATOR)]
    if not parts or any(not p for p in parts):
        raise ValueError(path)
    cache = cache if cache is not None else {}
    parent = None
    so_far = ""
    for depth, name in enumerate(parts):
        so_far = f"{so_far}/{name}"
        team = cache.get(so_far)
        if team is None:
            team = Team.objects.filter(parent=parent, name=name).first()
            if team is None:
                kind = _KINDS_BY_DEPTH[min(depth, len(_KINDS_BY_DEPTH) - 1)]
                if depth == len(parts) - 1:
                    kind = Team.Kind.TEAM if depth > 0 else Team.Kind.REGION
                team = team_create(name=name, parent=parent, kind=kind)
            cache[so_far] = team
        parent = team
    return parent


def role_groups() -> dict[str, Group]:
    existing = {g.name: g for g in Group.objects.filter(name__in=ROLES)}
    for role in ROLES:
        if role not in existing:
            existing[role] = Group.objects.create(name=role)
    return existing


@transaction.atomic
def user_set_roles(*, user: User, roles: set[str], actor: User | None = None, request=None) -> None:
    groups = role_groups()
    current = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    for role in current - roles:
        user.groups.remove(groups[role])
    for role in roles - current:
        user.groups.add(groups[role])
    user.__dict__.pop("_role_cache", None)
    if current != roles:
        audit_log_record(
            actor=actor,
            action=AuditAction.ROLES_CHANGED,
            obj=user,
            details={"from": sorted(current), "to": sorted(roles)},
            request=request,
        )


# A person's account fields whose change goes to the audit log with before and after (roles: `user_set_roles`).
PERSON_AUDITED_FIELDS = ("email", "team_id", "display_name", "employee_no", "is_active", "is_staff", "is_superuser")


def person_audited_fields(*, person_id: int) -> dict:
    """The audited fields as stored now, to compare with after a save (`person_changes_record`)."""
    return User.objects.filter(pk=person_id).values(*PERSON_AUDITED_FIELDS).first() or {}


def person_changes_record(
    *, before: dict, person: User, via: str, actor: User | None = None, request=None, extra: dict | None = None
) -> None:
    """One `person.changed` entry with [before, after] of each audited field that changed (a team by its name);
    `extra` adds to the details (e.g. {"created": True})."""
    details = {}
    for key in PERSON_AUDITED_FIELDS:
        old, new = before.get(key), getattr(person, key)
        if old == new:
            continue
        if key == "team_id":
            old = str(Team.objects.filter(pk=old).first() or "") if old else ""
            new = str(person.team) if person.team_id else ""
        details[key.removesuffix("_id")] = [old, new]
    if details:
        audit_log_record(
            actor=actor,
            action=AuditAction.PERSON_CHANGED,
            obj=person,
            details={"via": via, **(extra or {}), **details},
            request=request,
        )


@transaction.atomic
def team_refresh_paths(*, team: Team) -> None:
    """After a rename or move: recompute path and full name for the team and everything below it."""
    old_path = team.path
    team.refresh_from_db(fields=["parent", "name"])
    if team.parent_id and team.parent.path.startswith(old_path):
        raise ValueError("A team cannot be moved below itself.")
    _fill_path(team)
    for child in Team.objects.filter(path__startswith=old_path).exclude(id=team.id).order_by("path"):
        child.parent = Team.objects.get(id=child.parent_id)
        _fill_path(child)


# ---------------------------------------------------------------------------------------------------------------
# People import (CSV). Set-based: a fixed number of queries whatever the number of rows (chunked for huge files).

_CHUNK = 2000
_UPDATE_BATCH = 250


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class ImportReport:
    parsed: ParseResult
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    teams_created: int = 0
    manager_links_added: int = 0
    actions: dict[str, str] = field(default_factory=dict)  # employee_no -> "create" | "update" | "unchanged"

    @property
    def ok(self) -> bool:
        return self.parsed.ok

    @property
    def errors(self):
        return self.parsed.errors

    @property
    def rows(self) -> list[PersonRow]:
        return self.parsed.rows

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "teams_created": self.teams_created,
            "manager_links_added": self.manager_links_added,
            "rows": len(self.parsed.rows),
            "errors": [e.as_dict() for e in self.parsed.errors],
        }


def _existing_employee_nos(numbers: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(numbers)):
        found.update(User.objects.filter(employee_no__in=chunk).values_list("employee_no", flat=True))
    return found


@dataclass
class _TeamNode:
    key: str  # "华东区/上海/一组"
    name: str
    parent_key: str
    depth: int
    is_leaf_somewhere: bool = False
    is_inner_somewhere: bool = False
    id: int | None = None
    path: str = ""
    full_name: str = ""


class _Plan:
    """What the import would change, computed with a fixed number of reads."""

    def __init__(self, rows: list[PersonRow]):
        self.rows = rows
        self.file_nos = {row.employee_no for row in rows}
        self.manager_nos = {row.manager_no for row in rows if row.manager_no}
        wanted = sorted(self.file_nos | self.manager_nos)
        self.users: dict[str, dict] = {}
        for chunk in _chunks(wanted):
            for u in User.objects.filter(employee_no__in=chunk).values(
                "id", "employee_no", "display_name", "email", "team_id", "is_staff", "is_superuser"
            ):
                self.users[u["employee_no"]] = u
        user_ids = [u["id"] for u in self.users.values()]

        # Current role memberships: (through row id, user id, role).
        through = User.groups.through
        self.role_rows: dict[int, dict[str, int]] = {}
        for chunk in _chunks(user_ids):
            for row_id, user_id, role in through.objects.filter(user_id__in=chunk, group__name__in=ROLES).values_list(
                "id", "user_id", "group__name"
            ):
                self.role_rows.setdefault(user_id, {})[role] = row_id

        self.teams = self._resolve_teams()
        self.manager_links: set[tuple[str, str]] = {(row.team_key, row.manager_no) for row in rows if row.manager_no}
        existing_team_ids = [n.id for n in self.teams.values() if n.id]
        self.existing_links: set[tuple[int, int]] = set()
        for chunk in _chunks(existing_team_ids):
            self.existing_links.update(
                Team.managers.through.objects.filter(team_id__in=chunk).values_list("team_id", "user_id")
            )

        self.actions: dict[str, str] = {}
        for row in rows:
            current = self.users.get(row.employee_no)
            if current is None:
                self.actions[row.employee_no] = "create"
            elif self._user_changed(row, current):
                self.actions[row.employee_no] = "update"
            else:
                self.actions[row.employee_no] = "unchanged"
        # People outside the file who become managers of a team in it.
        self.outside_managers = self.manager_nos - self.file_nos

    def _resolve_teams(self) -> dict[str, _TeamNode]:
        nodes: dict[str, _TeamNode] = {}
        for row in self.rows:
            key = ""
            for depth, name in enumerate(row.team_path):
                parent_key, key = key, f"{key}/{name}" if key else name
                node = nodes.get(key)
                if node is None:
                    node = nodes[key] = _TeamNode(key=key, name=name, parent_key=parent_key, depth=depth)
                if depth == len(row.team_path) - 1:
                    node.is_leaf_somewhere = True
                else:
                    node.is_inner_somewhere = True
        names = sorted({n.name for n in nodes.values()})
        by_parent_name: dict[tuple[int | None, str], tuple[int, str, str]] = {}
        for chunk in _chunks(names):
            for team_id, parent_id, name, path, full_name in Team.objects.filter(name__in=chunk).values_list(
                "id", "parent_id", "name", "path", "full_name"
            ):
                by_parent_name[(parent_id, name)] = (team_id, path, full_name)
        for node in sorted(nodes.values(), key=lambda n: n.depth):
            parent = nodes.get(node.parent_key)
            if node.depth and (parent is None or parent.id is None):
                continue
            found = by_parent_name.get((parent.id if node.depth else None, node.name))
            if found:
                node.id, node.path, node.full_name = found
        return nodes

    def desired_roles(self, employee_no: str, user_id: int | None) -> set[str]:
        current = set(self.role_rows.get(user_id, {})) if user_id else set()
        row = self.row_by_no.get(employee_no)
        if row is None:
            roles = current
        elif row.roles is not None:
            roles = set(row.roles)
        else:
            roles = current or {SALESPERSON}
        if employee_no in self.manager_nos:
            roles.add(MANAGER)
        return roles

    @property
    def row_by_no(self) -> dict[str, PersonRow]:
        cached = getattr(self, "_row_by_no", None)
        if cached is None:
            cached = self._row_by_no = {row.employee_no: row for row in self.rows}
        return cached

    def _user_changed(self, row: PersonRow, current: dict) -> bool:
        team = self.teams[row.team_key]
        if team.id is None or current["team_id"] != team.id:
            return True
        if current["display_name"] != row.name or (row.email and current["email"] != row.email):
            return True
        return self.desired_roles(row.employee_no, current["id"]) != set(self.role_rows.get(current["id"], {}))


def _kind_for(node: _TeamNode) -> str:
    if node.depth == 0:
        return Team.Kind.REGION
    if node.depth == 1 and node.is_inner_somewhere:
        return Team.Kind.DEPARTMENT
    return Team.Kind.TEAM


def _create_missing_teams(plan: _Plan) -> int:
    created = 0
    max_depth = max((n.depth for n in plan.teams.values()), default=-1)
    for depth in range(max_depth + 1):
        level = [n for n in plan.teams.values() if n.depth == depth and n.id is None]
        if not level:
            continue
        objs = [
            Team(
                name=n.name,
                kind=_kind_for(n),
                parent_id=plan.teams[n.parent_key].id if depth else None,
            )
            for n in level
        ]
        Team.objects.bulk_create(objs)  # PostgreSQL and SQLite >= 3.35 set the new ids
        for node, obj in zip(level, objs, strict=True):
            parent = plan.teams.get(node.parent_key) if depth else None
            node.id = obj.pk
            node.path = f"{parent.path if parent else '/'}{obj.pk}/"
            node.full_name = f"{parent.full_name}/{node.name}" if parent else node.name
            obj.path, obj.full_name = node.path, node.full_name
        Team.objects.bulk_update(objs, ["path", "full_name"])
        created += len(objs)
    return created


def _unique_usernames(numbers: list[str]) -> dict[str, str]:
    taken: set[str] = set()
    for chunk in _chunks(numbers):
        taken.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    return {no: (no if no not in taken else f"{no}-{secrets.token_hex(3)}") for no in numbers}


def _person_changes(plan: _Plan, ids: dict[str, int], new_links: list[tuple[str, str]]) -> list[tuple[User, dict]]:
    """For the audit log: each existing person the import changes, with before and after of their name, e-mail,
    team, roles and the teams they newly manage; a new person only when given more than the salesperson role or
    a team to manage (everyone new is counted in the import's own entry)."""
    old_team_ids = sorted({u["team_id"] for u in plan.users.values() if u["team_id"]})
    team_names: dict[int, str] = {}
    for chunk in _chunks(old_team_ids):
        team_names.update(Team.objects.filter(id__in=chunk).values_list("id", "full_name"))
    manages: dict[str, list[str]] = {}
    for team_key, manager_no in new_links:
        manages.setdefault(manager_no, []).append(plan.teams[team_key].full_name)
    changes = []
    for no in sorted(plan.file_nos | plan.outside_managers):
        current, row = plan.users.get(no), plan.row_by_no.get(no)
        before_roles = set(plan.role_rows.get(current["id"], {})) if current else set()
        after_roles = plan.desired_roles(no, current["id"] if current else None)
        details: dict = {}
        if current is None:
            if after_roles == {SALESPERSON} and no not in manages:
                continue
            details["created"] = True
        if row is not None:
            team = plan.teams[row.team_key]
            before = (current or {}).get("team_id")
            if before != team.id:
                details["team"] = [team_names.get(before, ""), team.full_name]
            before_name, before_email = (current["display_name"], current["email"]) if current else ("", "")
            if before_name != row.name:
                details["name"] = [before_name, row.name]
            if (row.email or before_email) != before_email:
                details["email"] = [before_email, row.email]
        if before_roles != after_roles:
            details["roles"] = [sorted(before_roles), sorted(after_roles)]
        if no in manages:
            details["manages_added"] = sorted(manages[no])
        if details and set(details) != {"created"}:
            name = row.name if row is not None else current["display_name"]
            changes.append((User(pk=ids[no], username=no, display_name=name), {"via": "import", **details}))
    return changes


def _write(plan: _Plan) -> tuple[int, int, list[tuple[User, dict]]]:
    teams_created = _create_missing_teams(plan)
    now = timezone.now()

    new_rows = [row for row in plan.rows if plan.actions[row.employee_no] == "create"]
    usernames = _unique_usernames([row.employee_no for row in new_rows])
    unusable = make_password(None)  # an admin sets their first password (there is no self-service reset yet)
    User.objects.bulk_create(
        [
            User(
                username=usernames[row.employee_no],
                employee_no=row.employee_no,
                display_name=row.name,
                email=row.email,
                team_id=plan.teams[row.team_key].id,
                password=unusable,
                date_joined=now,
            )
            for row in new_rows
        ],
        batch_size=_CHUNK,
    )
    # Group the changed people by which columns changed: bulk_update writes one CASE per column, so updating
    # only the changed columns, in small batches, keeps a 10,000-row upsert fast (on SQLite in particular).
    by_fields: dict[tuple[str, ...], list[User]] = {}
    for row in plan.rows:
        if plan.actions[row.employee_no] != "update":
            continue
        current = plan.users[row.employee_no]
        user = User(
            id=current["id"],
            display_name=row.name,
            email=row.email or current["email"],
            team_id=plan.teams[row.team_key].id,
        )
        fields = tuple(
            name
            for name, old, new in (
                ("display_name", current["display_name"], user.display_name),
                ("email", current["email"], user.email),
                ("team", current["team_id"], user.team_id),
            )
            if old != new
        )
        if fields:  # else only the roles change
            by_fields.setdefault(fields, []).append(user)
    for fields, users in by_fields.items():
        User.objects.bulk_update(users, list(fields), batch_size=_UPDATE_BATCH)

    # Ids of everyone involved (new people included), in one read.
    ids: dict[str, int] = {}
    for chunk in _chunks(sorted(plan.file_nos | plan.manager_nos)):
        ids.update(User.objects.filter(employee_no__in=chunk).values_list("employee_no", "id"))

    groups = {g.name: g.id for g in role_groups().values()}
    through = User.groups.through
    to_delete: list[int] = []
    to_add: list = []
    for no in plan.file_nos | plan.outside_managers:
        user_id = ids[no]
        current = plan.role_rows.get(user_id, {}) if no in plan.users else {}
        desired = plan.desired_roles(no, user_id if no in plan.users else None)
        to_delete.extend(row_id for role, row_id in current.items() if role not in desired)
        to_add.extend(through(user_id=user_id, group_id=groups[role]) for role in desired - set(current))
    for chunk in _chunks(to_delete):
        through.objects.filter(id__in=chunk).delete()
    through.objects.bulk_create(to_add, batch_size=_CHUNK, ignore_conflicts=True)

    links, new_links = [], []
    for team_key, manager_no in sorted(plan.manager_links):
        team_id, user_id = plan.teams[team_key].id, ids[manager_no]
        if (team_id, user_id) not in plan.existing_links:
            links.append(Team.managers.through(team_id=team_id, user_id=user_id))
            new_links.append((team_key, manager_no))
    Team.managers.through.objects.bulk_create(links, batch_size=_CHUNK, ignore_conflicts=True)
    return teams_created, len(links), _person_changes(plan, ids, new_links)


def _refuse_beyond_trainer(plan: _Plan, parsed, actor: User | None) -> None:
    """What only an administrator may do through an import, refused row by row for anyone else (a trainer): grant
    or change roles (a manager number makes that person a manager), move an existing person to another team, or
    change the account of a trainer, manager or staff member. A trainer adds salespeople and corrects their names
    and e-mails. `actor=None` (the import_people command, run on the server) is an administrator's."""
    if actor is None or is_admin(actor):
        return
    for row in plan.rows:
        current = plan.users.get(row.employee_no)
        current_roles = set(plan.role_rows.get(current["id"], {})) if current else set()
        desired = plan.desired_roles(row.employee_no, current["id"] if current else None)
        if current and plan.actions.get(row.employee_no) == "update":
            if current["is_staff"] or current["is_superuser"] or current_roles - {SALESPERSON}:
                parsed.add(row.line, "employee_no", _("Only an administrator may change the account of a trainer, manager or administrator."))  # fmt: skip
                continue
            team = plan.teams[row.team_key]
            if team.id is None or team.id != current["team_id"]:
                parsed.add(row.line, "team", _("Only an administrator may move a person to another team."))
        if row.manager_no:
            team, manager = plan.teams[row.team_key], plan.users.get(row.manager_no)
            if team.id is None or manager is None or (team.id, manager["id"]) not in plan.existing_links:
                parsed.add(row.line, "manager_no", _("Only an administrator may make someone a team's manager."))
                continue
        if desired != (current_roles if current else {SALESPERSON}):
            parsed.add(row.line, "roles", _("Only an administrator may grant or change roles (a manager number makes that person a manager)."))  # fmt: skip


def people_import(*, content: bytes, dry_run: bool = False, actor: User | None = None, request=None) -> ImportReport:
    """Validate the whole CSV; write nothing while any row is invalid; otherwise upsert by employee number
    in one transaction. Roles: the file's roles replace a person's roles; an empty roles cell keeps an existing
    person's roles (new people become salespeople). A manager number makes that person a manager of the row's team."""
    parsed = parse_people_csv(content, lookup_employee_nos=_existing_employee_nos)
    report = ImportReport(parsed=parsed, dry_run=dry_run)
    if not parsed.ok:
        return report
    try:
        with transaction.atomic():
            plan = _Plan(parsed.rows)
            _refuse_beyond_trainer(plan, parsed, actor)
            if not parsed.ok:
                return report
            report.actions = plan.actions
            counts = {"create": 0, "update": 0, "unchanged": 0}
            for action in plan.actions.values():
                counts[action] += 1
            report.created, report.updated, report.unchanged = counts["create"], counts["update"], counts["unchanged"]
            report.teams_created = sum(1 for n in plan.teams.values() if n.id is None)
            if not dry_run:
                report.teams_created, report.manager_links_added, changes = _write(plan)
                audit_log_record_many(actor=actor, action=AuditAction.PERSON_CHANGED, changes=changes, request=request)
                audit_log_record(
                    actor=actor,
                    action=AuditAction.PEOPLE_IMPORT,
                    details={
                        "rows": len(parsed.rows),
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                        "teams_created": report.teams_created,
                    },
                    request=request,
                )
            else:
                report.manager_links_added = sum(
                    1
                    for team_key, no in plan.manager_links
                    if plan.teams[team_key].id is None
                    or no not in plan.users
                    or (plan.teams[team_key].id, plan.users[no]["id"]) not in plan.existing_links
                )
    except IntegrityError:
        # Another import (or an admin) created the same person or team between our read and our write.
        # The transaction is rolled back; nothing was written.
        parsed.add(
            0, "", _("Someone changed the same people or teams at the same moment. Nothing was imported; try again.")
        )
        report.created = report.updated = report.unchanged = report.teams_created = report.manager_links_added = 0
    return report


# Uploads waiting for confirmation in the browser.
PENDING_IMPORT_TTL = dt.timedelta(days=1)


@transaction.atomic
def people_import_upload(*, owner: User, filename: str, content: bytes) -> PeopleImport:
    PeopleImport.objects.filter(created_at__lt=timezone.now() - PENDING_IMPORT_TTL).delete()
    return PeopleImport.objects.create(owner=owner, filename=filename[:255], content=content)


def people_import_confirm(*, pending: PeopleImport, actor: User | None = None, request=None) -> ImportReport:
    """Import a previewed upload. Runs its own transaction; marks the upload done with its counts."""
    with transaction.atomic():
        locked = PeopleImport.objects.select_for_update().get(pk=pending.pk)
        report = people_import(
            content=bytes(locked.content),
            dry_run=locked.status == PeopleImport.Status.DONE,
            actor=actor or pending.owner,
            request=request,
        )
        if report.ok and locked.status == PeopleImport.Status.PENDING:
            locked.status = PeopleImport.Status.DONE
            locked.created, locked.updated, locked.unchanged = report.created, report.updated, report.unchanged
            locked.save(update_fields=["status", "created", "updated", "unchanged"])
    return report


# ---------------------------------------------------------------------------------------------------------------
# Anonymisation (issue 9): a person who leaves keeps their training history rows, without personal data.


def anonymous_name(user_id: int) -> str:
    return f"anon-{user_id}"


@transaction.atomic
def person_anonymise(*, person: User, actor: User | None = None, request=None) -> User:
    """Replace the person's personal data by `anon-<id>`, deactivate them, end their sessions and tokens.
    Their rows elsewhere (attempts, enrolments, scores) stay, linked by id, so team aggregates do not change.
    Their audit-log entries keep the link by id; the recorded name becomes the anonymous one."""
    person = User.objects.select_for_update().get(pk=person.pk)
    anon = anonymous_name(person.pk)
    person.username = anon
    person.display_name = anon
    person.employee_no = anon
    person.first_name = ""
    person.last_name = ""
    person.email = ""
    person.phone = ""
    person.hire_date = None
    person.is_active = False
    person.is_staff = False
    person.is_superuser = False
    person.set_unusable_password()
    person.save()
    sessions_end_all(user=person, actor=actor, request=request)
    AuditLog.objects.filter(actor=person).update(actor_repr=anon)
    AuditLog.objects.filter(object_type=User._meta.label_lower, object_id=str(person.pk)).update(object_repr=anon)
    audit_log_record(actor=actor, action=AuditAction.PERSON_ANONYMISED, obj=person, request=request)
    return person


# ---------------------------------------------------------------------------------------------------------------
# One person, one team, from the people pages (issue 19). The same rules as the import (`_refuse_beyond_trainer`):
# a trainer adds salespeople and corrects their names and e-mails; granting roles, moving people, changing
# employee numbers or the active flag, naming managers and editing teams belong to an administrator.


def person_can_add(*, actor: User) -> bool:
    return is_admin(actor) or has_role(actor, TRAINER)


def person_can_edit(*, actor: User, person: User) -> bool:
    """An administrator edits anyone; a trainer edits plain salespeople only (no other role, not staff)."""
    if is_admin(actor):
        return True
    if not has_role(actor, TRAINER) or person.pk == actor.pk or person.is_staff or person.is_superuser:
        return False
    return set(person.groups.filter(name__in=ROLES).values_list("name", flat=True)) <= {SALESPERSON}


def team_can_add(*, actor: User) -> bool:
    return is_admin(actor) or has_role(actor, TRAINER)


def team_can_edit(*, actor: User) -> bool:
    """Renaming or moving a team, and naming its managers, change what managers see: an administrator's."""
    return is_admin(actor)


def _person_errors(
    *, person_id: int | None, display_name: str, employee_no: str | None, email: str, team: Team | None, roles: set
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    others = User.objects.exclude(pk=person_id) if person_id else User.objects.all()
    if not display_name:
        errors["display_name"] = [_("The name is missing.")]
    elif len(display_name) > NAME_MAX:
        errors["display_name"] = [_("The name is longer than %(n)s characters.") % {"n": NAME_MAX}]
    if employee_no is not None:
        if not employee_no:
            errors["employee_no"] = [_("The employee number is missing.")]
        elif len(employee_no) > EMPLOYEE_NO_MAX:
            errors["employee_no"] = [_("The employee number is longer than %(n)s characters.") % {"n": EMPLOYEE_NO_MAX}]  # fmt: skip
        elif not EMPLOYEE_NO_RE.match(employee_no):
            errors["employee_no"] = [_("The employee number may contain only letters, digits, dot, dash and underscore.")]  # fmt: skip
        elif others.filter(employee_no=employee_no).exists():
            errors["employee_no"] = [_("Another person already has the employee number %(no)s.") % {"no": employee_no}]  # fmt: skip
    if email:
        try:
            if len(email) > EMAIL_MAX:
                raise ValidationError(_("The e-mail address is too long."))
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("%(email)s is not a valid e-mail address.") % {"email": email}]
        else:
            if others.filter(email__iexact=email).exists():
                errors["email"] = [_("Another person already has the e-mail address %(email)s.") % {"email": email}]
    unknown = roles - set(ROLES)
    if unknown:
        errors["roles"] = [_("Unknown role: %(roles)s.") % {"roles": ", ".join(sorted(unknown))}]
    elif SALESPERSON in roles and team is None:
        errors["team"] = [_("A salesperson belongs to a team: choose one.")]
    return errors


def _person_write(*, person: User, fields: dict) -> None:
    """Save, turning a unique clash that slipped past the checks (a concurrent save) into a form error."""
    for name, value in fields.items():
        setattr(person, name, value)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ValidationError(
            _("Someone saved the same employee number or username at the same moment. Nothing was saved; try again.")
        ) from None


@transaction.atomic
def person_create(
    *,
    actor: User,
    display_name: str,
    employee_no: str,
    email: str = "",
    team: Team | None,
    roles: set[str] | None = None,
    is_active: bool = True,
    send_welcome: bool = False,
    language: str = "zh-hans",
    request=None,
) -> User:
    """A new person, as the import makes one: the employee number is the username, no usable password yet (the
    welcome e-mail, when asked for, carries a link to choose one), joined now (the welcome notification rule picks
    them up). A trainer may add salespeople only, active. Raises ValidationError (by field) or PermissionDenied."""
    if not person_can_add(actor=actor):
        raise PermissionDenied
    display_name, employee_no, email = display_name.strip(), employee_no.strip(), email.strip()
    roles = set(roles) if roles is not None else {SALESPERSON}
    if not is_admin(actor) and (roles != {SALESPERSON} or not is_active):
        raise PermissionDenied(_("Only an administrator may grant or change roles."))
    errors = _person_errors(
        person_id=None, display_name=display_name, employee_no=employee_no, email=email, team=team, roles=roles
    )
    if send_welcome and not email and "email" not in errors:
        errors["email"] = [_("A welcome e-mail needs an e-mail address.")]
    if errors:
        raise ValidationError(errors)
    person = User(username=_unique_usernames([employee_no])[employee_no], date_joined=timezone.now())
    person.set_unusable_password()
    _person_write(
        person=person,
        fields={
            "display_name": display_name,
            "employee_no": employee_no,
            "email": email,
            "team": team,
            "is_active": is_active,
        },
    )
    blank = {"email": "", "team_id": None, "display_name": "", "employee_no": None, "is_active": False}
    person_changes_record(
        before={**blank, "is_staff": False, "is_superuser": False},
        person=person,
        via="page",
        actor=actor,
        request=request,
        extra={"created": True},
    )
    user_set_roles(user=person, roles=roles, actor=actor, request=request)
    if send_welcome:
        person_welcome_mail_queue(person=person, actor=actor, language=language, request=request)
    return person


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()  # `person_update`: leave this field as it is


@transaction.atomic
def person_update(
    *,
    actor: User,
    person: User,
    display_name: str,
    email: str,
    employee_no=UNCHANGED,
    team=UNCHANGED,
    roles=UNCHANGED,
    is_active=UNCHANGED,
    request=None,
) -> User:
    """Edit a person the actor may edit (`person_can_edit`). Employee number, team (a Team or None), roles and the
    active flag stay as they are when UNCHANGED; a change to any of them from a trainer is refused (PermissionDenied),
    as in the import. Raises ValidationError by field; writes nothing then."""
    person = User.objects.select_for_update(of=("self",)).select_related("team").get(pk=person.pk)
    if not person_can_edit(actor=actor, person=person):
        raise PermissionDenied
    current_roles = set(person.groups.filter(name__in=ROLES).values_list("name", flat=True))
    fields: dict = {"display_name": display_name.strip(), "email": email.strip()}
    if employee_no is not UNCHANGED and (employee_no or "").strip() != (person.employee_no or ""):
        fields["employee_no"] = (employee_no or "").strip()
    if team is not UNCHANGED and (team.pk if team else None) != person.team_id:
        fields["team"] = team
    if is_active is not UNCHANGED and bool(is_active) != person.is_active:
        fields["is_active"] = bool(is_active)
    new_roles = set(roles) if roles is not UNCHANGED else current_roles
    if not is_admin(actor) and (set(fields) - {"display_name", "email"} or new_roles != current_roles):
        raise PermissionDenied(
            _("Only an administrator may change roles, the team, the employee number or whether an account is active.")
        )
    errors = _person_errors(
        person_id=person.pk,
        display_name=fields["display_name"],
        employee_no=fields.get("employee_no"),
        email=fields["email"],
        team=fields.get("team", person.team),
        roles=new_roles,
    )
    if fields.get("is_active") is False and person.pk == actor.pk:
        errors["is_active"] = [_("You cannot deactivate your own account.")]
    if errors:
        raise ValidationError(errors)
    before = person_audited_fields(person_id=person.pk)
    _person_write(person=person, fields=fields)
    person_changes_record(before=before, person=person, via="page", actor=actor, request=request)
    if new_roles != current_roles:
        user_set_roles(user=person, roles=new_roles, actor=actor, request=request)
    if before.get("is_active") and not person.is_active:
        sessions_end_all(user=person, actor=actor, request=request)
    return person


def person_has_password(*, person: User) -> bool:
    return person.has_usable_password()


def person_welcome_mail_queue(*, person: User, actor: User, language: str, request=None) -> None:
    """After the commit, e-mail the person a link to choose their password (a person added by a page or an import
    has no usable password). Recorded in the audit log."""
    if not person.email:
        raise ValidationError({"email": [_("A welcome e-mail needs an e-mail address.")]})
    audit_log_record(
        actor=actor, action=AuditAction.PASSWORD_RESET_MAIL_SENT, obj=person, details={"welcome": True}, request=request
    )
    enqueue_on_commit("trainees.tasks.person_welcome_mail_send", person_id=person.pk, language=language)


def person_welcome_mail_send(*, person_id: int, language: str) -> bool:
    """The welcome e-mail with a link to set a password (the reset link: it works once, for
    PASSWORD_RESET_TIMEOUT). Nothing for an inactive person, one without an address, or one who has a password
    by now (they use "forgot password" instead). Returns whether a mail went out."""
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None or not person.email or person.has_usable_password():
        return False
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    site_url = settings.SITE_URL.rstrip("/")
    with translation.override(language):
        uid = urlsafe_base64_encode(force_bytes(person.pk))
        token = default_token_generator.make_token(person)
        context = {
            "user": person,
            "username": person.get_username(),
            "site_name": _("Sales-training LMS"),
            "set_password_url": site_url + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}),
            "login_url": site_url + reverse("login"),
            "valid_until": timezone.localtime(timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)),
            "time_zone": timezone.get_current_timezone_name(),
        }
        subject = render_to_string("trainees/email/welcome_subject.txt", context)
        body = render_to_string("trainees/email/welcome.txt", context)
    EmailMessage(
        subject=" ".join(subject.split()), body=body, to=[person.email], headers={"Auto-Submitted": "auto-generated"}
    ).send()
    return True


def _team_errors(*, team: Team | None, name: str, parent: Team | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("The name is missing.")]
    elif len(name) > TEAM_NAME_MAX:
        errors["name"] = [_("A team name is longer than %(n)s characters.") % {"n": TEAM_NAME_MAX}]
    elif TEAM_SEPARATOR in name:
        errors["name"] = [_("A team name cannot contain “/” (it separates the levels of a team path).")]
    if parent is not None and team is not None and team.pk and parent.path.startswith(team.path):
        errors["parent"] = [_("A team cannot be placed below itself or one of its own sub-teams.")]
    elif parent is not None and parent.depth + 1 >= TEAM_DEPTH_MAX:
        errors["parent"] = [_("The team path has more than %(n)s levels.") % {"n": TEAM_DEPTH_MAX}]
    if "name" not in errors and "parent" not in errors:
        clash = Team.objects.filter(parent=parent, name=name)
        if team is not None and team.pk:
            clash = clash.exclude(pk=team.pk)
        if clash.exists():
            errors["name"] = [_("There is already a team called %(name)s at this place.") % {"name": name}]
    return errors


def _team_managers_record(*, team: Team, before: set[str], actor: User, request) -> None:
    after = set(team.managers.values_list("username", flat=True))
    if before != after:
        audit_log_record(
            actor=actor,
            action=AuditAction.TEAM_MANAGERS_CHANGED,
            obj=team,
            details={"from": sorted(before), "to": sorted(after), "via": "page"},
            request=request,
        )


def _team_set_managers(*, team: Team, managers: list[User], actor: User, request) -> None:
    """Managers named here get the manager role, as a manager number in the import gives it."""
    before = set(team.managers.values_list("username", flat=True))
    team.managers.set(managers)
    for manager in managers:
        roles = set(manager.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if MANAGER not in roles:
            user_set_roles(user=manager, roles=roles | {MANAGER}, actor=actor, request=request)
    _team_managers_record(team=team, before=before, actor=actor, request=request)


def _team_save(team: Team, fields: list[str]) -> None:
    try:
        with transaction.atomic():
            team.save(update_fields=fields) if team.pk else team.save()
    except IntegrityError:
        raise ValidationError({"name": [_("There is already a team with this name at this place.")]}) from None


@transaction.atomic
def team_add(
    *,
    actor: User,
    name: str,
    parent: Team | None = None,
    kind: str = Team.Kind.TEAM,
    managers: list[User] | None = None,
    request=None,
) -> Team:
    """A new team. A trainer may add one (the import adds teams too) but not name its managers."""
    if not team_can_add(actor=actor):
        raise PermissionDenied
    if managers and not is_admin(actor):
        raise PermissionDenied(_("Only an administrator may make someone a team's manager."))
    name = name.strip()
    if kind not in Team.Kind.values:
        raise ValidationError({"kind": [_("Choose a kind of team.")]})
    errors = _team_errors(team=None, name=name, parent=parent)
    if errors:
        raise ValidationError(errors)
    team = Team(name=name, parent=parent, kind=kind)
    _team_save(team, [])
    _fill_path(team)
    audit_log_record(
        actor=actor,
        action=AuditAction.TEAM_CHANGED,
        obj=team,
        details={"via": "page", "created": True, "name": ["", team.full_name]},
        request=request,
    )
    if managers:
        _team_set_managers(team=team, managers=managers, actor=actor, request=request)
    return team


@transaction.atomic
def team_update(
    *,
    actor: User,
    team: Team,
    name: str,
    parent: Team | None,
    kind: str,
    managers: list[User],
    request=None,
) -> Team:
    """Rename or move a team (its sub-teams' paths follow) and set its managers: an administrator's."""
    if not team_can_edit(actor=actor):
        raise PermissionDenied
    team = Team.objects.select_for_update().get(pk=team.pk)
    name = name.strip()
    errors = _team_errors(team=team, name=name, parent=parent)
    if kind not in Team.Kind.values:
        errors["kind"] = [_("Choose a kind of team.")]
    if errors:
        raise ValidationError(errors)
    before = {"name": team.full_name, "parent": str(team.parent or ""), "kind": team.kind}
    team.name, team.parent, team.kind = name, parent, kind
    _team_save(team, ["name", "parent", "kind"])
    team_refresh_paths(team=team)
    team.refresh_from_db()
    after = {"name": team.full_name, "parent": str(team.parent or ""), "kind": team.kind}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        audit_log_record(
            actor=actor, action=AuditAction.TEAM_CHANGED, obj=team, details={"via": "page", **changes}, request=request
        )
    _team_set_managers(team=team, managers=managers, actor=actor, request=request)
    return team
