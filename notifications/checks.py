"""System checks of the notification settings: a channel whose CLASS does not import would stop every delivery at
the first scan (pushed_channels raises), so `manage.py check` (run by migrate and runserver) reports it at start."""

from django.core import checks
from django.utils.module_loading import import_string

from notifications import conf
from notifications.channels import BUILTIN, Channel


@checks.register(checks.Tags.compatibility)
def check_channel_classes(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for name, options in {**BUILTIN, **conf.get("CHANNELS")}.items():
        path = dict(options).get("CLASS", "notifications.channels.WebhookChannel")
        try:
            cls = import_string(path)
        except ImportError:
            hint = "Built-in channels live in notifications.channels (before 2026-12: trainees.notifications.channels)."
            errors.append(
                checks.Error(
                    f'NOTIFICATIONS["CHANNELS"]["{name}"]["CLASS"] = "{path}" does not import.',
                    hint=hint,
                    id="notifications.E001",
                )
            )
            continue
        if not (isinstance(cls, type) and issubclass(cls, Channel)):
            errors.append(
                checks.Error(
                    f'NOTIFICATIONS["CHANNELS"]["{name}"]["CLASS"] = "{path}" is not a notifications.channels.Channel.',
                    id="notifications.E002",
                )
            )
    return errors
