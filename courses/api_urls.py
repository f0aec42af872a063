from django.urls import path

from courses import course_api

urlpatterns = [
    # Courses and the lesson library (issue 4)
    path("courses/", course_api.CourseListView.as_view(), name="api-courses"),
    path("courses/<int:pk>/", course_api.CourseDetailView.as_view(), name="api-course"),
    path("courses/<int:pk>/modules/", course_api.ModuleListView.as_view(), name="api-course-modules"),
    path("courses/<int:pk>/modules/<int:module_id>/items/", course_api.ItemListView.as_view(), name="api-module-items"),
    path("lessons/", course_api.LessonListView.as_view(), name="api-lessons"),
    path("lessons/<int:pk>/", course_api.LessonDetailView.as_view(), name="api-lesson"),
    path("lessons/<int:pk>/complete/", course_api.LessonCompleteView.as_view(), name="api-lesson-complete"),
    path("lessons/<int:pk>/heartbeat/", course_api.LessonHeartbeatView.as_view(), name="api-lesson-heartbeat"),
]
