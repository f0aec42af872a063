from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, TRAINER


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("People and teams")
    nav_items = (
        {"label": _("People"), "url": "trainees:people", "roles": (MANAGER, TRAINER), "order": 80},
        {"label": _("Import people"), "url": "trainees:import", "roles": (TRAINER,), "order": 85},
    )
