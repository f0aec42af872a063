"""Reads for people and teams. Every object access goes through the *_get_for_user functions here:
"not yours" and "does not exist" both answer 404."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404

from lms.roles import MANAGER, TRAINER, has_role, is_admin
from trainees import hooks
from trainees.models import PeopleImport, Team, User


def team_subtree_ids(*, team_ids: Iterable[int]) -> set[int]:
    """The given teams and every team below them, in one query."""
    paths = list(Team.objects.filter(id__in=list(team_ids)).values_list("path", flat=True))
    if not paths:
        return set()
    q = Q()
    for path in paths:
        q |= Q(path__startswith=path)
    return set(Team.objects.filter(q).values_list("id", flat=True))


def managed_team_ids(*, user: User) -> set[int]:
    """Teams a manager manages, with all their sub-teams. Cached on the user object for the request."""
    cached = getattr(user, "_managed_team_ids", None)
    if cached is None:
        cached = set()
        if has_role(user, MANAGER):
            direct = Team.managers.through.objects.filter(user_id=user.id).values_list("team_id", flat=True)
            cached = team_subtree_ids(team_ids=direct)
        user._managed_team_ids = cached
    return cached


def teams_for_user(*, user: User) -> QuerySet[Team]:
    if is_admin(user):
        return Team.objects.all()
    ids = set(managed_team_ids(user=user))
    if user.team_id:
        ids.add(user.team_id)
    return Team.objects.filter(id__in=ids)


def team_get_for_user(*, user: User, team_id: int) -> Team:
    try:
        return teams_for_user(user=user).get(id=team_id)
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def people_for_user(*, user: User) -> QuerySet[User]:
    """Everyone the user may see: themself, their managed subtree, and for trainers whom the apps above add
    (`hooks.trainer_people_scope`)."""
    if not getattr(user, "is_authenticated", False):
        return User.objects.none()
    if is_admin(user):
        return User.objects.all()
    q = Q(id=user.id)
    team_ids = managed_team_ids(user=user)
    if team_ids:
        q |= Q(team_id__in=team_ids)
    if has_role(user, TRAINER):
        for scope in hooks.trainer_people_scope.call(trainer=user):
            q |= scope
    return User.objects.filter(q).distinct()


def person_get_for_user(*, user: User, person_id: int) -> User:
    try:
        return people_for_user(user=user).select_related("team").get(id=person_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def person_list(*, user: User, search: str = "", team_id: int | None = None) -> QuerySet[User]:
    qs = people_for_user(user=user).select_related("team").prefetch_related("groups")
    if search:
        qs = qs.filter(
            Q(display_name__icontains=search) | Q(employee_no__icontains=search) | Q(username__icontains=search)
        )
    if team_id:
        qs = qs.filter(team_id__in=team_subtree_ids(team_ids=[team_id]))
    return qs.order_by("employee_no", "id")


def people_import_get_for_user(*, user: User, import_id: int) -> PeopleImport:
    """An uploaded people CSV: only its owner may see or confirm it."""
    try:
        return PeopleImport.objects.get(id=import_id, owner_id=user.id)
    except (PeopleImport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def people_by_employee_nos(*, employee_nos: Iterable[str], limit: int = 500) -> QuerySet[User]:
    """The people an import touched (for the result page; the importer is a trainer or an admin)."""
    return (
        User.objects.filter(employee_no__in=list(employee_nos))
        .select_related("team")
        .prefetch_related("groups")
        .order_by("employee_no")[:limit]
    )
