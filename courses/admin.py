from django.contrib import admin

from courses.models import Category, Competency, Method, Track


@admin.register(Category, Competency, Track)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "order")
    ordering = ("order",)


@admin.register(Method)
class MethodAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "order")
    ordering = ("order",)


# --- training plans -------------------------------------------------------------------------------------------

from courses.models import Objective, PlanChange, Session, TrainingPlan  # noqa: E402


class ObjectiveInline(admin.TabularInline):
    model = Objective
    extra = 0


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = (
        "day",
        "start_time",
        "end_time",
        "title",
        "category",
        "competency",
        "method",
        "trainer",
        "trainer_name",
        "room",
    )
    autocomplete_fields = ("trainer",)
    ordering = ("day", "start_time")


class PlanChangeInline(admin.TabularInline):
    model = PlanChange
    extra = 0
    can_delete = False
    fields = ("created_at", "user", "action", "summary")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TrainingPlan)
class TrainingPlanAdmin(admin.ModelAdmin):
    """For admins fixing data; trainers use the builder, which validates through plan_services."""

    list_display = ("title", "start_date", "days", "status", "is_template")
    list_filter = ("status", "is_template")
    search_fields = ("title", "audience")
    filter_horizontal = ("owners", "teams")
    readonly_fields = ("published_at", "source")
    inlines = (ObjectiveInline, SessionInline, PlanChangeInline)
