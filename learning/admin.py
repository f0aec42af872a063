"""Admin for enrollments, progress and certificates."""

from django.contrib import admin

from learning.models import Certificate, Enrollment, LessonProgress


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("user", "course", "plan", "due_date", "status", "progress", "unenrolled_at")
    list_filter = ("status",)
    search_fields = ("user__display_name", "user__employee_no", "course__title")
    raw_id_fields = ("user", "course", "plan", "via_plan", "last_lesson", "enrolled_by")
    list_select_related = ("user", "course", "plan")


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ("user", "lesson", "seconds_watched", "completed_at")
    raw_id_fields = ("user", "lesson")


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("code", "holder_name", "course_title", "issued_at", "expires_on")
    search_fields = ("code", "holder_name", "course_title")
    raw_id_fields = ("user", "course", "enrollment")
