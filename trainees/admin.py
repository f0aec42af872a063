from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lms import services as lms_services
from lms.audit import AuditAction, audit_log_record
from lms.roles import ROLES
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
    actions = ("reset_login_lockout", "anonymise_people")

    def save_model(self, request, obj, form, change):
        before = services.person_audited_fields(person_id=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if before is not None:
            services.person_changes_record(before=before, person=obj, via="admin", actor=request.user, request=request)

    def save_related(self, request, form, formsets, change):
        """Role (group) changes made in the admin go to the audit log, like those made by `user_set_roles`."""
        before = set(form.instance.groups.filter(name__in=ROLES).values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if before != after:
            audit_log_record(
                actor=request.user,
                action=AuditAction.ROLES_CHANGED,
                obj=form.instance,
                details={"from": sorted(before), "to": sorted(after), "via": "admin"},
                request=request,
            )

    @admin.action(description=_("Reset login lockout (failed login attempts)"))
    def reset_login_lockout(self, request, queryset):
        removed = sum(lms_services.login_lockout_reset(user=u, actor=request.user, request=request) for u in queryset)
        self.message_user(
            request,
            _("Login lockout reset for %(people)s person(s); %(n)s failed-attempt record(s) removed.")
            % {"people": queryset.count(), "n": removed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Anonymise selected people (keeps their training history)"))
    def anonymise_people(self, request, queryset):
        """Two steps: a confirmation page listing the people, then the anonymisation."""
        people = list(queryset.exclude(pk=request.user.pk))
        if request.POST.get("confirm") == "yes":
            for person in people:
                services.person_anonymise(person=person, actor=request.user, request=request)
            self.message_user(
                request,
                ngettext("%(n)s person anonymised.", "%(n)s people anonymised.", len(people)) % {"n": len(people)},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Anonymise people?"),
            "people": people,
            "skipped_self": queryset.filter(pk=request.user.pk).exists(),
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "anonymise_people",
        }
        return TemplateResponse(request, "admin/trainees/user/anonymise_confirm.html", context)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("full_name", "kind")
    search_fields = ("name", "full_name")
    list_filter = ("kind",)
    filter_horizontal = ("managers",)
    readonly_fields = ("full_name", "path")

    def save_related(self, request, form, formsets, change):
        """Who manages a team decides whose dashboards and practice transcripts they read: changes are audited."""
        before = set(form.instance.managers.values_list("username", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.managers.values_list("username", flat=True))
        if before != after:
            audit_log_record(
                actor=request.user,
                action=AuditAction.TEAM_MANAGERS_CHANGED,
                obj=form.instance,
                details={"from": sorted(before), "to": sorted(after), "via": "admin"},
                request=request,
            )

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
