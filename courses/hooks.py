"""What courses/ lets the apps above it add or hear about (see lms.hooks). Filled in their AppConfig.ready()."""

from lms.hooks import Hook

plan_participation_scope = Hook(
    "courses.plan_participation_scope",
    "fn(*, user) -> Q over TrainingPlan: more plans the user may read (learning/: the plans they, or their "
    "teams' people, are enrolled in). Salespeople only ever see published or archived plans this way.",
)
plan_changed = Hook(
    "courses.plan_changed",
    "fn(*, plan_id, change_id) -> None, after commit, for each change-log entry of a published plan (to tell "
    "its participants); should only queue a task.",
)
plan_figures_changed = Hook(
    "courses.plan_figures_changed",
    "fn(*, plan_ids) -> None, inside the transaction: a plan's linked courses or days changed (dashboards/ "
    "rebuilds its figures after commit).",
)
course_outline_changed = Hook(
    "courses.course_outline_changed",
    "fn(*, course_id) -> None, inside the transaction: a course's lessons or their required flags changed "
    "(learning/ recomputes its enrollments' progress after commit).",
)
plan_page_context = Hook(
    "courses.plan_page_context",
    "fn(*, user, plan) -> dict: more context for the plan page (dashboards/: the participants' progress).",
)
course_outline_activities = Hook(
    "courses.course_outline_activities",
    "fn(*, user, course) -> list[dict]: activities other apps attach to a course, shown in its outline editor "
    "after the lessons (assessments/: its quizzes, the final one marked). Each dict: kind (a translated word), "
    "title, state (translated), url (where the trainer opens it), preview_url (may be empty). At most two queries.",
)
course_outline_add_actions = Hook(
    "courses.course_outline_add_actions",
    "fn(*, user, course) -> list[dict]: buttons for the outline editor that add an activity to the course "
    "(assessments/: 添加测验). Each dict: label (translated), url. No query.",
)
plan_session_actions = Hook(
    "courses.plan_session_actions",
    "fn(*, user, plan, sessions) -> dict[session_id, list[dict]]: links shown on each session's card in the plan "
    "builder (assessments/: 添加测验 for the session, and the quizzes already linked to it). Each dict: label "
    "(translated), url. At most two queries for all the sessions together.",
)
