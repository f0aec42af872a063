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
        if getattr(settings, "PRACTICE_PRELOAD_MODEL", False):
            from practice.engine.semantic import get_encoder
            from practice.engine.text import tokens

            def warm() -> None:
                tokens("预热分词")
                get_encoder()

            threading.Thread(target=warm, name="practice-warm-up", daemon=True).start()
