"""Writes for the reference data trainers keep outside the admin: categories (培训内容类别), competencies (素质) and
tracks (系列) are added and removed here; every kind is renamed by `plan_services.reference_item_update`."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from courses.models import Category, Competency, Track
from lms.roles import TRAINER, has_role, is_admin
from trainees.models import User

# The kinds a trainer may add and remove (training methods are fixed: code and the plan forms refer to them).
ADDABLE = (Category, Competency, Track)
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TEXT_FIELDS = ("name_zh", "name_en", "description_zh", "description_en")


def reference_can_manage(*, user: User) -> bool:
    return is_admin(user) or has_role(user, TRAINER)


def _check_manager(user: User) -> None:
    if not reference_can_manage(user=user):
        raise PermissionDenied


@transaction.atomic
def reference_item_create(
    *,
    model: type[models.Model],
    user: User,
    code: str,
    name_zh: str,
    name_en: str,
    description_zh: str = "",
    description_en: str = "",
    order: int = 0,
):
    """A new category, competency or track. The code is the item's fixed name in data and exports (lower-case
    letters, digits and dashes, unique in its kind). Raises ValidationError by field; writes nothing then."""
    _check_manager(user)
    if model not in ADDABLE:
        raise TypeError(f"{model.__name__} items cannot be added here")
    code = (code or "").strip().lower()
    values = {name: (value or "").strip() for name, value in zip(TEXT_FIELDS, (name_zh, name_en, description_zh, description_en), strict=True)}  # fmt: skip
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("A code is required.")]
    elif len(code) > 40 or not CODE_RE.match(code):
        errors["code"] = [_("Use up to 40 lower-case letters, digits and dashes, e.g. key-accounts.")]
    elif model.objects.filter(code=code).exists():
        errors["code"] = [_("The code %(code)s is already used.") % {"code": code}]
    for name in ("name_zh", "name_en"):
        if not values[name]:
            errors[name] = [_("A name is required.")]
        elif len(values[name]) > 100:
            errors[name] = [_("Use at most 100 characters.")]
    if not (isinstance(order, int) and 0 <= order <= 999):
        errors["order"] = [_("Use a number from 0 to 999.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return model.objects.create(code=code, order=order, **values)
    except IntegrityError:  # the same code saved at the same moment
        raise ValidationError({"code": [_("The code %(code)s is already used.") % {"code": code}]}) from None


def reference_item_usage(*, item) -> list[tuple[str, int]]:
    """What refers to the item, as (what, how many), from every relation any app declares to it (courses,
    sessions, questions, scenarios, figures...), without importing those apps. One count per relation."""
    usage = []
    for rel in item._meta.related_objects:
        count = rel.related_model._base_manager.filter(**{rel.field.name: item}).count()
        if count:
            usage.append((str(rel.related_model._meta.verbose_name_plural), count))
    return sorted(usage)


@transaction.atomic
def reference_item_delete(*, item, user: User) -> None:
    """Remove an item nothing uses; one in use is refused (ValidationError naming its uses): rename it instead."""
    _check_manager(user)
    if type(item) not in ADDABLE:
        raise TypeError(f"{type(item).__name__} items cannot be removed here")
    item = type(item).objects.select_for_update().get(pk=item.pk)
    usage = reference_item_usage(item=item)
    if usage:
        raise ValidationError(
            _("“%(name)s” is in use (%(uses)s) and cannot be deleted. Rename it instead, or move those items first.")
            % {"name": item.name, "uses": ", ".join(f"{what}: {n}" for what, n in usage)}
        )
    try:
        with transaction.atomic():
            item.delete()
    except models.ProtectedError:  # used between the count and the delete
        raise ValidationError(_("“%(name)s” is in use and cannot be deleted.") % {"name": item.name}) from None
