from django.urls import path

from assessments import api

urlpatterns = [
    path("questions/", api.QuestionListView.as_view(), name="api-questions"),
    path("questions/import/", api.QuestionImportView.as_view(), name="api-questions-import"),
    path("questions/<int:pk>/", api.QuestionDetailView.as_view(), name="api-question"),
    path("questions/<int:pk>/copy/", api.QuestionCopyView.as_view(), name="api-question-copy"),
    path("quizzes/", api.QuizListView.as_view(), name="api-quizzes"),
    path("quizzes/<int:pk>/", api.QuizDetailView.as_view(), name="api-quiz"),
    path("quizzes/<int:pk>/attempts/", api.AttemptStartView.as_view(), name="api-quiz-start"),
    path("quizzes/<int:pk>/attempt-requests/", api.AttemptRequestCreateView.as_view(), name="api-quiz-attempt-request"),
    path("attempt-requests/", api.AttemptRequestListView.as_view(), name="api-attempt-requests"),
    path(
        "attempt-requests/<int:pk>/decision/",
        api.AttemptRequestDecisionView.as_view(),
        name="api-attempt-request-decision",
    ),
    path("quizzes/<int:pk>/item-analysis/", api.ItemAnalysisView.as_view(), name="api-quiz-item-analysis"),
    path("attempts/", api.AttemptListView.as_view(), name="api-attempts"),
    path("attempts/<int:pk>/", api.AttemptDetailView.as_view(), name="api-attempt"),
    path("attempts/<int:pk>/answers/", api.AttemptAnswersView.as_view(), name="api-attempt-answers"),
    path("attempts/<int:pk>/submit/", api.AttemptSubmitView.as_view(), name="api-attempt-submit"),
    path("grading/", api.GradingQueueView.as_view(), name="api-grading"),
    path("grading/<int:pk>/", api.GradeItemView.as_view(), name="api-grading-item"),
]
