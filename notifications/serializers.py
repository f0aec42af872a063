from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from rest_framework import serializers

from lms.api.serializers import JSONInSerializer
from notifications.kinds import configurable_kinds
from notifications.models import Notification, NotificationPreference


class KindField(serializers.CharField):
    """A notification kind's code; the schema lists the kinds a user may configure."""


class KindFieldExtension(OpenApiSerializerFieldExtension):
    target_class = KindField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": [k.code for k in configurable_kinds()]}


class NotificationOut(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    unread = serializers.BooleanField(source="is_unread", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "subject", "occasion", "created_at", "read_at", "unread"]


class UnreadCountOut(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedOut(serializers.Serializer):
    marked = serializers.IntegerField()


class PreferenceItem(JSONInSerializer):
    kind = KindField(max_length=40)
    label = serializers.CharField(read_only=True)
    in_app = serializers.BooleanField(default=True)
    email = serializers.ChoiceField(choices=NotificationPreference.Email.choices, default="immediate")


TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _time_field(**extra) -> serializers.RegexField:
    return serializers.RegexField(
        TIME_PATTERN,
        required=False,
        allow_null=True,
        max_length=5,
        error_messages={"invalid": _("Enter a time as HH:MM (00:00 to 23:59), for example 22:00.")},
        **extra,
    )


class QuietHoursItem(JSONInSerializer):
    mode = serializers.ChoiceField(
        choices=["default", "none", "custom"],
        help_text='"default": the site\'s quiet hours; "none": e-mail at any hour; "custom": `start` to `end`.',
    )
    start = _time_field(
        help_text='"HH:MM" local time (Asia/Shanghai), required with "custom". A start later than the end spans '
        'midnight; start equal to end is refused (use "none"). These rules answer 400 naming quiet_start / quiet_end.'
    )
    end = _time_field(help_text='"HH:MM", required with "custom".')
    default_start = serializers.CharField(read_only=True, allow_null=True, help_text="The site's quiet hours.")
    default_end = serializers.CharField(read_only=True, allow_null=True)


class PreferencesIn(JSONInSerializer):
    preferences = PreferenceItem(many=True, allow_empty=False, required=False)
    quiet_hours = QuietHoursItem(required=False)

    def validate(self, attrs):
        if "preferences" not in attrs and "quiet_hours" not in attrs:
            raise serializers.ValidationError({"preferences": [_("Send preferences, quiet_hours, or both.")]})
        return attrs


class PreferencesOut(serializers.Serializer):
    preferences = PreferenceItem(many=True)
    quiet_hours = QuietHoursItem()


class PreferencesInExtension(OpenApiSerializerExtension):
    """The list may not be empty (allow_empty=False) and the body names at least one part, which drf-spectacular
    does not say by itself."""

    target_class = PreferencesIn

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["properties"]["preferences"]["minItems"] = 1
        schema["minProperties"] = 1  # preferences, quiet_hours, or both
        return schema
