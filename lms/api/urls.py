"""/api/v1/: each app adds its routes in its own `api_urls.py`."""

from django.urls import include, path

from lms.api import views

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("", include("trainees.api_urls")),
    path("", include("courses.api_urls")),
    path("", include("assessments.api_urls")),
    path("", include("practice.api_urls")),
]
