"""Role-aware navigation: each app's AppConfig lists `nav_items`; this collects them for the base layout.

An item is a dict: {"label": lazy str, "url": url name, "roles": tuple of role codes or ("*",) for everyone
signed in, "order": int, "group": one of NAV_GROUPS, optionally "group_for_role": {role: group} when the item belongs
elsewhere for a role (training plans: learning for a salesperson, teaching for a trainer)}. Admins see every item.

The menu shows a person's items in a flat row while they are few (a salesperson's five), and as one dropdown per
group (learning / teaching / managing / administration) once they are many, so that a trainer's or an admin's menu
fits one line at 1366 px instead of wrapping into two.
"""

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from lms.roles import is_admin, user_roles

# The menu's groups, in the order they appear. Items name one of these; "account" items sit at the right.
NAV_GROUPS = {
    "learning": _("Learning"),
    "teaching": _("Teaching"),
    "managing": _("Teams and results"),
    "administration": _("Administration"),
}
# At most this many items stand in a flat row; more are grouped.
FLAT_MENU_MAX = 7


def nav_items_for(user) -> list[dict]:
    if not getattr(user, "is_authenticated", False):
        return []
    roles = user_roles(user)
    admin = is_admin(user)
    items = []
    for config in apps.get_app_configs():
        for item in getattr(config, "nav_items", ()):
            allowed = item.get("roles", ("*",))
            if not (admin or "*" in allowed or roles.intersection(allowed)):
                continue
            try:
                href = reverse(item["url"])
            except NoReverseMatch:
                continue
            items.append(
                {
                    "label": item["label"],
                    "href": href,
                    "url": item["url"],
                    "order": item.get("order", 50),
                    "group": _group_of(item, roles, admin),
                }
            )
    if getattr(user, "is_staff", False):
        items.append(
            {
                "label": _("Django admin"),
                "href": reverse("admin:index"),
                "url": "admin",
                "order": 99,
                "group": "administration",
            }
        )
    return sorted(items, key=lambda i: i["order"])


def _group_of(item: dict, roles: frozenset[str], admin: bool) -> str:
    for role, group in item.get("group_for_role", {}).items():
        if admin or role in roles:
            return group
    return item.get("group", "learning")


def nav_menu(items: list[dict], path: str = "") -> dict:
    """What the layout draws: `flat` items, or `groups` of items (label, items, active), plus the `account` items."""
    account = [i for i in items if i["group"] == "account"]
    main = [i for i in items if i["group"] != "account"]
    best = max((i["href"] for i in main if _matches(i["href"], path)), key=len, default=None)
    for item in main:
        item["active"] = item["href"] == best
    if len(main) <= FLAT_MENU_MAX:
        return {"flat": main, "groups": [], "account": account}
    groups = []
    for key, label in NAV_GROUPS.items():
        members = [i for i in main if i["group"] == key]
        if members:
            groups.append({"key": key, "label": label, "items": members, "active": any(i["active"] for i in members)})
    return {"flat": [], "groups": groups, "account": account}


def _matches(href: str, path: str) -> bool:
    """The item's page or a page below it (the longest such item is the current one)."""
    if not path or href == "/":
        return path == href
    return path == href or (href.endswith("/") and path.startswith(href))


def navigation(request) -> dict:
    items = nav_items_for(request.user)
    return {"nav_items": items, "nav_menu": nav_menu(items, request.path), "user_roles": user_roles(request.user)}
