from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, TRAINER


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("People and teams")
    nav_items = (
        {"label": _("People"), "url": "trainees:people", "roles": (MANAGER, TRAINER), "order": 80, "group": "managing"},
        {
            "label": _("Import people"),
            "url": "trainees:import",
            "roles": (TRAINER,),
            "order": 85,
            "group": "administration",
        },
    )

    def ready(self) -> None:
        from trainees import todo

        # What this app adds to the home's to-do list.
        todo.register()
