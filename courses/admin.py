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


# --- Courses and the lesson library (issue 4) ---
from courses.models import Course, Lesson, Module, ModuleItem  # noqa: E402
from courses.sanitize import sanitize_html  # noqa: E402


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "track", "status", "estimated_minutes", "self_enroll")
    list_filter = ("status", "track", "category")
    search_fields = ("title",)
    filter_horizontal = ("owners", "prerequisites")
    inlines = [ModuleInline]

    def save_model(self, request, obj, form, change):
        obj.description = sanitize_html(obj.description)
        super().save_model(request, obj, form, change)


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "estimated_minutes", "created_by", "updated_at")
    list_filter = ("kind",)
    search_fields = ("title",)
    raw_id_fields = ("created_by",)

    def save_model(self, request, obj, form, change):
        obj.body = sanitize_html(obj.body)
        super().save_model(request, obj, form, change)


@admin.register(ModuleItem)
class ModuleItemAdmin(admin.ModelAdmin):
    list_display = ("course", "module", "lesson", "order", "required")
    raw_id_fields = ("course", "module", "lesson")
