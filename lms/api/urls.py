"""/api/v1/: each app adds its routes in its own `api_urls.py`."""

from django.urls import include, path

from lms import jobs
from lms.api import views

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    # Assessments first: the saves and submits at the end of a quiz are the hottest routes, and Django lists every
    # pattern of an include it passes through (a route in the fourth include cost ~1 ms to resolve). The apps'
    # routes do not overlap, so the order changes nothing else.
    path("", include("assessments.api_urls")),
    path("", include("learning.api_urls")),  # the player's heartbeats come next
    path("", include("trainees.api_urls")),
    path("", include("courses.api_urls")),
    path("", include("practice.api_urls")),
    path("", include("dashboards.api_urls")),
    path("", include("notifications.api_urls")),
    path("jobs/<int:pk>/", jobs.JobDetailView.as_view(), name="api-job"),
]
