from django.urls import include, path

from lms import jobs
from trainees import api, learning_api
from trainees.dashboards import api as dashboard_api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("teams/", api.TeamListView.as_view(), name="api-teams"),
    path("teams/<int:pk>/", api.TeamDetailView.as_view(), name="api-team"),
    path("people/", api.PersonListView.as_view(), name="api-people"),
    path("people/import/", api.PeopleImportView.as_view(), name="api-people-import"),
    path("people/<int:pk>/", api.PersonDetailView.as_view(), name="api-person"),
    # Learning (issue 4)
    path("enrollments/", learning_api.EnrollmentListView.as_view(), name="api-enrollments"),
    path("enrollments/<int:pk>/", learning_api.EnrollmentDetailView.as_view(), name="api-enrollment"),
    path("me/learning/", learning_api.MyLearningView.as_view(), name="api-my-learning"),
    path(
        "certificates/<str:code>/verify/", learning_api.CertificateVerifyView.as_view(), name="api-certificate-verify"
    ),
    path("jobs/<int:pk>/", jobs.JobDetailView.as_view(), name="api-job"),
    path("", include("trainees.notifications.api_urls")),
    # Dashboards (issue 7)
    path("dashboards/teams/<int:pk>/", dashboard_api.TeamDashboardView.as_view(), name="api-dashboard-team"),
    path("dashboards/teams/<int:pk>/people/", dashboard_api.TeamPeopleView.as_view(), name="api-dashboard-team-people"),
    path("dashboards/teams/<int:pk>/plans/", dashboard_api.TeamPlansView.as_view(), name="api-dashboard-team-plans"),
    path(
        "dashboards/teams/<int:pk>/courses/", dashboard_api.TeamCoursesView.as_view(), name="api-dashboard-team-courses"
    ),
    path(
        "dashboards/teams/<int:pk>/overdue/", dashboard_api.TeamOverdueView.as_view(), name="api-dashboard-team-overdue"
    ),
    path(
        "dashboards/teams/<int:pk>/lowest-scores/",
        dashboard_api.TeamLowestScoresView.as_view(),
        name="api-dashboard-team-lowest-scores",
    ),
    path("dashboards/trainer/", dashboard_api.TrainerDashboardView.as_view(), name="api-dashboard-trainer"),
    path("dashboards/people/<int:pk>/", dashboard_api.PersonDashboardView.as_view(), name="api-dashboard-person"),
    path("exports/", dashboard_api.ExportStartView.as_view(), name="api-dashboard-exports"),
    path("exports/<int:pk>/", dashboard_api.ExportDetailView.as_view(), name="api-dashboard-export"),
    path(
        "exports/<int:pk>/download/", dashboard_api.ExportDownloadView.as_view(), name="api-dashboard-export-download"
    ),
]
