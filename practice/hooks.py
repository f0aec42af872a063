"""What practice/ lets the apps above it hear about (see lms.hooks). Filled in their AppConfig.ready()."""

from lms.hooks import Hook

session_scored = Hook(
    "practice.session_scored",
    "fn(*, user_id, score, category_id, competency_id) -> None, after commit: a practice session finished with a "
    "score of 0-100 (once per session; dashboards/ counts it in the person's mastery).",
)
scenarios_assigned = Hook(
    "practice.scenarios_assigned",
    "fn(*, assignments) -> None, inside the assigning transaction: role plays assigned to people, or their due date "
    "changed (PracticeAssignment rows with scenario loaded; notifications/: the 'practice_assigned' notice).",
)
