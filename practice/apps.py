import threading

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, SALESPERSON, TRAINER


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("Role-play practice")
    nav_items = (
        {
            "label": _("Practice"),
            "url": "practice:home",
            "roles": (SALESPERSON, MANAGER, TRAINER),
            "order": 40,
            "group": "learning",
        },
    )

    def ready(self) -> None:
        from courses import hooks as courses_hooks
        from learning import hooks as learning_hooks
        from practice import selectors
        from practice import todo as practice_todo
        from practice.engine.semantic import get_encoder
        from practice.engine.text import tokens

        # A course or a plan that requires role-play scenarios completes only once they are passed.
        learning_hooks.completion_requirement.register(selectors.required_scenarios_passed_for_enrollment)
        learning_hooks.plan_completion_requirement.register(selectors.plan_required_scenarios_passed)
        # What this app adds to the home's to-do list.
        practice_todo.register()
        # ...and its completion panel lists each of them with the learner's best result and the way to practise it.
        learning_hooks.completion_requirement_rows.register(selectors.required_practice_requirement_rows)
        # The course outline lists the role plays a course requires, and adds one.
        courses_hooks.course_outline_activities.register(selectors.course_outline_scenarios)
        courses_hooks.course_outline_add_actions.register(selectors.course_outline_scenario_actions)
        if getattr(settings, "PRACTICE_PRELOAD_MODEL", False):

            def warm() -> None:
                tokens("预热分词")
                get_encoder()

            threading.Thread(target=warm, name="practice-warm-up", daemon=True).start()
