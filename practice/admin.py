from django.contrib import admin

from practice.models import CoachingComment, PracticeSession, Scenario, ScenarioRequirement, ScoreOverride


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "language", "difficulty", "status", "version"]
    list_filter = ["status", "language", "difficulty"]
    search_fields = ["title", "code"]


@admin.register(PracticeSession)
class PracticeSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "scenario", "status", "score", "passed", "compliance_failed", "started_at"]
    list_filter = ["status", "passed", "compliance_failed"]
    raw_id_fields = ["user", "scenario"]


admin.site.register(CoachingComment)
admin.site.register(ScoreOverride)
admin.site.register(ScenarioRequirement)
