from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings
from django.db.models import fields
from django.utils.translation import gettext_lazy as _

from lms.celery import app as celery_app


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Sales-training LMS")

    def ready(self) -> None:
        # The filesystem broker needs its folders before the first task is sent.
        if getattr(settings, "CELERY_BROKER_URL", "") == "filesystem://":
            for key in ("data_folder_in", "processed_folder", "control_folder"):
                Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(parents=True, exist_ok=True)

        # Every app's tasks module, in every process: services queue tasks by name (lms.deferred) and never import
        # their tasks module, so the tasks must be registered before the first request queues one.
        celery_app.loader.autodiscover_tasks([config.name for config in apps.get_app_configs()])

        # Django 6.1's empty choice of every select ("- Select an option -") is not in its Chinese catalogue yet; set
        # as Django documents, so our catalogue carries its translation.
        fields.BLANK_CHOICE_LABEL = _("- Select an option -")

        # The home's to-do list: background work that failed (the apps above add theirs in their ready()).
        from lms import todo

        todo.home_todo.register(todo.failed_jobs_todo)

        # Audit log and session index receivers (login, logout, failed login): models are loaded only now.
        import lms.audit  # noqa: F401
