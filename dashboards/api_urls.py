from django.urls import path

from dashboards import api

urlpatterns = [
    path("dashboards/teams/<int:pk>/", api.TeamDashboardView.as_view(), name="api-dashboard-team"),
    path("dashboards/teams/<int:pk>/people/", api.TeamPeopleView.as_view(), name="api-dashboard-team-people"),
    path("dashboards/teams/<int:pk>/plans/", api.TeamPlansView.as_view(), name="api-dashboard-team-plans"),
    path("dashboards/teams/<int:pk>/courses/", api.TeamCoursesView.as_view(), name="api-dashboard-team-courses"),
    path("dashboards/teams/<int:pk>/overdue/", api.TeamOverdueView.as_view(), name="api-dashboard-team-overdue"),
    path(
        "dashboards/teams/<int:pk>/lowest-scores/",
        api.TeamLowestScoresView.as_view(),
        name="api-dashboard-team-lowest-scores",
    ),
    path("dashboards/trainer/", api.TrainerDashboardView.as_view(), name="api-dashboard-trainer"),
    path("dashboards/people/<int:pk>/", api.PersonDashboardView.as_view(), name="api-dashboard-person"),
    path("exports/", api.ExportStartView.as_view(), name="api-dashboard-exports"),
    path("exports/<int:pk>/", api.ExportDetailView.as_view(), name="api-dashboard-export"),
    path("exports/<int:pk>/download/", api.ExportDownloadView.as_view(), name="api-dashboard-export-download"),
]
