"""Question bank (试题), quizzes (测验/考试), attempts (答卷) and their stored scores."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "truefalse", _("True/false")
    SHORT = "short", _("Short answer")
    NUMERIC = "numeric", _("Numeric")
    ESSAY = "essay", _("Essay")


CHOICE_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)
MANUAL_TYPES = (QuestionType.ESSAY,)


class PartialCredit(models.TextChoices):
    ALL_OR_NOTHING = "all", _("All or nothing")
    RIGHT_MINUS_WRONG = "rmw", _("Right minus wrong (never below zero)")
    WEIGHTED = "weighted", _("Sum of option weights")


class QuestionBank(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("owners"), blank=True, related_name="owned_question_banks"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """The stable identity quizzes refer to. Content lives in versions; the filter fields mirror the current one."""

    bank = models.ForeignKey(QuestionBank, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True, on_delete=models.SET_NULL
    )
    current = models.ForeignKey(
        "QuestionVersion", verbose_name=_("current version"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    qtype = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    category = models.ForeignKey(
        "courses.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT
    )
    competency = models.ForeignKey(
        "courses.Competency", verbose_name=_("competency"), null=True, blank=True, on_delete=models.PROTECT
    )
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=3)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["id"]
        indexes = [models.Index(fields=["category", "difficulty"], name="question_cat_diff")]
        constraints = [
            models.CheckConstraint(condition=Q(difficulty__gte=1, difficulty__lte=5), name="question_difficulty_1_5")
        ]

    def __str__(self) -> str:
        return self.current.title if self.current_id and self.current else f"#{self.pk}"


class QuestionVersion(models.Model):
    """One immutable version of a question. Editing a question creates a new one.

    options: [{"key": "A", "text": "...", "weight": 100.0, "feedback": ""}] for choice types.
    answer: {"value": true} (true/false), {"accepted": [...]} (short), {"value": 3, "tolerance": 0.5} or
    {"min": 1, "max": 2} (numeric), {} otherwise.
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    qtype = models.CharField(_("type"), max_length=20, choices=QuestionType.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    stem = models.TextField(_("stem"))
    options = models.JSONField(_("options"), default=list, blank=True)
    answer = models.JSONField(_("answer"), default=dict, blank=True)
    partial_credit = models.CharField(
        _("partial credit"), max_length=10, choices=PartialCredit.choices, default=PartialCredit.ALL_OR_NOTHING
    )
    explanation = models.TextField(_("explanation"), blank=True)
    category = models.ForeignKey(
        "courses.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT
    )
    competency = models.ForeignKey(
        "courses.Competency", verbose_name=_("competency"), null=True, blank=True, on_delete=models.PROTECT
    )
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=3)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        ordering = ["question_id", "number"]
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="question_version_unique")]

    def __str__(self) -> str:
        return f"{self.title or self.stem[:40]} (v{self.number})"

    @property
    def is_manual(self) -> bool:
        return self.qtype in MANUAL_TYPES or (self.qtype == QuestionType.SHORT and not self.answer.get("accepted"))


class Quiz(models.Model):
    class Mode(models.TextChoices):
        FIXED = "fixed", _("Fixed questions")
        RANDOM = "random", _("Random by rules")
        # Both: the fixed questions first, then the rules' draws (never a fixed question again).
        MIXED = "mixed", _("Fixed questions and random rules")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Review(models.TextChoices):
        NEVER = "never", _("Never")
        AFTER_SUBMIT = "after_submit", _("After submitting")
        # Once the person has no attempt left: all attempts used, or the quiz closed (unlimited attempts: closed).
        AFTER_LAST_ATTEMPT = "after_last_attempt", _("After the last attempt")
        AFTER_CLOSE = "after_close", _("After the quiz closes")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Deleting a course or plan keeps its quizzes and the attempts people made (records, not content).
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quizzes",
    )
    is_final = models.BooleanField(_("final exam of the course"), default=False)
    plan = models.ForeignKey(
        "courses.TrainingPlan",
        verbose_name=_("training plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quizzes",
    )
    plan_day = models.PositiveSmallIntegerField(_("plan day"), null=True, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.FIXED)
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_options = models.BooleanField(_("shuffle options"), default=False)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=60)
    attempts_allowed = models.PositiveSmallIntegerField(_("attempts allowed (0 = unlimited)"), default=1)
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), null=True, blank=True)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    review_policy = models.CharField(_("review"), max_length=20, choices=Review.choices, default=Review.AFTER_SUBMIT)
    review_shows_answers = models.BooleanField(_("review shows correct answers"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The question versions a published quiz gives: of each question, the newest version with an id up to this
    # (version ids only grow). Set on publishing and when an owner takes the newer versions; a draft (None)
    # always gives the current versions. So an edit by anyone reaches a published quiz only when its owner agrees.
    versions_upto = models.PositiveBigIntegerField(_("question versions up to"), null=True, blank=True, editable=False)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("owners"), blank=True, related_name="owned_quizzes"
    )
    questions = models.ManyToManyField(Question, through="QuizQuestion", blank=True, related_name="quizzes")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="quiz_pass_mark_max_100"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="quiz_window_order",
            ),
            models.UniqueConstraint(fields=["course"], condition=Q(is_final=True), name="quiz_one_final_per_course"),
        ]

    def __str__(self) -> str:
        return self.title


class QuizQuestion(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="quiz_questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField(default=0)
    points = models.DecimalField(max_digits=6, decimal_places=2, default=1)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["quiz", "question"], name="quiz_question_unique")]

    def __str__(self) -> str:
        return f"{self.quiz_id}/{self.question_id}"


class QuizRule(models.Model):
    """N random questions from a category (and competency, difficulty), for quizzes in random or mixed mode."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="rules")
    category = models.ForeignKey("courses.Category", null=True, blank=True, on_delete=models.PROTECT)
    competency = models.ForeignKey("courses.Competency", null=True, blank=True, on_delete=models.PROTECT)
    difficulty = models.PositiveSmallIntegerField(null=True, blank=True)
    count = models.PositiveSmallIntegerField(default=5)
    points = models.DecimalField(max_digits=6, decimal_places=2, default=1)

    class Meta:
        verbose_name = _("random rule")
        verbose_name_plural = _("random rules")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.count} × {self.category_id or '*'}"


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Waiting for grading")
        GRADED = "graded", _("Graded")

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    auto_closed = models.BooleanField(default=False)
    save_seq = models.PositiveIntegerField(default=0)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "user", "number"], name="attempt_number_unique"),
            models.UniqueConstraint(
                fields=["quiz", "user"], condition=Q(status="in_progress"), name="attempt_one_open_per_user"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="attempt_status_deadline"),
            models.Index(fields=["user", "quiz", "status"], name="attempt_user_quiz_status"),
            # What the grading run and the sweep read: attempts waiting for their automatic grading.
            models.Index(
                fields=["submitted_at"],
                name="attempt_waiting_grading",
                condition=Q(status="submitted", score__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quiz} #{self.number} ({self.user})"

    @property
    def is_grading(self) -> bool:
        """Submitted, and its automatic grading (the Celery task the submit queued) has not run yet: it sets the
        score, so until then the score is empty. Afterwards a submitted attempt waits for a trainer."""
        return self.status == self.Status.SUBMITTED and self.score is None


class AttemptItem(models.Model):
    """One question of an attempt, frozen at start: its version, its option order, the answer and its score."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    option_order = models.JSONField(default=list, blank=True)
    points = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    answer = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    needs_grading = models.BooleanField(default=False)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grader_comment = models.TextField(blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    # The taker's "come back to this one" mark, listed on the summary before the final submit.
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["attempt_id", "order"]
        constraints = [models.UniqueConstraint(fields=["attempt", "order"], name="attempt_item_order_unique")]
        indexes = [
            models.Index(fields=["needs_grading"], name="attempt_item_needs_grading", condition=Q(needs_grading=True))
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.order}"


class AttemptRequest(models.Model):
    """A learner with no attempt left asks the quiz's owners for one more. Each granted request adds one attempt
    to what the quiz allows that person; at most one request per person and quiz is open at a time."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        GRANTED = "granted", _("Granted")
        DECLINED = "declined", _("Declined")

    quiz = models.ForeignKey(Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="attempt_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("request for another attempt")
        verbose_name_plural = _("requests for another attempt")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "user"], condition=Q(status="open"), name="attempt_request_one_open"
            )
        ]
        indexes = [models.Index(fields=["quiz", "user", "status"], name="attempt_request_quiz_user")]

    def __str__(self) -> str:
        return f"{self.quiz} ({self.user}): {self.status}"


class QuizAssignment(models.Model):
    """A quiz a manager asked a person to take by a date (the dashboards' remediation). It lets the person see and
    take the quiz even outside its course (`selectors.quizzes_for_user`), and is completed when they pass it
    (`services`, where an attempt's result becomes final); one open assignment per person and quiz (assigning again
    changes its due date)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.CASCADE,
        related_name="quiz_assignments",
    )
    quiz = models.ForeignKey(Quiz, verbose_name=_("quiz"), on_delete=models.CASCADE, related_name="assignments")
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
        verbose_name = _("quiz assignment")
        verbose_name_plural = _("quiz assignments")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["user", "completed_at"], name="quiz_assignment_user_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz"], condition=Q(completed_at__isnull=True), name="quiz_one_open_assignment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz}"


class AttemptAreaScore(models.Model):
    """Stored score of an attempt per category or per competency, for dashboards."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="area_scores")
    category = models.ForeignKey("courses.Category", null=True, blank=True, on_delete=models.CASCADE)
    competency = models.ForeignKey("courses.Competency", null=True, blank=True, on_delete=models.CASCADE)
    score = models.DecimalField(max_digits=8, decimal_places=2)
    max_score = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("result by area")
        verbose_name_plural = _("results by area")
        constraints = [
            models.CheckConstraint(
                condition=Q(category__isnull=True, competency__isnull=False)
                | Q(category__isnull=False, competency__isnull=True),
                name="area_score_one_axis",
            ),
            models.UniqueConstraint(fields=["attempt", "category"], name="area_score_category_unique"),
            models.UniqueConstraint(fields=["attempt", "competency"], name="area_score_competency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.score}/{self.max_score}"


class QuestionImport(models.Model):
    """A parsed upload waiting for the trainer's decision on the preview page."""

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="imports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fmt = models.CharField(max_length=10)
    filename = models.CharField(max_length=255, blank=True)
    parsed = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    imported_count = models.PositiveIntegerField(null=True, blank=True)
    # Set when a large file is imported in the background (its progress bar).
    job = models.ForeignKey("lms.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.filename or f"import {self.pk}"
