from django.urls import path

from trainees import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("teams/", api.TeamListView.as_view(), name="api-teams"),
    path("teams/<int:pk>/", api.TeamDetailView.as_view(), name="api-team"),
    path("people/", api.PersonListView.as_view(), name="api-people"),
    path("people/import/", api.PeopleImportView.as_view(), name="api-people-import"),
    path("people/<int:pk>/", api.PersonDetailView.as_view(), name="api-person"),
]
