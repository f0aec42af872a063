from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    """A node of the organisation tree: region -> department -> team.

    `path` holds the ids from the root, e.g. "/1/4/9/", so a whole subtree is one indexed prefix query.
    Write teams through `trainees.services.team_create` / `team_get_or_create_path`, which keep it right.
    """

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TEAM)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    full_name = models.CharField(_("full name"), max_length=400, editable=False, default="")
    managers = models.ManyToManyField(
        "trainees.User", verbose_name=_("managers"), blank=True, related_name="managed_teams"
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="team_unique_name_under_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent__isnull=True), name="team_unique_root_name"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class User(AbstractUser):
    """A person. The profile fields live here: one row per person, no extra join on every page."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=40, unique=True, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=40, blank=True)
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=10, choices=[("zh-hans", "简体中文"), ("en", "English")], default="zh-hans"
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["employee_no", "id"]
        indexes = [
            models.Index(Lower("display_name"), name="user_display_name_lower"),
            # The dashboard's people table sorted by name walks this index (keyset pages on name, id): an overdue-only
            # page of a 10,000-person team read and sorted every row first (40 ms of SQL, 0.2 ms with it).
            models.Index(fields=["display_name", "id"], name="user_name_order_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def name(self) -> str:
        return str(self)


class PeopleImport(models.Model):
    """An uploaded people CSV waiting for its owner to confirm the preview, so the file is not uploaded twice.
    Kept until confirmed (then marked done with its counts) and cleaned up after a day."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")

    owner = models.ForeignKey(User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    content = models.BinaryField(_("content"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("people import")
        verbose_name_plural = _("people imports")

    def __str__(self) -> str:
        return self.filename or str(self.pk)


class Enrollment(models.Model):
    """报名/学习任务: a person in a course or in a training plan.

    `status` and `progress` are stored and kept current by the services that record progress
    (`trainees.enrollment_services`), so no page recomputes them from lesson rows. Unenrolling is soft:
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
        from django.utils import timezone

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
        from django.utils import timezone

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


from trainees.dashboards.models import (  # noqa: E402, F401
    CourseStats,
    Nudge,
    PersonCategoryScore,
    PersonStats,
    TeamCourseStats,
    TeamPlanStats,
    TeamSnapshot,
    TeamStats,
)
from trainees.notifications.models import (  # noqa: E402,F401
    EmailDaySlot,
    Notification,
    NotificationPreference,
    QuietHours,
)
