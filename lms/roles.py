"""Roles are Django groups; one person may hold several. Read them through these helpers only."""

from django.utils.translation import gettext_lazy as _

TRAINER = "trainer"
MANAGER = "manager"
SALESPERSON = "salesperson"
ROLES = (TRAINER, MANAGER, SALESPERSON)
ROLE_LABELS = {TRAINER: _("Trainer"), MANAGER: _("Manager"), SALESPERSON: _("Salesperson")}
# Chinese labels accepted in imports besides the codes above.
ROLE_ALIASES = {
    "trainer": TRAINER,
    "培训师": TRAINER,
    "manager": MANAGER,
    "经理": MANAGER,
    "销售经理": MANAGER,
    "salesperson": SALESPERSON,
    "sales": SALESPERSON,
    "销售": SALESPERSON,
    "销售人员": SALESPERSON,
    "学员": SALESPERSON,
}


def user_roles(user) -> frozenset[str]:
    """The role codes a user holds, read once per request object and cached on it."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._role_cache = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in user_roles(user)


def is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and (user.is_superuser or user.is_staff))
