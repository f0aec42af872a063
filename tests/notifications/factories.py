from notifications.models import Notification
from notifications.services import notify


def make_notification(recipient, *, kind="test", subject="s", occasion="", now=None, **extra) -> Notification:
    notification, _created = notify(recipient=recipient, kind=kind, subject=subject, occasion=occasion, now=now)
    if extra:
        Notification.objects.filter(pk=notification.pk).update(**extra)
        notification.refresh_from_db()
    return notification
