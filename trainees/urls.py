from django.urls import path

from trainees import views

app_name = "trainees"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("people/add/", views.person_add, name="person-add"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:person_id>/welcome/", views.person_welcome, name="person-welcome"),
    path("teams/add/", views.team_add, name="team-add"),
    path("teams/<int:team_id>/edit/", views.team_edit, name="team-edit"),
    path("people/import/", views.people_import, name="import"),
    path("people/import/<int:import_id>/", views.people_import_preview, name="import-preview"),
    path("people/import/<int:import_id>/confirm/", views.people_import_confirm, name="import-confirm"),
]
