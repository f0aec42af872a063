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
            "group": "learning",
            "group_for_role": {TRAINER: "teaching"},
        },
        {
            "label": _("Reference data"),
            "url": "courses:reference_index",
            "roles": (TRAINER,),
            "order": 80,
            "group": "administration",
        },
        {"label": _("Courses"), "url": "courses:course_list", "roles": (TRAINER,), "order": 40, "group": "teaching"},
        {
            "label": _("Lesson library"),
            "url": "courses:lesson_list",
            "roles": (TRAINER,),
            "order": 45,
            "group": "teaching",
        },
    )

    def ready(self) -> None:
        from courses import todo

        # What this app adds to the home's to-do list.
        todo.register()
