from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, TRAINER


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")
    nav_items = (
        {"label": _("Quizzes"), "url": "assessments:quizzes", "roles": ("*",), "order": 40},
        {"label": _("Quiz results"), "url": "assessments:results", "roles": (MANAGER, TRAINER), "order": 45},
        {"label": _("Question bank"), "url": "assessments:questions", "roles": (TRAINER,), "order": 46},
        {"label": _("Grading"), "url": "assessments:grading", "roles": (TRAINER,), "order": 47},
    )

    def ready(self) -> None:
        from trainees.enrollment_services import register_completion_requirement

        # A course with a published final quiz completes only when that quiz is passed.
        register_completion_requirement(_final_quiz_passed_for_enrollment)


def _final_quiz_passed_for_enrollment(enrollment) -> bool:
    from assessments.selectors import final_quiz_passed

    return final_quiz_passed(enrollment.user_id, enrollment.course_id)
