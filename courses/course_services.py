"""Writes for courses, modules, items and library lessons. Rich text is sanitised here, on save."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from courses import hooks
from courses.models import Course, Lesson, Module, ModuleItem
from courses.sanitize import sanitize_html
from courses.uploads import validate_upload, video_duration_seconds
from lms.storable import text_problem

COURSE_FIELDS = (
    "title",
    "category",
    "track",
    "description",
    "estimated_minutes",
    "self_enroll",
    "certificate_valid_days",
)


def _store(field_file, upload: UploadedFile, *, kind: str) -> None:
    """Check the upload, then store it through the configured storage (FieldFile.save calls storage.save)."""
    try:
        validate_upload(upload, kind=kind)
    except ValidationError as exc:
        raise ValidationError({field_file.field.name: exc.error_list}) from None
    field_file.save(upload.name, upload, save=False)


def _refresh_progress_later(course_id: int) -> None:
    hooks.course_outline_changed.call(course_id=course_id)


@transaction.atomic
def course_create(*, owner, title: str, cover: UploadedFile | None = None, prerequisites=(), **fields) -> Course:
    data = {k: v for k, v in fields.items() if k in COURSE_FIELDS}
    data["description"] = sanitize_html(data.get("description", ""))
    course = Course(title=title.strip(), **data)
    if cover:
        _store(course.cover, cover, kind="image")
    course.full_clean(exclude=["cover"])
    course.save()
    course.owners.add(owner)
    if prerequisites:
        course.prerequisites.set([p for p in prerequisites if p.pk != course.pk])
    return course


@transaction.atomic
def course_update(*, course: Course, cover: UploadedFile | None = None, prerequisites=None, **fields) -> Course:
    for key, value in fields.items():
        if key in COURSE_FIELDS:
            setattr(course, key, value)
    course.title = course.title.strip()
    course.description = sanitize_html(course.description)
    if cover:
        _store(course.cover, cover, kind="image")
    course.full_clean(exclude=["cover"])
    course.save()
    if prerequisites is not None:
        course.prerequisites.set([p for p in prerequisites if p.pk != course.pk])
    return course


@transaction.atomic
def course_publish(*, course: Course) -> Course:
    if not ModuleItem.objects.filter(course=course).exists():
        raise ValidationError(_("Add at least one lesson before publishing."), code="empty_course")
    course.status = Course.Status.PUBLISHED
    course.save(update_fields=["status", "updated_at"])
    return course


@transaction.atomic
def course_unpublish(*, course: Course) -> Course:
    course.status = Course.Status.DRAFT
    course.save(update_fields=["status", "updated_at"])
    return course


@transaction.atomic
def _module_title(title: str) -> str:
    """The title as stored, or a ValidationError: the outline posts it raw (no form), and PostgreSQL cannot store
    a NUL (it was a 500)."""
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Enter a module title.")})
    if problem := text_problem(title):
        raise ValidationError({"title": problem})
    return title


def module_create(*, course: Course, title: str) -> Module:
    title = _module_title(title)
    last = course.modules.aggregate(m=Max("order"))["m"]
    return Module.objects.create(course=course, title=title[:200], order=(last or 0) + 1)


@transaction.atomic
def module_rename(*, module: Module, title: str) -> Module:
    title = _module_title(title)
    module.title = title[:200]
    module.save(update_fields=["title"])
    return module


@transaction.atomic
def module_delete(*, module: Module) -> None:
    course_id = module.course_id
    module.delete()
    _refresh_progress_later(course_id)


def _apply_order(model, ids: list[int], scope: dict) -> None:
    existing = set(model.objects.filter(**scope).values_list("id", flat=True))
    if set(ids) != existing or len(ids) != len(existing):
        raise ValidationError(_("The order must list every entry exactly once."), code="bad_order")
    rows = [model(id=pk, order=i + 1) for i, pk in enumerate(ids)]
    model.objects.bulk_update(rows, ["order"])


@transaction.atomic
def module_reorder(*, course: Course, module_ids: list[int]) -> None:
    _apply_order(Module, module_ids, {"course": course})


@transaction.atomic
def item_reorder(*, module: Module, item_ids: list[int]) -> None:
    """Order the items of a module. Items dragged in from another module of the same course move here."""
    movable = ModuleItem.objects.filter(course_id=module.course_id, id__in=item_ids)
    if movable.count() != len(set(item_ids)) or len(set(item_ids)) != len(item_ids):
        raise ValidationError(_("The order must list every entry exactly once."), code="bad_order")
    staying = set(ModuleItem.objects.filter(module=module).values_list("id", flat=True))
    if not staying.issubset(item_ids):
        raise ValidationError(_("The order must list every entry exactly once."), code="bad_order")
    movable.exclude(module=module).update(module=module)
    rows = [ModuleItem(id=pk, order=i + 1) for i, pk in enumerate(item_ids)]
    ModuleItem.objects.bulk_update(rows, ["order"])


def _siblings(obj) -> tuple[type, dict]:
    if isinstance(obj, Module):
        return Module, {"course_id": obj.course_id}
    return ModuleItem, {"module_id": obj.module_id}


@transaction.atomic
def move(*, obj: Module | ModuleItem, direction: str) -> None:
    """Keyboard reorder: swap with the previous (`up`) or next (`down`) sibling."""
    model, scope = _siblings(obj)
    ids = list(model.objects.filter(**scope).order_by("order", "id").values_list("id", flat=True))
    i = ids.index(obj.id)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    model.objects.bulk_update([model(id=pk, order=k + 1) for k, pk in enumerate(ids)], ["order"])


@transaction.atomic
def item_add(*, module: Module, lesson: Lesson, required: bool = True) -> ModuleItem:
    if ModuleItem.objects.filter(course_id=module.course_id, lesson=lesson).exists():
        raise ValidationError({"lesson": _("This lesson is already in the course.")})
    last = module.items.aggregate(m=Max("order"))["m"]
    item = ModuleItem.objects.create(
        course_id=module.course_id, module=module, lesson=lesson, order=(last or 0) + 1, required=required
    )
    _refresh_progress_later(module.course_id)
    return item


@transaction.atomic
def item_remove(*, item: ModuleItem) -> None:
    course_id = item.course_id
    item.delete()
    _refresh_progress_later(course_id)


def _clean_lesson(lesson: Lesson) -> None:
    errors = {}
    if lesson.kind == Lesson.Kind.TEXT and not lesson.body.strip():
        errors["body"] = _("Write the lesson text.")
    if lesson.kind == Lesson.Kind.VIDEO and not (lesson.video_file or lesson.video_url):
        errors["video_file"] = _("Upload a video or give its URL.")
    elif lesson.kind == Lesson.Kind.VIDEO and not lesson.duration_seconds:
        # Learners complete a video by watching this long (learning.services.lesson_heartbeat), never by what
        # their browser says the video lasts.
        errors["duration_seconds"] = (
            _(
                "The length of this video could not be read from the file: enter it in seconds. Learners complete "
                "the lesson by watching most of it."
            )
            if lesson.video_file
            else _("Enter the video's length in seconds. Learners complete the lesson by watching most of it.")
        )
    if lesson.kind == Lesson.Kind.FILE and not lesson.file:
        errors["file"] = _("Upload the file.")
    if lesson.kind == Lesson.Kind.LINK and not lesson.url:
        errors["url"] = _("Give the link.")
    if errors:
        raise ValidationError(errors)


LESSON_FIELDS = ("title", "kind", "body", "video_url", "duration_seconds", "url", "estimated_minutes", "category")


@transaction.atomic
def lesson_save(
    *,
    lesson: Lesson | None = None,
    author=None,
    video_file: UploadedFile | None = None,
    file: UploadedFile | None = None,
    **fields,
) -> Lesson:
    """Create (lesson=None) or update a library lesson; rich text is sanitised, uploads are checked."""
    lesson = lesson or Lesson(created_by=author)
    for key, value in fields.items():
        if key in LESSON_FIELDS:
            setattr(lesson, key, value if value is not None or key in ("duration_seconds", "category") else "")
    lesson.title = (lesson.title or "").strip()
    lesson.body = sanitize_html(lesson.body)
    if video_file:
        probed = video_duration_seconds(video_file)  # before storing: the storage may close the upload
        _store(lesson.video_file, video_file, kind="video")
        # The trainer's length wins. Left empty, or left as it was for the file this one replaces, it is the new
        # file's when that can be read (else the one shown stays, or the trainer is asked for it: _clean_lesson).
        # As stored, not as on the instance: the edit form has already copied its fields onto it.
        stored = lesson.pk and Lesson.objects.filter(pk=lesson.pk).values_list("duration_seconds", flat=True).first()
        if not lesson.duration_seconds or lesson.duration_seconds == stored:
            lesson.duration_seconds = probed or lesson.duration_seconds
    if file:
        _store(lesson.file, file, kind="file")
        lesson.file_name = file.name[:200]
    lesson.full_clean(exclude=["video_file", "file"])
    _clean_lesson(lesson)
    lesson.save()
    return lesson
