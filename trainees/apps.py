from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, TRAINER
from trainees.notifications.context import UnreadNavLabel


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("People and teams")
    nav_items = (
        {"label": _("People"), "url": "trainees:people", "roles": (MANAGER, TRAINER), "order": 80},
        {"label": _("Import people"), "url": "trainees:import", "roles": (TRAINER,), "order": 85},
        {"label": UnreadNavLabel(), "url": "trainees:notifications", "roles": ("*",), "order": 95},
    )

    def ready(self) -> None:
        from trainees.notifications import rules, tasks  # noqa: F401 - tasks: celery's autodiscovery looks in trainees.tasks only

        rules.autoload()
