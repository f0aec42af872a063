from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, SALESPERSON, TRAINER


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("Role-play practice")
    nav_items = (
        {"label": _("Practice"), "url": "practice:home", "roles": (SALESPERSON, MANAGER, TRAINER), "order": 40},
    )
