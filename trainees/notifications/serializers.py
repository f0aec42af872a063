from rest_framework import serializers

from trainees.notifications.models import Notification, NotificationPreference


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


class PreferenceItem(serializers.Serializer):
    kind = serializers.CharField(max_length=40)
    label = serializers.CharField(read_only=True)
    in_app = serializers.BooleanField(default=True)
    email = serializers.ChoiceField(choices=NotificationPreference.Email.choices, default="immediate")


class PreferencesIn(serializers.Serializer):
    preferences = PreferenceItem(many=True, allow_empty=False)


class PreferencesOut(serializers.Serializer):
    preferences = PreferenceItem(many=True)
