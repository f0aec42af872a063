"""Training plans (培训计划) and their schedules.

Write them through `courses.plan_services`; read them through `courses.plan_selectors`.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_PLAN_DAYS = 30


class TrainingPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    title = models.CharField(_("title"), max_length=200)
    audience = models.TextField(_("audience"), blank=True, help_text=_("Who the training is for (培训对象)."))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    equipment = models.CharField(_("equipment"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    days = models.PositiveSmallIntegerField(
        _("number of days"), default=6, validators=[MinValueValidator(1), MaxValueValidator(MAX_PLAN_DAYS)]
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    is_template = models.BooleanField(_("template"), default=False)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("owners"), blank=True, related_name="owned_plans"
    )
    teams = models.ManyToManyField(
        "trainees.Team",
        verbose_name=_("teams"),
        blank=True,
        related_name="training_plans",
        help_text=_("Teams the plan is for; their managers can read it."),
    )
    source = models.ForeignKey(
        "self",
        verbose_name=_("cloned from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clones",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(days__gte=1, days__lte=30), name="plan_days_1_to_30"),
        ]
        indexes = [models.Index(fields=["is_template", "status"], name="plan_template_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def end_date(self) -> dt.date | None:
        return self.start_date + dt.timedelta(days=self.days - 1) if self.start_date else None

    def day_date(self, day: int) -> dt.date | None:
        return self.start_date + dt.timedelta(days=day - 1) if self.start_date else None

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_in_progress(self) -> bool:
        """Published and today (in the site's time zone) is one of its days."""
        return bool(self.is_published and self.start_date and self.start_date <= timezone.localdate() <= self.end_date)


class Objective(models.Model):
    """培训目标: knowledge (增长知识), skill (提高技能), attitude (强化态度)."""

    class Kind(models.TextChoices):
        KNOWLEDGE = "knowledge", _("Knowledge")
        SKILL = "skill", _("Skill")
        ATTITUDE = "attitude", _("Attitude")

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="objectives")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("objective"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["plan", "order", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Session(models.Model):
    """日程: one block of the schedule on day N of its plan."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="sessions")
    day = models.PositiveSmallIntegerField(
        _("day"), validators=[MinValueValidator(1), MaxValueValidator(MAX_PLAN_DAYS)]
    )
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        "courses.Category", verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT
    )
    competency = models.ForeignKey(
        "courses.Competency", verbose_name=_("competency"), null=True, blank=True, on_delete=models.PROTECT
    )
    method = models.ForeignKey(
        "courses.Method", verbose_name=_("method"), null=True, blank=True, on_delete=models.PROTECT
    )
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_sessions",
    )
    trainer_name = models.CharField(
        _("external trainer"), max_length=100, blank=True, help_text=_("For a trainer who has no account here.")
    )
    room = models.CharField(_("room"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_sessions",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["plan", "day", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="session_end_after_start"
            ),
            models.CheckConstraint(condition=models.Q(day__gte=1, day__lte=30), name="session_day_1_to_30"),
        ]
        indexes = [
            models.Index(fields=["plan", "day", "start_time"], name="session_plan_day"),
            models.Index(fields=["trainer", "start_time"], name="session_trainer"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def minutes(self) -> int:
        start = self.start_time.hour * 60 + self.start_time.minute
        end = self.end_time.hour * 60 + self.end_time.minute
        return max(end - start, 0)

    @property
    def trainer_label(self) -> str:
        return str(self.trainer) if self.trainer_id else self.trainer_name


class PlanChange(models.Model):
    """A change made to a published plan (who, when, what), shown on the plan page so participants can be told."""

    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=40)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.summary

    @property
    def summary(self) -> str:
        """The change as a sentence in the active language."""
        d = self.detail or {}

        def session(s: dict) -> str:
            return gettext("%(title)s, day %(day)s %(start)s-%(end)s") % {
                "title": s.get("title", ""),
                "day": s.get("day", ""),
                "start": s.get("start", ""),
                "end": s.get("end", ""),
            }

        if self.action == "plan_updated":
            names = []
            for name in d.get("fields", []):
                try:
                    names.append(str(TrainingPlan._meta.get_field(name).verbose_name))
                except FieldDoesNotExist:
                    names.append(name)
            return gettext("Changed the plan's %(fields)s.") % {"fields": gettext(", ").join(names)}
        messages = {
            "published": lambda: gettext("Published the plan."),
            "archived": lambda: gettext("Archived the plan."),
            "objective_added": lambda: gettext("Added objective: %(text)s") % {"text": d.get("text", "")},
            "objective_changed": lambda: gettext("Changed objective: %(text)s") % {"text": d.get("text", "")},
            "objective_removed": lambda: gettext("Removed objective: %(text)s") % {"text": d.get("text", "")},
            "session_added": lambda: gettext("Added session: %(s)s") % {"s": session(d.get("session", {}))},
            "session_removed": lambda: gettext("Removed session: %(s)s") % {"s": session(d.get("session", {}))},
            "session_changed": lambda: (
                gettext("Changed session: %(before)s -> %(after)s")
                % {"before": session(d.get("before", {})), "after": session(d.get("after", {}))}
            ),
            "sessions_reordered": lambda: (
                gettext("Reordered day %(day)s: %(list)s")
                % {"day": d.get("day", ""), "list": "; ".join(session(s) for s in d.get("sessions", []))}
            ),
        }
        return messages[self.action]() if self.action in messages else self.action
