from django.urls import path

from learning import api

urlpatterns = [
    path("enrollments/", api.EnrollmentListView.as_view(), name="api-enrollments"),
    path("enrollments/<int:pk>/", api.EnrollmentDetailView.as_view(), name="api-enrollment"),
    path("me/learning/", api.MyLearningView.as_view(), name="api-my-learning"),
    path("certificates/<str:code>/verify/", api.CertificateVerifyView.as_view(), name="api-certificate-verify"),
    path("lessons/<int:pk>/complete/", api.LessonCompleteView.as_view(), name="api-lesson-complete"),
    path("lessons/<int:pk>/heartbeat/", api.LessonHeartbeatView.as_view(), name="api-lesson-heartbeat"),
]
