from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Sales-training LMS")

    def ready(self) -> None:
        from pathlib import Path

        from django.conf import settings

        # The filesystem broker needs its folders before the first task is sent.
        if getattr(settings, "CELERY_BROKER_URL", "") == "filesystem://":
            for key in ("data_folder_in", "processed_folder", "control_folder"):
                Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(parents=True, exist_ok=True)

        # Audit log and session index receivers (login, logout, failed login).
        import lms.audit  # noqa: F401
