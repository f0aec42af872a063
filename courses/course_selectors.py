"""Reads for courses, modules and the lesson library. Access functions answer 404 for "not yours"."""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from courses.models import Course, Lesson, Module, ModuleItem
from lms.roles import TRAINER, has_role, is_admin


def _is_author(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and (is_admin(user) or has_role(user, TRAINER)))


def courses_for_author(*, user) -> QuerySet[Course]:
    """Courses a trainer may edit: the ones they own (admins: all)."""
    if not getattr(user, "is_authenticated", False):
        return Course.objects.none()
    if is_admin(user):
        return Course.objects.all()
    if not has_role(user, TRAINER):
        return Course.objects.none()
    return Course.objects.filter(owners=user)


def course_get_for_author(*, user, course_id) -> Course:
    try:
        return courses_for_author(user=user).select_related("category", "track").get(id=course_id)
    except (Course.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def course_list_for_author(*, user, search: str = "", status: str = "") -> QuerySet[Course]:
    qs = courses_for_author(user=user).select_related("category", "track")
    if search:
        qs = qs.filter(title__icontains=search)
    if status in Course.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-updated_at", "-id")


def published_courses(*, track: str = "", category: str = "", search: str = "") -> QuerySet[Course]:
    """Published courses, filterable by track and category codes and a search text, in catalogue order."""
    qs = Course.objects.filter(status=Course.Status.PUBLISHED).select_related("category", "track")
    if track:
        qs = qs.filter(track__code=track)
    if category:
        qs = qs.filter(category__code=category)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(description__icontains=search))
    return qs.order_by("track__order", "category__order", "title", "id")


def course_get_published(*, course_id) -> Course:
    try:
        return Course.objects.select_related("category", "track").get(id=course_id, status=Course.Status.PUBLISHED)
    except (Course.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def course_outline(*, course: Course) -> list[Module]:
    """Modules in order, each with `items` (and their lessons) prefetched: two queries."""
    items = ModuleItem.objects.select_related("lesson").order_by("order", "id")
    return list(course.modules.order_by("order", "id").prefetch_related(Prefetch("items", queryset=items)))


def course_items_in_order(*, course_id: int) -> list[ModuleItem]:
    return list(
        ModuleItem.objects.filter(course_id=course_id)
        .select_related("lesson", "module")
        .order_by("module__order", "module_id", "order", "id")
    )


def lessons_for_author(*, user) -> QuerySet[Lesson]:
    """The shared library: every trainer may read and place every lesson."""
    if not _is_author(user):
        return Lesson.objects.none()
    return Lesson.objects.all()


def lesson_library(*, user, search: str = "", kind: str = "") -> QuerySet[Lesson]:
    qs = lessons_for_author(user=user).select_related("created_by", "category")
    if search:
        qs = qs.filter(title__icontains=search)
    if kind in Lesson.Kind.values:
        qs = qs.filter(kind=kind)
    return qs.order_by("-updated_at", "-id")


def lesson_get_for_author(*, user, lesson_id, for_edit: bool = False) -> Lesson:
    """Trainers read every library lesson; editing is for its author (and admins)."""
    qs = lessons_for_author(user=user)
    if for_edit and not is_admin(user):
        qs = qs.filter(created_by_id=user.id)
    try:
        return qs.get(id=lesson_id)
    except (Lesson.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def module_get_for_author(*, user, module_id) -> Module:
    try:
        return Module.objects.select_related("course").get(
            id=module_id, course__in=courses_for_author(user=user).values("id")
        )
    except (Module.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def item_get_for_author(*, user, item_id) -> ModuleItem:
    try:
        return ModuleItem.objects.select_related("module", "course", "lesson").get(
            id=item_id, course__in=courses_for_author(user=user).values("id")
        )
    except (ModuleItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
