"""Role-play practice (AI 陪练): scenarios, practice sessions with their turns, coaching and score overrides,
and scenarios required by a course or a training plan."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from practice.engine.spec import rubric_of


class Scenario(models.Model):
    """陪练场景: who the virtual customer is and what a good conversation covers. The customer turn graph,
    objections, key points, forbidden phrases and the rubric live in `spec` (see practice.engine.spec)."""

    class Difficulty(models.TextChoices):
        EASY = "easy", _("Easy")
        MEDIUM = "medium", _("Medium")
        HARD = "hard", _("Hard")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class Language(models.TextChoices):
        ZH = "zh-hans", _("Chinese")
        EN = "en", _("English")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH)
    persona_role = models.CharField(_("customer role"), max_length=100)
    persona_company = models.CharField(_("customer company"), max_length=200, blank=True)
    persona_temperament = models.CharField(_("customer temperament"), max_length=200, blank=True)
    situation = models.TextField(_("situation"))
    goal = models.TextField(_("goal of the call"))
    difficulty = models.CharField(_("difficulty"), max_length=10, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    category = models.ForeignKey(
        "courses.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT
    )
    competency = models.ForeignKey(
        "courses.Competency", verbose_name=_("competency"), null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    variant_of = models.ForeignKey(
        "self",
        verbose_name=_("variant of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="variants",
    )
    spec = models.JSONField(_("script and rubric"), default=dict)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["status", "language"])]

    def __str__(self) -> str:
        return self.title

    @property
    def pass_mark(self) -> int:
        return int(rubric_of(self.spec)["pass_mark"])


class PracticeSession(models.Model):
    """陪练记录: one conversation of a salesperson with a scenario's virtual customer, and its scorecard."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        FINISHED = "finished", _("Finished")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.CASCADE,
        related_name="practice_sessions",
    )
    scenario = models.ForeignKey(
        Scenario, verbose_name=_("scenario"), on_delete=models.PROTECT, related_name="sessions"
    )
    scenario_version = models.PositiveIntegerField(default=1)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    backend = models.CharField(_("customer backend"), max_length=20, default="scripted")
    current_node = models.CharField(max_length=60, blank=True)
    trainee_turns = models.PositiveSmallIntegerField(default=0)
    # The salesperson's turn the customer is still answering (set and cleared by `session_reply` in two short
    # transactions around the customer backend call), and since when: a second reply meanwhile is refused.
    pending_index = models.PositiveSmallIntegerField(null=True, blank=True)
    pending_since = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True, validators=[MaxValueValidator(100)])
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    compliance_failed = models.BooleanField(_("compliance failed"), default=False)
    scorecard = models.JSONField(default=dict, blank=True)
    # A trainer trying their own scenario ("try it"): shown to them like any session, counted nowhere (not in the
    # statistics, dashboards, requirements, team lists or exports).
    is_trial = models.BooleanField(_("trial by the trainer"), default=False)

    class Meta:
        verbose_name = _("practice session")
        verbose_name_plural = _("practice sessions")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["user", "scenario", "status"]),
            models.Index(fields=["status", "-finished_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=100), name="practice_score_0_100"
            ),
            # one unfinished conversation per person and scenario: parallel starts resume the same one
            models.UniqueConstraint(
                fields=["user", "scenario"],
                condition=models.Q(status="in_progress"),
                name="practice_one_open_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.scenario}"

    @property
    def is_finished(self) -> bool:
        return self.status == self.Status.FINISHED


class Turn(models.Model):
    class Speaker(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        TRAINEE = "trainee", _("Salesperson")

    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="turns")
    index = models.PositiveSmallIntegerField()
    speaker = models.CharField(max_length=10, choices=Speaker.choices)
    text = models.TextField()
    node_id = models.CharField(max_length=60, blank=True)
    objection = models.CharField(max_length=60, blank=True)
    matched_by = models.CharField(max_length=30, blank=True)
    # How the customer chose this line (the branch scores, why it moved on when unsure): for the trainer only.
    trace = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "index"]
        constraints = [models.UniqueConstraint(fields=["session", "index"], name="practice_turn_unique_index")]

    def __str__(self) -> str:
        return f"{self.index} {self.speaker}: {self.text[:40]}"

    def as_engine_dict(self) -> dict:
        return {
            "index": self.index,
            "speaker": self.speaker,
            "text": self.text,
            "node_id": self.node_id,
            "objection": self.objection or None,
        }


class CoachingComment(models.Model):
    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class ScoreOverride(models.Model):
    """One correction by a coach: the dimensions they re-scored (`dimensions`, each with its reason) and the
    overall recomputed from them; the latest score per dimension counts. Kept beside the scorer's score so trainers
    can see how often people and the scorer agree. (Corrections written before the dimensions were per session
    only: they have no dimension rows.)"""

    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="overrides")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    scorer_score = models.PositiveSmallIntegerField()
    # the session's overall score and pass just before this correction (null on corrections before they were kept)
    previous_score = models.PositiveSmallIntegerField(null=True, blank=True)
    previous_passed = models.BooleanField(null=True, blank=True)
    passed = models.BooleanField(_("passed"))
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=100), name="practice_override_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.score}"


class DimensionOverride(models.Model):
    """One dimension of the rubric re-scored in a correction: before, after and why."""

    override = models.ForeignKey(ScoreOverride, on_delete=models.CASCADE, related_name="dimensions")
    dimension = models.CharField(_("dimension"), max_length=30)
    before = models.PositiveSmallIntegerField(null=True, blank=True)  # null: the scorer had nothing to score
    after = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ["override", "id"]
        constraints = [
            models.UniqueConstraint(fields=["override", "dimension"], name="practice_dimension_override_unique"),
            models.CheckConstraint(condition=models.Q(after__lte=100), name="practice_dimension_override_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.override_id} {self.dimension}: {self.before} → {self.after}"


class ScenarioRequirement(models.Model):
    """A scenario required in a course or in a training plan (e.g. day 4 role play); met when passed."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="requirements")
    course = models.ForeignKey(
        "courses.Course", null=True, blank=True, on_delete=models.CASCADE, related_name="required_scenarios"
    )
    plan = models.ForeignKey(
        "courses.TrainingPlan", null=True, blank=True, on_delete=models.CASCADE, related_name="required_scenarios"
    )
    day = models.PositiveSmallIntegerField(_("day"), null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(course__isnull=False) & models.Q(plan__isnull=True))
                | (models.Q(course__isnull=True) & models.Q(plan__isnull=False)),
                name="practice_requirement_course_xor_plan",
            ),
            models.UniqueConstraint(fields=["scenario", "course"], name="practice_requirement_unique_course"),
            models.UniqueConstraint(fields=["scenario", "plan"], name="practice_requirement_unique_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} → {self.course or self.plan}"


class PracticeAssignment(models.Model):
    """A role play a manager asked a person to practise by a date (the dashboards' remediation). Completed when the
    person passes the scenario (`practice.services`, where a finished session's pass is recorded); one open
    assignment per person and scenario (assigning again changes its due date)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.CASCADE,
        related_name="practice_assignments",
    )
    scenario = models.ForeignKey(
        Scenario, verbose_name=_("scenario"), on_delete=models.CASCADE, related_name="assignments"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("role-play assignment")
        verbose_name_plural = _("role-play assignments")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["user", "completed_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scenario"],
                condition=models.Q(completed_at__isnull=True),
                name="practice_one_open_assignment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.scenario}"
