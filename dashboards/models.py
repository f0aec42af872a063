"""Precomputed dashboard figures. Pages read only these tables; `dashboards.services` keeps them
current (after enrollment writes, and a periodic repair that recomputes them from enrollments)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonStats(models.Model):
    """One row per person: figures over their active course enrollments and certificates.

    Quiz columns (`attempts`, `score_sum`, `passed`, `avg_score`) are fed by the assessments app through
    `dashboards.services.dashboards_record_attempt`; they stay empty (shown as "—") until then.
    """

    user = models.OneToOneField(
        "trainees.User", verbose_name=_("person"), primary_key=True, on_delete=models.CASCADE, related_name="stats"
    )
    team = models.ForeignKey(
        "trainees.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    enrollments = models.PositiveIntegerField(_("enrollments"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    progress_sum = models.PositiveIntegerField(default=0)
    avg_progress = models.FloatField(_("average progress"), default=0)
    certs_valid = models.PositiveIntegerField(_("valid certificates"), default=0)
    certs_expiring = models.PositiveIntegerField(_("certificates expiring in 30 days"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("quiz attempts"), default=0)
    passed = models.PositiveIntegerField(_("quiz attempts passed"), default=0)
    score_sum = models.FloatField(default=0)
    avg_score = models.FloatField(_("average score"), null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person figures")
        verbose_name_plural = _("person figures")
        # The people table sorts by these (keyset pages walk the index); team filter by the joined path.
        indexes = [
            models.Index(fields=["team", "is_active"], name="personstats_team_idx"),
            models.Index(fields=["-overdue", "-user"], name="personstats_overdue_idx"),
            models.Index(fields=["-certs_expiring", "-user"], name="personstats_expiring_idx"),
            models.Index(fields=["avg_progress", "user"], name="personstats_progress_idx"),
            # The lowest scores table's order (its first page is also the team API's preview).
            models.Index(
                fields=["avg_score", "user"], name="personstats_lowest_idx", condition=models.Q(avg_score__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}"

    @property
    def open(self) -> int:
        return self.enrollments - self.completed

    @property
    def pass_rate(self) -> float | None:
        return round(self.passed * 100 / self.attempts, 1) if self.attempts else None


class FigureSums(models.Model):
    """The summed figures TeamStats and OwnerStats share, so the same `Figures`, headline and chart code reads
    both."""

    enrollments = models.PositiveIntegerField(_("enrollments"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    progress_sum = models.PositiveBigIntegerField(default=0)
    certs_valid = models.PositiveIntegerField(_("valid certificates"), default=0)
    certs_expiring = models.PositiveIntegerField(_("certificates expiring in 30 days"), default=0)
    attempts = models.PositiveIntegerField(_("quiz attempts"), default=0)
    passed = models.PositiveIntegerField(_("quiz attempts passed"), default=0)
    score_sum = models.FloatField(default=0)

    class Meta:
        abstract = True


class TeamStats(FigureSums):
    """One row per team: the sums of PersonStats over the team and every team below it (active people)."""

    team = models.OneToOneField(
        "trainees.Team", verbose_name=_("team"), primary_key=True, on_delete=models.CASCADE, related_name="stats"
    )
    people = models.PositiveIntegerField(_("people"), default=0)
    overdue_people = models.PositiveIntegerField(_("people overdue"), default=0)
    # Chart figures over the same subtree, rolled up with the sums above (see services.stats_refresh_teams):
    # `score_bins`: people per 10-point band of their average quiz score ([0-10), ..., [90-100]);
    # `areas`: {"category:<id>" | "competency:<id>": [observations, score sum, people]} (quizzes and practice);
    # `expiring`: the EXPIRING_KEPT certificates of the subtree that expire soonest (within EXPIRING_DAYS).
    score_bins = models.JSONField(default=list, blank=True)
    areas = models.JSONField(default=dict, blank=True)
    expiring = models.JSONField(default=list, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("team figures")
        verbose_name_plural = _("team figures")

    def __str__(self) -> str:
        return f"{self.team_id}"


class SnapshotFigures(models.Model):
    """The figures a snapshot keeps (TeamSnapshot weekly, OwnerSnapshot daily): FigureSums' and the people."""

    people = models.PositiveIntegerField(default=0)
    enrollments = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    progress_sum = models.PositiveBigIntegerField(default=0)
    certs_valid = models.PositiveIntegerField(default=0)
    certs_expiring = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    score_sum = models.FloatField(default=0)

    class Meta:
        abstract = True


class TeamSnapshot(SnapshotFigures):
    """A team's figures as of one week (the Monday): "change since last week" and "completion over time"."""

    team = models.ForeignKey(
        "trainees.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="snapshots"
    )
    week = models.DateField(_("week"))

    class Meta:
        verbose_name = _("weekly team snapshot")
        verbose_name_plural = _("weekly team snapshots")
        ordering = ["team", "week"]
        constraints = [models.UniqueConstraint(fields=["team", "week"], name="teamsnapshot_once_per_week")]

    def __str__(self) -> str:
        return f"{self.team_id}@{self.week}"


class PersonCategoryScore(models.Model):
    """Mastery of a person in one content category or one competency (exactly one of the two): graded quiz
    attempts (their share of the points on questions tagged with it) and finished practice sessions (their score)
    each count as one observation of 0-100."""

    user = models.ForeignKey(
        "trainees.User", verbose_name=_("person"), on_delete=models.CASCADE, related_name="category_scores"
    )
    category = models.ForeignKey(
        "courses.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    competency = models.ForeignKey(
        "courses.Competency",
        verbose_name=_("competency"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    attempts = models.PositiveIntegerField(default=0)
    score_sum = models.FloatField(default=0)

    class Meta:
        verbose_name = _("category score")
        verbose_name_plural = _("category scores")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__isnull=False, competency__isnull=True)
                | models.Q(category__isnull=True, competency__isnull=False),
                name="personcategoryscore_category_xor_competency",
            ),
            models.UniqueConstraint(
                fields=["user", "category"], condition=models.Q(category__isnull=False), name="pcs_once_per_category"
            ),
            models.UniqueConstraint(
                fields=["user", "competency"],
                condition=models.Q(competency__isnull=False),
                name="pcs_once_per_competency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.category_id or self.competency_id}"

    @property
    def avg_score(self) -> float | None:
        return round(self.score_sum / self.attempts, 1) if self.attempts else None


class Nudge(models.Model):
    """A manager's one-click nudge of an overdue person (the history on the person page); at most one per person
    per day. The message itself goes through the reminders outbox (kind `overdue_nudge`)."""

    user = models.ForeignKey("trainees.User", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    sent_by = models.ForeignKey(
        "trainees.User", verbose_name=_("sent by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    overdue = models.PositiveIntegerField(_("overdue items"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("nudge")
        verbose_name_plural = _("nudges")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="nudge_once_per_day")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.day}"


class CourseStats(models.Model):
    """One row per course: figures over its active enrollments (the trainer's view of the courses they own)."""

    course = models.OneToOneField(
        "courses.Course", verbose_name=_("course"), primary_key=True, on_delete=models.CASCADE, related_name="stats"
    )
    enrollments = models.PositiveIntegerField(_("enrollments"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    progress_sum = models.PositiveBigIntegerField(default=0)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("course figures")
        verbose_name_plural = _("course figures")

    def __str__(self) -> str:
        return f"{self.course_id}"

    @property
    def completion_rate(self) -> float | None:
        return round(self.completed * 100 / self.enrollments, 1) if self.enrollments else None

    @property
    def avg_progress(self) -> float | None:
        return round(self.progress_sum / self.enrollments, 1) if self.enrollments else None


class TeamPlanStats(models.Model):
    """One row per training plan and team whose subtree takes part in it (the row without a team: every
    participant, for the plan's owners and admins). Figures over the subtree's active participants: their course
    enrollments on the plan's linked courses (completion counts every participant x linked course, missing
    enrollments as not completed) and their best result in the plan's final-day exam. Rebuilt per plan by
    `dashboards.services.stats_refresh_plans`."""

    plan = models.ForeignKey(
        "courses.TrainingPlan", verbose_name=_("training plan"), on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "trainees.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    participants = models.PositiveIntegerField(_("participants"), default=0)
    courses = models.PositiveIntegerField(_("linked courses"), default=0)
    expected = models.PositiveIntegerField(default=0)  # participants x linked courses
    completed = models.PositiveIntegerField(_("completed"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    progress_sum = models.PositiveBigIntegerField(default=0)
    # Stored (not derived) so the table sorts and pages by it in the database: completed * 100 / expected, 0 when
    # nothing is expected (shown as "—", see `completion_rate`).
    completion = models.FloatField(_("completion rate"), default=0)
    exam_takers = models.PositiveIntegerField(_("exam takers"), default=0)
    exam_passed = models.PositiveIntegerField(_("exam passed"), default=0)
    exam_score_sum = models.FloatField(default=0)  # the sum of each taker's best score
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan figures")
        verbose_name_plural = _("plan figures")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "plan"], condition=models.Q(team__isnull=False), name="teamplanstats_once_per_team"
            ),
            models.UniqueConstraint(
                fields=["plan"], condition=models.Q(team__isnull=True), name="teamplanstats_once_overall"
            ),
        ]
        indexes = [models.Index(fields=["team", "completion", "plan"], name="teamplanstats_completion_idx")]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.team_id or '*'}"

    @property
    def completion_rate(self) -> float | None:
        return round(self.completed * 100 / self.expected, 1) if self.expected else None

    @property
    def avg_progress(self) -> float | None:
        return round(self.progress_sum / self.expected, 1) if self.expected else None

    @property
    def exam_pass_rate(self) -> float | None:
        return round(self.exam_passed * 100 / self.exam_takers, 1) if self.exam_takers else None

    @property
    def exam_avg(self) -> float | None:
        return round(self.exam_score_sum / self.exam_takers, 1) if self.exam_takers else None


class TeamCourseStats(models.Model):
    """One row per team and course that the team's subtree is enrolled in: figures over the subtree's active people
    with an active enrollment in the course (the managers' course completion table). Rebuilt per course by
    `dashboards.services.stats_refresh_team_courses` (with CourseStats, from the same hooks and repair)."""

    team = models.ForeignKey("trainees.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("courses.Course", verbose_name=_("course"), on_delete=models.CASCADE, related_name="+")
    enrollments = models.PositiveIntegerField(_("people enrolled"), default=0)
    completed = models.PositiveIntegerField(_("completed"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    progress_sum = models.PositiveBigIntegerField(default=0)
    # Stored so the table sorts and pages by it in the database: completed * 100 / enrollments (rows exist only
    # with enrollments > 0).
    completion = models.FloatField(_("completion rate"), default=0)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("team course figures")
        verbose_name_plural = _("team course figures")
        constraints = [models.UniqueConstraint(fields=["team", "course"], name="teamcoursestats_once_per_team")]
        indexes = [models.Index(fields=["team", "completion", "course"], name="teamcoursestats_completion_idx")]

    def __str__(self) -> str:
        return f"{self.course_id}/{self.team_id}"

    @property
    def completion_rate(self) -> float | None:
        return round(self.completed * 100 / self.enrollments, 1) if self.enrollments else None

    @property
    def avg_progress(self) -> float | None:
        return round(self.progress_sum / self.enrollments, 1) if self.enrollments else None


class OwnerStats(FigureSums):
    """One row per trainer who owns courses or training plans (and one for admins: `owner_key` 0, every course and
    plan): the trainer's dashboard figures over their scope, kept by `services.stats_refresh_owners` (the same hooks
    and per-minute repair as CourseStats). The scope: the courses they own and the courses linked to the plans they
    own (active enrollments, certificates), and the quizzes of those courses and plans (graded attempts). The sum
    fields (FigureSums) are TeamStats', so the same `Figures`, headline and chart code reads both."""

    # The owner's id, 0 for the everything row; unique, so refreshes upsert on it (a nullable FK cannot be).
    owner_key = models.PositiveBigIntegerField(unique=True)
    owner = models.ForeignKey(
        "trainees.User", verbose_name=_("owner"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    courses = models.PositiveIntegerField(_("courses"), default=0)
    plans = models.PositiveIntegerField(_("training plans"), default=0)
    people = models.PositiveIntegerField(_("people"), default=0)
    # `score_bins`: graded attempts per 10-point band of their score; `areas`: like TeamStats.areas, from the
    # attempts' stored per-category / per-competency scores ([observations, score sum]).
    score_bins = models.JSONField(default=list, blank=True)
    areas = models.JSONField(default=list, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("trainer figures")
        verbose_name_plural = _("trainer figures")

    def __str__(self) -> str:
        return f"{self.owner_key}"


class OwnerSnapshot(SnapshotFigures):
    """A trainer's figures (OwnerStats) as of one day: "change since last week" and "completion over time"."""

    owner_key = models.PositiveBigIntegerField()
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("daily trainer snapshot")
        verbose_name_plural = _("daily trainer snapshots")
        ordering = ["owner_key", "day"]
        constraints = [models.UniqueConstraint(fields=["owner_key", "day"], name="ownersnapshot_once_per_day")]

    def __str__(self) -> str:
        return f"{self.owner_key}@{self.day}"
