from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard, name="home"),
    path("courses/", views.courses, name="courses"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("assign/", views.assign, name="assign"),
    path("assign/practice/", views.assign_practice, name="assign_practice"),
    path("assign/quiz/", views.assign_quiz, name="assign_quiz"),
    path("nudge/", views.nudge, name="nudge"),
    path("exports/", views.export_start, name="export_start"),
    path("exports/<int:job_id>/", views.export_page, name="export"),
    path("exports/<int:job_id>/download/", views.export_download, name="export_download"),
]
