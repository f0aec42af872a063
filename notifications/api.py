"""/api/v1/notifications/ (own only) and /api/v1/me/preferences/."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.api.serializers import JSONInSerializer
from notifications import selectors, services
from notifications.serializers import (
    MarkedOut,
    NotificationOut,
    PreferencesIn,
    PreferencesOut,
    UnreadCountOut,
)


class NotificationFilterIn(JSONInSerializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="Only unread notifications")


@extend_schema(parameters=[NotificationFilterIn])
class NotificationListView(generics.ListAPIView):
    serializer_class = NotificationOut

    def get_queryset(self):
        filters = NotificationFilterIn(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        unread = filters.validated_data["unread"]
        return selectors.notifications_for_user(user=self.request.user, unread_only=unread)


class NotificationDetailView(generics.RetrieveAPIView):
    serializer_class = NotificationOut

    def get_object(self):
        return selectors.notification_get_for_user(user=self.request.user, notification_id=self.kwargs["pk"])


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=NotificationOut)
    def post(self, request, pk: int):
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationOut(notification).data)


class NotificationReadAllView(APIView):
    @extend_schema(request=None, responses=MarkedOut)
    def post(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})


class UnreadCountView(APIView):
    @extend_schema(responses=UnreadCountOut)
    def get(self, request):
        return Response({"unread": selectors.unread_count(user=request.user)})


class MyPreferencesView(APIView):
    @staticmethod
    def _out(user) -> dict:
        return {
            "preferences": selectors.preferences_for_user(user=user),
            "quiet_hours": selectors.quiet_hours_for_user(user=user),
        }

    @extend_schema(responses=PreferencesOut)
    def get(self, request):
        return Response(self._out(request.user))

    @extend_schema(request=PreferencesIn, responses=PreferencesOut)
    def put(self, request):
        """Either part may be sent alone; what is not sent is left as it is."""
        data = PreferencesIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.preferences_update(
            user=request.user,
            items=data.validated_data.get("preferences"),
            quiet_hours=data.validated_data.get("quiet_hours"),
        )
        return Response(self._out(request.user))
