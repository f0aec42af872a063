"""Explicit input and output serializers for the training plan API. They shape data; rules live in plan_services."""

import datetime as dt
from importlib import import_module

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.models import Category, Competency, Course, Method, Objective, Session, Track, TrainingPlan
from courses.models.plans import MAX_PLAN_DAYS
from lms.api.serializers import JSONInSerializer
from lms.roles import TRAINER
from trainees.models import Team, User


class ReferenceCodeField(serializers.SlugRelatedField):
    """A category, competency, track or method given by its `code`; the schema lists the codes that exist."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        # DRF reads "" as null for a related field; the schema says a code or null, so "" is an unknown code
        # (the API fuzz test found "" accepted where the schema refuses it).
        if data == "":
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().run_validation(data)


class ReferenceCodeFieldExtension(OpenApiSerializerFieldExtension):
    """The schema's enum is the codes seeded by migration 0002 (the schema is built without a database, e.g. by
    `manage.py spectacular` or the API fuzz test at collection time); a code added in the admin is accepted too."""

    target_class = ReferenceCodeField

    def map_serializer_field(self, auto_schema, direction):
        seeded = import_module("courses.migrations.0002_reference_data")
        rows = {
            Category: seeded.CATEGORIES,
            Competency: seeded.COMPETENCIES,
            Track: seeded.TRACKS,
            Method: seeded.METHODS,
        }.get(self.target.get_queryset().model, [])
        codes = [row[0] for row in rows]
        return {"type": "string", "enum": codes} if codes else {"type": "string"}


class PersonRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class PlanOut(serializers.ModelSerializer):
    owners = PersonRef(many=True, read_only=True)
    teams = serializers.SerializerMethodField()
    end_date = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = TrainingPlan
        fields = [
            "id",
            "title",
            "audience",
            "venue",
            "equipment",
            "description",
            "start_date",
            "end_date",
            "days",
            "status",
            "is_template",
            "owners",
            "teams",
            "source",
            "published_at",
            "created_at",
            "updated_at",
        ]

    def get_teams(self, obj) -> list[int]:
        return sorted(t.id for t in obj.teams.all())


class PlanListOut(PlanOut):
    session_count = serializers.IntegerField(read_only=True)

    class Meta(PlanOut.Meta):
        fields = [*PlanOut.Meta.fields, "session_count"]


class PlanIn(JSONInSerializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    audience = serializers.CharField(required=False, allow_blank=True, default="")
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    equipment = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    days = serializers.IntegerField(required=False, default=6, min_value=1, max_value=MAX_PLAN_DAYS)
    is_template = serializers.BooleanField(required=False, default=False)
    teams = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), many=True, required=False)


class PlanUpdateIn(JSONInSerializer):
    title = serializers.CharField(max_length=200, allow_blank=True, required=False)
    audience = serializers.CharField(required=False, allow_blank=True)
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True)
    equipment = serializers.CharField(max_length=300, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    days = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PLAN_DAYS)
    teams = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), many=True, required=False)


class CloneIn(JSONInSerializer):
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    as_template = serializers.BooleanField(required=False, default=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ObjectiveOut(serializers.ModelSerializer):
    class Meta:
        model = Objective
        fields = ["id", "kind", "text", "order"]


class ObjectiveIn(JSONInSerializer):
    kind = serializers.ChoiceField(choices=Objective.Kind.choices)
    text = serializers.CharField(max_length=2000, allow_blank=True)


class WarningOut(serializers.Serializer):
    code = serializers.CharField(help_text="`trainer_clash`")
    message = serializers.CharField()
    other_session = serializers.IntegerField()
    other_plan = serializers.IntegerField()


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$", "example": "09:00:00"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time of the site's time zone, HH:MM:SS. Not an RFC 3339 `time` (that carries an offset, which
    a time of day alone cannot know in a zone with summer time)."""


class SessionOut(serializers.ModelSerializer):
    date = serializers.SerializerMethodField()
    start_time = LocalTimeField(help_text="Wall-clock time in the site's time zone (`starts_at` has the offset).")
    end_time = LocalTimeField(help_text="Wall-clock time in the site's time zone (`ends_at` has the offset).")
    starts_at = serializers.SerializerMethodField(
        help_text="Date and start time with the time-zone offset; null while the plan has no start date."
    )
    ends_at = serializers.SerializerMethodField(
        help_text="Date and end time with the time-zone offset; null while the plan has no start date."
    )
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    competency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    method = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id",
            "day",
            "date",
            "start_time",
            "end_time",
            "starts_at",
            "ends_at",
            "title",
            "category",
            "competency",
            "method",
            "trainer",
            "trainer_name",
            "room",
            "notes",
            "course",
            "warnings",
        ]

    def get_date(self, obj) -> str | None:
        plan = self.context.get("plan") or obj.plan
        date = plan.day_date(obj.day)
        return date.isoformat() if date else None

    def _at(self, obj, time) -> dt.datetime | None:
        plan = self.context.get("plan") or obj.plan
        date = plan.day_date(obj.day)
        return dt.datetime.combine(date, time, tzinfo=timezone.get_default_timezone()) if date else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_starts_at(self, obj) -> str | None:
        at = self._at(obj, obj.start_time)
        return at.isoformat() if at else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_ends_at(self, obj) -> str | None:
        at = self._at(obj, obj.end_time)
        return at.isoformat() if at else None

    @extend_schema_field(WarningOut(many=True))
    def get_warnings(self, obj) -> list[dict]:
        """Trainer clashes: the trainer is booked elsewhere at the same time. A warning; the session is saved."""
        clashes = self.context.get("clashes", {}).get(obj.pk, [])
        return [
            {
                "code": "trainer_clash",
                "message": _("%(who)s is also booked for “%(title)s” (%(plan)s, %(start)s-%(end)s).")
                % {
                    "who": c.trainer,
                    "title": c.other_title,
                    "plan": c.other_plan_title,
                    "start": c.start.strftime("%H:%M"),
                    "end": c.end.strftime("%H:%M"),
                },
                "other_session": c.other_id,
                "other_plan": c.other_plan_id,
            }
            for c in clashes
        ]


class SessionIn(JSONInSerializer):
    day = serializers.IntegerField()
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    title = serializers.CharField(max_length=200, allow_blank=True)
    category = ReferenceCodeField(queryset=Category.objects.all(), required=False, allow_null=True)
    competency = ReferenceCodeField(queryset=Competency.objects.all(), required=False, allow_null=True)
    method = ReferenceCodeField(queryset=Method.objects.all(), required=False, allow_null=True)
    trainer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(Q(groups__name=TRAINER) | Q(is_staff=True)).distinct(),
        required=False,
        allow_null=True,
        help_text="A user with the trainer role; for someone without an account use `trainer_name`.",
    )
    trainer_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    room = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all(), required=False, allow_null=True)


class ReferenceOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    description = serializers.CharField()
    order = serializers.IntegerField()


class MethodOut(ReferenceOut):
    trade_off = serializers.CharField()


REFERENCE_MODELS = {"categories": Category, "competencies": Competency, "tracks": Track, "methods": Method}
