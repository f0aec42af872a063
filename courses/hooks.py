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
