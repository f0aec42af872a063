from django.urls import path

from learning import views

app_name = "learning"
urlpatterns = [
    path("my/", views.my_learning, name="my_learning"),
    path("my/courses/<int:course_id>/continue/", views.continue_course, name="continue"),
    path("my/calendar/", views.calendar, name="calendar"),
    path("my/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("enrollments/", views.enrollment_list, name="enrollments"),
    path("enrollments/new/", views.enroll, name="enroll"),
    path("enrollments/new/csv/", views.enroll_csv_confirm, name="enroll_csv_confirm"),
    path("enrollments/jobs/<int:job_id>/", views.enrollment_job, name="enrollment_job"),
    path("enrollments/<int:enrollment_id>/unenroll/", views.enrollment_unenroll, name="unenroll"),
    path("enrollments/<int:enrollment_id>/restore/", views.enrollment_restore, name="restore"),
    path("certificates/verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<str:code>/", views.certificate, name="certificate"),
    path("certificates/<str:code>/pdf/", views.certificate_download, name="certificate_pdf"),
    # The catalogue and the course player
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:course_id>/", views.course_detail, name="course_detail"),
    path("catalogue/<int:course_id>/enroll/", views.course_self_enroll, name="self_enroll"),
    path("catalogue/<int:course_id>/renew/", views.course_renew, name="renew"),
    path("learn/<int:course_id>/<int:lesson_id>/", views.player, name="player"),
    path("learn/<int:course_id>/<int:lesson_id>/done/", views.lesson_done, name="lesson_done"),
    path("learn/<int:course_id>/<int:lesson_id>/file/", views.lesson_file, name="lesson_file"),
]
