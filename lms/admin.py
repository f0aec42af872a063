from django.contrib import admin

from lms.models import AuditLog, Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "owner", "status", "done", "total", "created_at", "finished_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("owner",)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only in the app (no add, change or delete, not even for superusers)."""

    list_display = ("created_at", "actor_repr", "action", "object_type", "object_repr", "ip_address")
    list_filter = ("action", "object_type", ("created_at", admin.DateFieldListFilter))
    search_fields = ("actor_repr", "object_repr", "object_id", "ip_address")
    date_hierarchy = "created_at"
    list_select_related = ("actor",)
    readonly_fields = [f.name for f in AuditLog._meta.fields]
    actions = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
