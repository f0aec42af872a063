"""What learning/ lets the apps above it add or hear about (see lms.hooks). Filled in their AppConfig.ready()."""

from lms.hooks import Hook

completion_requirement = Hook(
    "learning.completion_requirement",
    "fn(*, enrollment) -> bool: a course enrollment counts as completed only when every required lesson is done "
    "AND every function says True (assessments/: the final quiz is passed; practice/: the required role plays). "
    "Whoever registers one calls `services.enrollment_refresh` when its answer may have changed.",
)
plan_completion_requirement = Hook(
    "learning.plan_completion_requirement",
    "fn(*, user_id, plan_id) -> bool: likewise for a plan enrollment, besides its courses being done "
    "(practice/: the plan's required role plays; it calls `services.plan_enrollment_refresh` after a pass).",
)
calendar_source = Hook(
    "learning.calendar_source",
    "fn(*, user) -> list[dict]: more events for the person's calendar and .ics feed: dicts of uid, summary, "
    "start (a date or an aware datetime), end (the same type, optional), description (optional).",
)
enrollments_assigned = Hook(
    "learning.enrollments_assigned",
    "fn(*, enrollments) -> None, inside the enrolling transaction: new learning tasks for people (the course or "
    "plan chosen, not each course a plan links; notifications/: the 'assigned' notice).",
)
progress_changed = Hook(
    "learning.progress_changed",
    "fn(*, user_ids, course_ids) -> None, inside the transaction: these people's enrollments or progress changed "
    "(dashboards/ refreshes its figures after commit).",
)
overdue_marked = Hook(
    "learning.overdue_marked",
    "fn() -> None, after the nightly sweep committed: enrollments became overdue (dashboards/ repairs its figures).",
)
overdue_reminder = Hook(
    "learning.overdue_reminder",
    "fn(*, by, overdue, now) -> set of user ids: remind people of their overdue learning on behalf of `by` "
    "(overdue = {user id: enrollments}); returns who was reminded now (notifications/: at most once a day each).",
)
completion_requirement_rows = Hook(
    "learning.completion_requirement_rows",
    "fn(*, enrollment) -> list[learning.requirements.Requirement]: the requirements this app adds to a course "
    "enrollment, each with its state and next step, for the completion panel of the course page and the player "
    "(assessments/: the final quiz with result and attempts left; practice/: each required role play with its pass "
    "mark). At most a fixed number of queries per call, whatever the number of rows.",
)
enrollments_reassigned = Hook(
    "learning.enrollments_reassigned",
    "fn(*, enrollments, progress_reset) -> None, inside the assigning transaction: overdue, completed or unenrolled "
    "course enrollments re-opened with a new due date (`services.course_assign`; notifications/: the "
    "'reassigned' notice, once per enrollment, day and due date).",
)
