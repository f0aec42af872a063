from django.urls import path

from notifications import api

urlpatterns = [
    path("notifications/", api.NotificationListView.as_view(), name="api-notifications"),
    path("notifications/unread-count/", api.UnreadCountView.as_view(), name="api-notifications-unread-count"),
    path("notifications/read-all/", api.NotificationReadAllView.as_view(), name="api-notifications-read-all"),
    path("notifications/<int:pk>/", api.NotificationDetailView.as_view(), name="api-notification"),
    path("notifications/<int:pk>/read/", api.NotificationReadView.as_view(), name="api-notification-read"),
    path("me/preferences/", api.MyPreferencesView.as_view(), name="api-my-preferences"),
]
