import threading

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, SALESPERSON, TRAINER


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("Role-play practice")
    nav_items = (
        {"label": _("Practice"), "url": "practice:home", "roles": (SALESPERSON, MANAGER, TRAINER), "order": 40},
    )

    def ready(self) -> None:
        from trainees.enrollment_services import register_completion_requirement, register_plan_completion_requirement

        # A course or a plan that requires role-play scenarios completes only once they are passed.
        register_completion_requirement(_scenarios_passed_for_enrollment)
        register_plan_completion_requirement(_scenarios_passed_for_plan)
        if getattr(settings, "PRACTICE_PRELOAD_MODEL", False):
            from practice.engine.semantic import get_encoder
            from practice.engine.text import tokens

            def warm() -> None:
                tokens("预热分词")
                get_encoder()

            threading.Thread(target=warm, name="practice-warm-up", daemon=True).start()


def _scenarios_passed_for_enrollment(enrollment) -> bool:
    from practice.selectors import required_scenarios_passed

    return required_scenarios_passed(enrollment.user_id, enrollment.course_id)


def _scenarios_passed_for_plan(user_id: int, plan_id: int) -> bool:
    from practice.selectors import plan_required_scenarios_passed

    return plan_required_scenarios_passed(user_id, plan_id)
