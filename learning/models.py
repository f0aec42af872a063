"""Learning records: enrollments (报名/学习任务), lesson progress, certificates and calendar feeds."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trainees.models import User


class Enrollment(models.Model):
    """报名/学习任务: a person in a course or in a training plan.

    `status` and `progress` are stored and kept current by the services that record progress
    (`learning.services`), so no page recomputes them from lesson rows. Unenrolling is soft:
    `unenrolled_at` is set and re-enrolling clears it, keeping the history.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        OVERDUE = "overdue", _("Overdue")

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    plan = models.ForeignKey(
        "courses.TrainingPlan",
        verbose_name=_("training plan"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    via_plan = models.ForeignKey(
        "courses.TrainingPlan",
        verbose_name=_("through plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Set when a plan enrollment created this course enrollment."),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    last_lesson = models.ForeignKey(
        "courses.Lesson",
        verbose_name=_("last lesson"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    enrolled_by = models.ForeignKey(
        User, verbose_name=_("enrolled by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    unenrolled_at = models.DateTimeField(_("unenrolled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], condition=models.Q(course__isnull=False), name="enrollment_once_per_course"
            ),
            models.UniqueConstraint(
                fields=["user", "plan"], condition=models.Q(plan__isnull=False), name="enrollment_once_per_plan"
            ),
            models.CheckConstraint(
                condition=models.Q(course__isnull=False, plan__isnull=True)
                | models.Q(course__isnull=True, plan__isnull=False),
                name="enrollment_course_xor_plan",
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="enrollment_progress_le_100"),
        ]
        indexes = [models.Index(fields=["user", "unenrolled_at", "due_date"], name="enrollment_my_learning_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.course_id or self.plan_id}"

    @property
    def is_active(self) -> bool:
        return self.unenrolled_at is None

    @property
    def is_overdue(self) -> bool:
        return (
            self.status != self.Status.COMPLETED and self.due_date is not None and self.due_date < timezone.localdate()
        )

    @property
    def display_status(self) -> str:
        """The stored status, or overdue when the due date passed since the nightly sweep ran."""
        return self.Status.OVERDUE if self.is_overdue else self.status

    def get_display_status_display(self) -> str:
        return str(self.Status(self.display_status).label)


class LessonProgress(models.Model):
    """Who finished which lesson when; for videos also how much was watched (from heartbeats)."""

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(
        "courses.Lesson", verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="progress"
    )
    seconds_watched = models.PositiveIntegerField(_("seconds watched"), default=0)
    duration_seconds = models.PositiveIntegerField(_("video length (seconds)"), null=True, blank=True)
    last_position = models.PositiveIntegerField(_("last position (seconds)"), default=0)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="lessonprogress_once_per_lesson")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.lesson_id}"


class Certificate(models.Model):
    """Issued on course completion. The public verification page shows only name, course, date and validity."""

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="certificates")
    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.CASCADE, related_name="certificates"
    )
    # Null once the enrollment is renewed (taken again): the old certificate stays as history, valid until it
    # expires, and the next completion issues a new one.
    enrollment = models.OneToOneField(
        Enrollment,
        verbose_name=_("enrollment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="certificate",
    )
    code = models.CharField(_("verification code"), max_length=32, unique=True)
    holder_name = models.CharField(_("name"), max_length=150)
    course_title = models.CharField(_("course"), max_length=200)
    issued_at = models.DateTimeField(_("issued at"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.code

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()


class CalendarFeed(models.Model):
    """The secret token of a person's .ics feed; resetting it replaces the token."""

    user = models.OneToOneField(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user_id}"
