from django.urls import path, re_path

from courses import course_views

app_name = "courses"
urlpatterns = [
    # Courses, the lesson library, the catalogue and the player (issue 4)
    path("courses/", course_views.course_list, name="course_list"),
    path("courses/new/", course_views.course_create, name="course_create"),
    path("courses/<int:course_id>/edit/", course_views.course_edit, name="course_edit"),
    path("courses/<int:course_id>/outline/", course_views.course_outline, name="outline"),
    path("courses/<int:course_id>/modules/add/", course_views.module_add, name="module_add"),
    path("courses/<int:course_id>/reorder/", course_views.course_reorder, name="reorder"),
    path("courses/<int:course_id>/publish/", course_views.course_publish, name="publish"),
    path("courses/modules/<int:module_id>/rename/", course_views.module_rename, name="module_rename"),
    path("courses/modules/<int:module_id>/delete/", course_views.module_delete, name="module_delete"),
    re_path(
        r"^courses/modules/(?P<module_id>\d+)/move/(?P<direction>up|down)/$",
        course_views.module_move,
        name="module_move",
    ),
    path("courses/modules/<int:module_id>/items/add/", course_views.item_add, name="item_add"),
    re_path(r"^courses/items/(?P<item_id>\d+)/move/(?P<direction>up|down)/$", course_views.item_move, name="item_move"),
    path("courses/items/<int:item_id>/remove/", course_views.item_remove, name="item_remove"),
    path("lessons/", course_views.lesson_list, name="lesson_list"),
    path("lessons/new/", course_views.lesson_create, name="lesson_create"),
    path("lessons/<int:lesson_id>/", course_views.lesson_preview, name="lesson_preview"),
    path("lessons/<int:lesson_id>/edit/", course_views.lesson_edit, name="lesson_edit"),
    path("lessons/<int:lesson_id>/file/", course_views.lesson_file_preview, name="lesson_file_preview"),
    path("catalogue/", course_views.catalogue, name="catalogue"),
    path("catalogue/<int:course_id>/", course_views.course_detail, name="course_detail"),
    path("catalogue/<int:course_id>/cover/", course_views.course_cover, name="course_cover"),
    path("catalogue/<int:course_id>/enroll/", course_views.course_self_enroll, name="self_enroll"),
    path("learn/<int:course_id>/<int:lesson_id>/", course_views.player, name="player"),
    path("learn/<int:course_id>/<int:lesson_id>/done/", course_views.lesson_done, name="lesson_done"),
    path("learn/<int:course_id>/<int:lesson_id>/file/", course_views.lesson_file, name="lesson_file"),
]
