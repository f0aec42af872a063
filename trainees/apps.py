from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, SALESPERSON, TRAINER
from trainees.notifications.context import UnreadNavLabel


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("People and teams")
    nav_items = (
        {"label": _("My learning"), "url": "trainees:my_learning", "roles": (SALESPERSON,), "order": 10},
        {"label": _("Enrollments"), "url": "trainees:enrollments", "roles": (TRAINER,), "order": 50},
        {"label": _("Dashboard"), "url": "trainees:dashboards:home", "roles": (MANAGER,), "order": 5},
        {"label": _("Course completion"), "url": "trainees:dashboards:courses", "roles": (TRAINER,), "order": 55},
        {"label": _("People"), "url": "trainees:people", "roles": (MANAGER, TRAINER), "order": 80},
        {"label": _("Import people"), "url": "trainees:import", "roles": (TRAINER,), "order": 85},
        {"label": UnreadNavLabel(), "url": "trainees:notifications", "roles": ("*",), "order": 95},
    )

    def ready(self) -> None:
        from trainees import learning_admin  # noqa: F401 - registers the learning models in the admin
        from trainees.learning_selectors import trainer_people_scope
        from trainees.selectors import register_trainer_people_scope

        # Trainers see the people enrolled in the courses and plans they own.
        register_trainer_people_scope(trainer_people_scope)
        # People see the plans they are enrolled in; managers those their teams' people are enrolled in.
        from courses.plan_selectors import register_plan_participation_scope
        from trainees.learning_selectors import plan_participation_scope

        register_plan_participation_scope(plan_participation_scope)
        from trainees.notifications import rules, tasks  # noqa: F401 - tasks: celery's autodiscovery looks in trainees.tasks only

        rules.autoload()
