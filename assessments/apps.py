from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, TRAINER


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")
    nav_items = (
        {"label": _("Quizzes"), "url": "assessments:quizzes", "roles": ("*",), "order": 40, "group": "learning"},
        {
            "label": _("Quiz results"),
            "url": "assessments:results",
            "roles": (MANAGER, TRAINER),
            "order": 45,
            "group": "managing",
        },
        {
            "label": _("Question bank"),
            "url": "assessments:questions",
            "roles": (TRAINER,),
            "order": 46,
            "group": "teaching",
        },
        {"label": _("Grading"), "url": "assessments:grading", "roles": (TRAINER,), "order": 47, "group": "teaching"},
    )

    def ready(self) -> None:
        from assessments import selectors
        from assessments import todo as assessments_todo
        from courses import hooks as courses_hooks
        from learning import hooks as learning_hooks

        # A course with a published final quiz completes only when that quiz is passed.
        learning_hooks.completion_requirement.register(selectors.final_quiz_passed_for_enrollment)
        # The final quiz as a row of the course's completion panel (its state and next step).
        learning_hooks.completion_requirement_rows.register(selectors.final_quiz_requirement_rows)
        # Quizzes as activities: listed in the course's outline editor, added from it and from a plan session's card.
        courses_hooks.course_outline_activities.register(selectors.course_outline_quizzes)
        courses_hooks.course_outline_add_actions.register(selectors.course_outline_quiz_actions)
        courses_hooks.plan_session_actions.register(selectors.plan_session_quiz_links)
        # What this app adds to the home's to-do list.
        assessments_todo.register()
