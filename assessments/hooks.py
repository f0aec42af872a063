"""What assessments/ lets the apps above it hear about (see lms.hooks). Filled in their AppConfig.ready()."""

from lms.hooks import Hook

attempt_recorded = Hook(
    "assessments.attempt_recorded",
    "fn(*, user_id, score, passed, category_scores, competency_scores, plan_id, course_id) -> None: an attempt's "
    "result became final (once per attempt, outside the request; dashboards/ counts it). Scores are 0-100; the "
    "area scores map a courses.Category / courses.Competency id to the attempt's score on its questions there.",
)
attempt_graded_by_hand = Hook(
    "assessments.attempt_graded_by_hand",
    "fn(*, attempt) -> None, inside a transaction: a trainer finished grading an attempt (notifications/: the "
    "'quiz graded' notice, once per attempt).",
)
plan_exam_changed = Hook(
    "assessments.plan_exam_changed",
    "fn(*, plan_ids) -> None, inside the transaction: a plan quiz was added or moved, so which quiz is a plan's "
    "final-day exam may have changed (dashboards/ rebuilds the plans' figures after commit).",
)
attempt_request_decided = Hook(
    "assessments.attempt_request_decided",
    "fn(*, attempt_request) -> None, inside the transaction: a quiz owner granted or declined a learner's request "
    "for another attempt (AttemptRequest.status says which; notifications/: the learner hears it, once).",
)
quizzes_assigned = Hook(
    "assessments.quizzes_assigned",
    "fn(*, assignments) -> None, inside the assigning transaction: quizzes assigned to people, or their due date "
    "changed (QuizAssignment rows with quiz loaded; notifications/: the 'quiz_assigned' notice).",
)
