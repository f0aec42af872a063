from django.urls import include, path

from lms import jobs
from trainees import learning_views, views

app_name = "trainees"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("people/import/", views.people_import, name="import"),
    path("people/import/<int:import_id>/", views.people_import_preview, name="import-preview"),
    path("people/import/<int:import_id>/confirm/", views.people_import_confirm, name="import-confirm"),
    # Learning (issue 4)
    path("my/", learning_views.my_learning, name="my_learning"),
    path("my/courses/<int:course_id>/continue/", learning_views.continue_course, name="continue"),
    path("my/calendar/", learning_views.calendar, name="calendar"),
    path("my/calendar/reset/", learning_views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", learning_views.calendar_feed, name="calendar_feed"),
    path("enrollments/", learning_views.enrollment_list, name="enrollments"),
    path("enrollments/new/", learning_views.enroll, name="enroll"),
    path("enrollments/new/csv/", learning_views.enroll_csv_confirm, name="enroll_csv_confirm"),
    path("enrollments/jobs/<int:job_id>/", learning_views.enrollment_job, name="enrollment_job"),
    path("enrollments/<int:enrollment_id>/unenroll/", learning_views.enrollment_unenroll, name="unenroll"),
    path("enrollments/<int:enrollment_id>/restore/", learning_views.enrollment_restore, name="restore"),
    path("certificates/verify/<str:code>/", learning_views.certificate_verify, name="certificate_verify"),
    path("certificates/<str:code>/", learning_views.certificate, name="certificate"),
    path("certificates/<str:code>/pdf/", learning_views.certificate_download, name="certificate_pdf"),
    # Background job progress partial (lms.jobs; generic, reused by other features).
    path("jobs/<int:job_id>/progress/", jobs.job_progress, name="job_progress"),
    path("", include("trainees.notifications.urls")),
    # Manager dashboards (issue 7)
    path("dashboard/", include("trainees.dashboards.urls")),
]
