from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from learning.models import Certificate, Enrollment
from lms.api.serializers import JSONInSerializer


class EnrollmentIn(JSONInSerializer):
    course = serializers.IntegerField(required=False)
    plan = serializers.IntegerField(required=False)
    user = serializers.IntegerField(required=False)
    team = serializers.IntegerField(required=False)
    employee_nos = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=50000)
    due_date = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        if ("course" in attrs) == ("plan" in attrs):
            raise serializers.ValidationError({"course": [_("Give a course or a plan (one of them).")]})
        targets = [k for k in ("user", "team", "employee_nos") if k in attrs]
        if len(targets) != 1:
            raise serializers.ValidationError({"user": [_("Give exactly one of user, team or employee_nos.")]})
        return attrs


class EnrollmentInExtension(OpenApiSerializerExtension):
    """The schema says what validate() checks: exactly one of course/plan and exactly one of user/team/employee_nos."""

    target_class = EnrollmentIn

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["allOf"] = [
            {"oneOf": [{"required": ["course"]}, {"required": ["plan"]}]},
            {"oneOf": [{"required": ["user"]}, {"required": ["team"]}, {"required": ["employee_nos"]}]},
        ]
        return schema


class EnrollmentOut(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()
    course = serializers.SerializerMethodField()
    plan = serializers.SerializerMethodField()
    status = serializers.CharField(source="display_status")
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "user",
            "course",
            "plan",
            "due_date",
            "status",
            "progress",
            "active",
            "created_at",
            "started_at",
            "completed_at",
            "last_activity_at",
        ]

    def get_user(self, obj) -> dict:
        return {"id": obj.user_id, "name": str(obj.user), "employee_no": obj.user.employee_no}

    def get_course(self, obj) -> dict | None:
        return {"id": obj.course_id, "title": obj.course.title} if obj.course_id else None

    def get_plan(self, obj) -> dict | None:
        return {"id": obj.plan_id, "title": obj.plan.title} if obj.plan_id else None


class EnrollResultOut(serializers.Serializer):
    created = serializers.IntegerField()
    restored = serializers.IntegerField()
    already = serializers.IntegerField()
    message = serializers.CharField()
    enrollment = EnrollmentOut(required=False)
    job = serializers.IntegerField(required=False)


class MyLearningOut(serializers.ModelSerializer):
    course = serializers.SerializerMethodField()
    status = serializers.CharField(source="display_status")

    class Meta:
        model = Enrollment
        fields = ["id", "course", "due_date", "status", "progress", "last_lesson", "last_activity_at", "completed_at"]

    def get_course(self, obj) -> dict:
        c = obj.course
        return {
            "id": c.id,
            "title": c.title,
            "category": c.category.code if c.category_id else None,
            "track": c.track.code if c.track_id else None,
        }


class CertificateVerifyOut(serializers.ModelSerializer):
    name = serializers.CharField(source="holder_name")
    course = serializers.CharField(source="course_title")
    issued_on = serializers.SerializerMethodField()
    expired = serializers.BooleanField(source="is_expired")
    valid = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["code", "name", "course", "issued_on", "expires_on", "expired", "valid"]

    def get_issued_on(self, obj) -> str:
        return timezone.localdate(obj.issued_at).isoformat()

    def get_valid(self, obj) -> bool:
        return not obj.is_expired


class ProgressIn(JSONInSerializer):
    position = serializers.FloatField(min_value=0, max_value=24 * 3600, required=False, default=0)
    duration = serializers.FloatField(
        min_value=0,
        max_value=24 * 3600,
        required=False,
        allow_null=True,
        help_text="ignored, kept for older players: the video's length is the lesson's (`duration_seconds` in the "
        "answer: the trainer's, or read from the uploaded file), never the browser's",
    )
    event = serializers.ChoiceField(choices=["start", "tick", "pause", "ended"], required=False, default="tick")


class LessonProgressOut(serializers.Serializer):
    lesson = serializers.IntegerField(source="lesson_id")
    completed = serializers.SerializerMethodField()
    seconds_watched = serializers.IntegerField()
    duration_seconds = serializers.IntegerField(
        allow_null=True,
        help_text="the video's length as the server knows it (null: not set yet, so watching cannot complete it)",
    )
    enrollments = serializers.SerializerMethodField()

    def get_completed(self, obj) -> bool:
        return obj.completed_at is not None

    def get_enrollments(self, obj) -> list[dict]:
        return self.context.get("enrollments", [])
