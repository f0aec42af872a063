from django.contrib import admin

from lms.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "owner", "status", "done", "total", "created_at", "finished_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("owner",)
