from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, SALESPERSON, TRAINER


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses and training plans")
    nav_items: tuple = (
        {
            "label": _("Training plans"),
            "url": "courses:plan_list",
            "roles": (TRAINER, MANAGER, SALESPERSON),
            "order": 20,
        },
        {"label": _("Reference data"), "url": "courses:reference_index", "roles": (TRAINER,), "order": 80},
        {"label": _("Courses"), "url": "courses:course_list", "roles": (TRAINER,), "order": 40},
        {"label": _("Lesson library"), "url": "courses:lesson_list", "roles": (TRAINER,), "order": 45},
    )
