from django.urls import path

from trainees import views

app_name = "trainees"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("people/import/", views.people_import, name="import"),
    path("people/import/<int:import_id>/", views.people_import_preview, name="import-preview"),
    path("people/import/<int:import_id>/confirm/", views.people_import_confirm, name="import-confirm"),
]
