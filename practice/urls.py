from django.urls import path

from practice import views

app_name = "practice"
urlpatterns = [
    path("practice/", views.home, name="home"),
    path("practice/history/", views.history, name="history"),
    path("practice/team/", views.team, name="team"),
    path("practice/scenarios/<int:scenario_id>/start/", views.start, name="start"),
    path("practice/sessions/<int:session_id>/", views.session_page, name="session"),
    path("practice/sessions/<int:session_id>/reply/", views.reply, name="reply"),
    path("practice/sessions/<int:session_id>/finish/", views.finish, name="finish"),
    path("practice/sessions/<int:session_id>/comment/", views.comment, name="comment"),
    path("practice/sessions/<int:session_id>/override/", views.override, name="override"),
    path("practice/manage/", views.manage, name="manage"),
    path("practice/manage/new/", views.scenario_edit, name="scenario_new"),
    path("practice/manage/<int:scenario_id>/", views.scenario_edit, name="scenario_edit"),
    path("practice/manage/<int:scenario_id>/export/", views.scenario_export, name="scenario_export"),
    path("practice/manage/<int:scenario_id>/try/", views.scenario_try, name="scenario_try"),
    path("practice/manage/export/", views.scenario_export, name="scenario_export_all"),
    path("practice/manage/<int:scenario_id>/requirements/", views.requirement_add, name="requirement_add"),
    path(
        "practice/manage/<int:scenario_id>/requirements/<int:requirement_id>/remove/",
        views.requirement_remove,
        name="requirement_remove",
    ),
    path("practice/manage/check/", views.scenario_check, name="scenario_check"),
    path("practice/manage/editor-rows/", views.scenario_editor_rows, name="scenario_editor_rows"),
    path("practice/manage/import/", views.scenario_import, name="scenario_import"),
    path("practice/calibration/", views.calibration, name="calibration"),
]
