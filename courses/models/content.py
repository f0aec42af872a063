"""Courses (课程), their modules (章节) and the lesson library (课时).

Lessons live in a library and are placed into courses by reference (`ModuleItem`), so one lesson serves many
courses without copies; finishing a lesson once counts in every course that uses it.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        "courses.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT
    )
    track = models.ForeignKey("courses.Track", verbose_name=_("track"), null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("owners"), blank=True, related_name="owned_courses"
    )
    cover = models.FileField(_("cover image"), upload_to="courses/covers/", blank=True, max_length=255)
    description = models.TextField(_("description"), blank=True, help_text=_("Rich text; unsafe markup is removed."))
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=0)
    prerequisites = models.ManyToManyField(
        "self", verbose_name=_("prerequisites"), symmetrical=False, blank=True, related_name="required_by"
    )
    self_enroll = models.BooleanField(
        _("self-enrolment allowed"), default=True, help_text=_("Salespeople may enrol themselves from the catalogue.")
    )
    certificate_valid_days = models.PositiveIntegerField(
        _("certificate validity (days)"),
        null=True,
        blank=True,
        # A hundred years at most: an expiry date must stay a date (and the API schema states the range).
        validators=[MinValueValidator(1), MaxValueValidator(36500)],
        help_text=_("Leave empty for no expiry."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["status", "track", "category"], name="course_catalogue_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Lesson(models.Model):
    """A library lesson. Placed into courses through ModuleItem."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Rich text")
        VIDEO = "video", _("Video")
        FILE = "file", _("File")
        LINK = "link", _("External link")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(_("text"), blank=True, help_text=_("Rich text; unsafe markup is removed."))
    video_file = models.FileField(_("video file"), upload_to="lessons/videos/", blank=True, max_length=255)
    video_url = models.URLField(_("video URL"), blank=True, max_length=500)
    duration_seconds = models.PositiveIntegerField(
        _("video length (seconds)"),
        null=True,
        blank=True,
        help_text=_(
            "Read from an uploaded MP4 or Ogg file when left empty; needed for a video given by its URL. Learners "
            "complete the lesson by watching most of this length."
        ),
    )
    file = models.FileField(_("file"), upload_to="lessons/files/", blank=True, max_length=255)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    url = models.URLField(_("link"), blank=True, max_length=500)
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=5)
    category = models.ForeignKey(
        "courses.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_lessons",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class Module(models.Model):
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "order", "id"]

    def __str__(self) -> str:
        return self.title


class ModuleItem(models.Model):
    """A library lesson placed in a module. `course` repeats the module's course so progress is one query."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="items")
    module = models.ForeignKey(Module, verbose_name=_("module"), on_delete=models.CASCADE, related_name="items")
    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.PROTECT, related_name="placements")
    order = models.PositiveIntegerField(_("order"), default=0)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("module item")
        verbose_name_plural = _("module items")
        ordering = ["module__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "lesson"], name="moduleitem_lesson_once_per_course"),
        ]

    def __str__(self) -> str:
        return f"{self.module_id}: {self.lesson_id}"


class RichTextImage(models.Model):
    """An image a trainer placed in rich text (a lesson body, a description, a question stem) from the editor.

    Served behind login by its random key (`courses:richtext_image`): the text that shows it is read by learners of
    many courses and quizzes, so any signed-in person may load it, and one image's address leads to no other. The
    stored name is the key too, never the uploaded name (which may name a client)."""

    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(_("file"), upload_to="richtext/%Y/%m/", max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rich-text image")
        verbose_name_plural = _("rich-text images")

    def __str__(self) -> str:
        return str(self.key)
