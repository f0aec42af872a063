from django.urls import path

from assessments import views

app_name = "assessments"
urlpatterns = [
    path("quizzes/", views.quiz_list, name="quizzes"),
    path("quizzes/new/", views.quiz_edit, name="quiz_new"),
    path("quizzes/<int:quiz_id>/", views.quiz_detail, name="quiz"),
    path("quizzes/<int:quiz_id>/edit/", views.quiz_edit, name="quiz_edit"),
    path("quizzes/<int:quiz_id>/preview/", views.quiz_preview, name="quiz_preview"),
    path("quizzes/<int:quiz_id>/assign/", views.quiz_assign, name="quiz_assign"),
    path("quizzes/builder/questions/", views.quiz_picker, name="quiz_picker"),
    path("quizzes/builder/questions/<int:question_id>/", views.quiz_picker_row, name="quiz_picker_row"),
    path("quizzes/builder/rule-count/", views.quiz_rule_count, name="quiz_rule_count"),
    path("quizzes/<int:quiz_id>/start/", views.quiz_start, name="quiz_start"),
    path("quizzes/<int:quiz_id>/request-attempt/", views.attempt_request, name="attempt_request"),
    path("attempt-requests/<int:request_id>/", views.attempt_request_decide, name="attempt_request_decide"),
    path("quizzes/<int:quiz_id>/take-new-versions/", views.quiz_take_versions, name="quiz_take_versions"),
    path("quizzes/<int:quiz_id>/analysis/", views.item_analysis, name="analysis"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:attempt_id>/save/", views.attempt_save, name="attempt_save"),
    path("attempts/<int:attempt_id>/review/", views.attempt_review, name="attempt_review"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempts/<int:attempt_id>/grading/", views.attempt_grading, name="attempt_grading"),
    path("quiz-results/", views.results, name="results"),
    path("questions/", views.question_list, name="questions"),
    path("questions/new/", views.question_edit, name="question_new"),
    path("questions/bulk/", views.question_bulk, name="question_bulk"),
    path("questions/<int:question_id>/edit/", views.question_edit, name="question_edit"),
    path("questions/<int:question_id>/copy/", views.question_copy, name="question_copy"),
    path("questions/import/", views.question_import, name="import"),
    path("questions/import/<int:import_id>/", views.import_preview, name="import_preview"),
    path("questions/import/template.xlsx", views.import_template, name="import_template"),
    path("questions/export/", views.question_export, name="export"),
    path("grading/", views.grading_queue, name="grading"),
    path("grading/<int:item_id>/", views.grade_item, name="grade_item"),
]
