from django.urls import path

from practice import api

urlpatterns = [
    path("scenarios/", api.ScenarioListView.as_view(), name="practice-scenario-list"),
    path("scenarios/<int:pk>/", api.ScenarioDetailView.as_view(), name="practice-scenario-detail"),
    path("practice/sessions/", api.SessionListCreateView.as_view(), name="practice-session-list"),
    path("practice/sessions/<int:pk>/", api.SessionDetailView.as_view(), name="practice-session-detail"),
    path("practice/sessions/<int:pk>/turns/", api.SessionTurnView.as_view(), name="practice-session-turns"),
    path("practice/sessions/<int:pk>/finish/", api.SessionFinishView.as_view(), name="practice-session-finish"),
]
