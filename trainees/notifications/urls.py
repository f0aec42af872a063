"""Included from trainees/urls.py without its own app_name: the names live in the "trainees" namespace."""

from django.urls import path

from trainees.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notifications-read"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("notifications/preferences/", views.preferences, name="notifications-preferences"),
    path("notifications/test/", views.send_test, name="notifications-test"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="notifications-unsubscribe"),
]
