from django.urls import include, path

from trainees import views

app_name = "trainees"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("", include("trainees.notifications.urls")),
]
