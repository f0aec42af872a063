"""Writes for people and teams."""

from django.contrib.auth.models import Group
from django.db import transaction

from lms.roles import ROLES
from trainees.models import Team, User

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
def user_set_roles(*, user: User, roles: set[str]) -> None:
    groups = role_groups()
    current = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    for role in current - roles:
        user.groups.remove(groups[role])
    for role in roles - current:
        user.groups.add(groups[role])
    user.__dict__.pop("_role_cache", None)


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
