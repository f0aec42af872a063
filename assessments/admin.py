from django.contrib import admin, messages

from assessments import selectors
from assessments.models import (
    Attempt,
    AttemptRequest,
    Question,
    QuestionBank,
    QuestionVersion,
    Quiz,
    QuizAssignment,
    QuizQuestion,
    QuizRule,
)


class QuizQuestionInline(admin.TabularInline):
    model = QuizQuestion
    raw_id_fields = ["question"]
    extra = 0


class QuizRuleInline(admin.TabularInline):
    model = QuizRule
    extra = 0


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "course", "is_final", "plan", "plan_day", "pass_mark", "attempts_allowed"]
    list_filter = ["status", "mode", "review_policy"]
    search_fields = ["title"]
    filter_horizontal = ["owners"]
    raw_id_fields = ["course", "plan"]
    inlines = [QuizQuestionInline, QuizRuleInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        warning = selectors.quiz_key_warning(quiz=form.instance)  # with the rules just saved
        if warning:
            self.message_user(request, warning, messages.WARNING)


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ["title", "created_at"]
    filter_horizontal = ["owners"]


class QuestionVersionInline(admin.TabularInline):
    model = QuestionVersion
    fields = ["number", "qtype", "title", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "qtype", "category", "difficulty", "is_archived"]
    list_filter = ["qtype", "category", "is_archived"]
    list_select_related = ["current", "category"]
    # Content lives in versions; edit questions on the question bank pages so each change is a new version.
    readonly_fields = ["current", "qtype", "category", "competency", "difficulty"]
    inlines = [QuestionVersionInline]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["quiz", "user", "number", "status", "percent", "passed", "started_at"]
    list_filter = ["status"]
    list_select_related = ["quiz", "user"]
    raw_id_fields = ["quiz", "user"]
    readonly_fields = ["save_seq", "score", "percent", "passed", "graded_at", "submitted_at"]


@admin.register(AttemptRequest)
class AttemptRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are granted or declined on the results and grading pages (audited there)."""

    list_display = ["quiz", "user", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["quiz__title", "user__username", "user__display_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(QuizAssignment)
class QuizAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "quiz", "due_date", "assigned_by", "created_at", "completed_at"]
    list_filter = ["completed_at"]
    raw_id_fields = ["user", "quiz", "assigned_by"]
    list_select_related = ["user", "quiz", "assigned_by"]
