from django.urls import path

from courses import course_api, plan_api

urlpatterns = [
    path("plans/", plan_api.PlanListView.as_view(), name="api-plans"),
    path("plans/<int:pk>/", plan_api.PlanDetailView.as_view(), name="api-plan"),
    path("plans/<int:pk>/publish/", plan_api.PlanPublishView.as_view(), name="api-plan-publish"),
    path("plans/<int:pk>/clone/", plan_api.PlanCloneView.as_view(), name="api-plan-clone"),
    path("plans/<int:pk>/objectives/", plan_api.ObjectiveListView.as_view(), name="api-plan-objectives"),
    path(
        "plans/<int:pk>/objectives/<int:objective_id>/",
        plan_api.ObjectiveDetailView.as_view(),
        name="api-plan-objective",
    ),
    path("plans/<int:pk>/sessions/", plan_api.SessionListView.as_view(), name="api-plan-sessions"),
    path("plans/<int:pk>/sessions/<int:session_id>/", plan_api.SessionDetailView.as_view(), name="api-plan-session"),
    path("categories/", plan_api.CategoryListView.as_view(), name="api-categories"),
    path("competencies/", plan_api.CompetencyListView.as_view(), name="api-competencies"),
    path("tracks/", plan_api.TrackListView.as_view(), name="api-tracks"),
    path("methods/", plan_api.MethodListView.as_view(), name="api-methods"),
    # Courses and the lesson library
    path("courses/", course_api.CourseListView.as_view(), name="api-courses"),
    path("courses/<int:pk>/", course_api.CourseDetailView.as_view(), name="api-course"),
    path("courses/<int:pk>/modules/", course_api.ModuleListView.as_view(), name="api-course-modules"),
    path("courses/<int:pk>/modules/<int:module_id>/items/", course_api.ItemListView.as_view(), name="api-module-items"),
    path("lessons/", course_api.LessonListView.as_view(), name="api-lessons"),
    path("lessons/<int:pk>/", course_api.LessonDetailView.as_view(), name="api-lesson"),
]
