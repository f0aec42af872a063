"""Role gates for pages and the API. Object scope is checked by each resource's access function."""

from functools import wraps

from django.http import Http404
from rest_framework.permissions import BasePermission

from lms.roles import is_admin, user_roles


def role_required(*roles: str):
    """Pages for some roles only; anyone else gets 404 (a page you may not use does not exist for you)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not (is_admin(request.user) or user_roles(request.user).intersection(roles)):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class HasRole(BasePermission):
    """DRF: `permission_classes = [HasRole.of(TRAINER)]`."""

    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, *roles: str):
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"roles": roles})

    def has_permission(self, request, view) -> bool:
        return bool(request.user and (is_admin(request.user) or user_roles(request.user).intersection(self.roles)))
