from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from trainees import services
from trainees.models import PeopleImport, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "employee_no", "team", "job_title", "is_active")
    list_filter = ("groups", "is_active", "is_staff")
    search_fields = ("username", "display_name", "employee_no", "email")
    list_select_related = ("team",)
    autocomplete_fields = ("team",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Profile"),
            {"fields": ("display_name", "employee_no", "phone", "team", "job_title", "level", "hire_date", "language")},
        ),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("full_name", "kind")
    search_fields = ("name", "full_name")
    list_filter = ("kind",)
    filter_horizontal = ("managers",)
    readonly_fields = ("full_name", "path")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            services.team_refresh_paths(team=obj)
        else:
            created = services.team_create(name=obj.name, parent=obj.parent, kind=obj.kind)
            obj.pk = created.pk
            obj.path = created.path


@admin.register(PeopleImport)
class PeopleImportAdmin(admin.ModelAdmin):
    """Uploaded people CSVs (pending previews and done imports); deleted automatically after a day."""

    list_display = ("filename", "owner", "status", "created", "updated", "unchanged", "created_at")
    list_filter = ("status",)
    list_select_related = ("owner",)
    exclude = ("content",)
    readonly_fields = ("owner", "filename", "status", "created", "updated", "unchanged", "created_at")

    def has_add_permission(self, request) -> bool:
        return False


from trainees.notifications import admin as _notifications_admin  # noqa: E402,F401
