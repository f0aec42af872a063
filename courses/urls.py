from django.urls import path

from courses import plan_views, reference_views

app_name = "courses"
urlpatterns = [
    path("plans/", plan_views.plan_list, name="plan_list"),
    path("plans/new/", plan_views.plan_new, name="plan_new"),
    path("plans/<int:plan_id>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/edit/", plan_views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/edit/header/", plan_views.plan_header, name="plan_header"),
    path("plans/<int:plan_id>/objectives/add/", plan_views.objective_add, name="objective_add"),
    path("plans/<int:plan_id>/objectives/<int:objective_id>/edit/", plan_views.objective_edit, name="objective_edit"),
    path(
        "plans/<int:plan_id>/objectives/<int:objective_id>/delete/",
        plan_views.objective_delete,
        name="objective_delete",
    ),
    path("plans/<int:plan_id>/sessions/new/", plan_views.session_new, name="session_new"),
    path("plans/<int:plan_id>/sessions/<int:session_id>/edit/", plan_views.session_edit, name="session_edit"),
    path("plans/<int:plan_id>/sessions/<int:session_id>/delete/", plan_views.session_delete, name="session_delete"),
    path("plans/<int:plan_id>/sessions/<int:session_id>/move/", plan_views.session_move, name="session_move"),
    path("plans/<int:plan_id>/days/<int:day>/reorder/", plan_views.day_reorder, name="day_reorder"),
    path("plans/<int:plan_id>/publish/", plan_views.plan_publish, name="plan_publish"),
    path("plans/<int:plan_id>/archive/", plan_views.plan_archive, name="plan_archive"),
    path("plans/<int:plan_id>/delete/", plan_views.plan_delete, name="plan_delete"),
    path("plans/<int:plan_id>/clone/", plan_views.plan_clone, name="plan_clone"),
    path("plans/<int:plan_id>/calendar.ics", plan_views.plan_calendar, name="plan_calendar"),
    path("plans/<int:plan_id>/print/", plan_views.plan_print, name="plan_print"),
    path("plans/<int:plan_id>/plan.docx", plan_views.plan_docx, name="plan_docx"),
    path("reference/", reference_views.reference_index, name="reference_index"),
    path("reference/<str:kind>/<int:item_id>/", reference_views.reference_edit, name="reference_edit"),
]
