from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lms.roles import SALESPERSON, TRAINER


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("Learning")
    nav_items = (
        {
            "label": _("My learning"),
            "url": "learning:my_learning",
            "roles": (SALESPERSON,),
            "order": 10,
            "group": "learning",
        },
        {"label": _("Catalogue"), "url": "learning:catalogue", "roles": ("*",), "order": 20, "group": "learning"},
        {
            "label": _("Enrollments"),
            "url": "learning:enrollments",
            "roles": (TRAINER,),
            "order": 50,
            "group": "teaching",
        },
    )

    def ready(self) -> None:
        from courses import hooks as courses_hooks
        from learning import selectors, services
        from learning import todo as learning_todo
        from trainees import hooks as trainees_hooks

        # Trainers see the people enrolled in the courses and plans they own.
        trainees_hooks.trainer_people_scope.register(selectors.trainer_people_scope)
        # People see the plans they are enrolled in; managers those their teams' people are enrolled in.
        courses_hooks.plan_participation_scope.register(selectors.plan_participation_scope)
        # A course's outline changed: its enrollments' progress is recomputed (Celery, after commit).
        courses_hooks.course_outline_changed.register(services.course_progress_refresh_later)
        # What this app adds to the home's to-do list.
        learning_todo.register()
