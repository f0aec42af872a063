"""Role-aware navigation: each app's AppConfig lists `nav_items`; this collects them for the base layout.

An item is a dict: {"label": lazy str, "url": url name, "roles": tuple of role codes or ("*",) for everyone
signed in, "order": int}. Admins (staff) see every item.
"""

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from lms.roles import is_admin, user_roles


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
            items.append({"label": item["label"], "href": href, "url": item["url"], "order": item.get("order", 50)})
    return sorted(items, key=lambda i: i["order"])


def navigation(request) -> dict:
    return {"nav_items": nav_items_for(request.user), "user_roles": user_roles(request.user)}
