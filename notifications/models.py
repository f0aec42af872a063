"""The notification outbox. One row per (recipient, kind, subject, occasion): the unique key makes every writer
idempotent, and the e-mail status column is claimed with conditional UPDATEs so no two workers send the same row."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.kinds import get_kind

__all__ = ["EmailDaySlot", "Notification", "NotificationPreference", "QuietHours"]


class Notification(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DIGEST = "digest", _("Waiting for the daily digest")
        IN_DIGEST = "in_digest", _("Sent in a digest")
        SKIPPED_PREFERENCE = "skipped_preference", _("Skipped by preference")
        SKIPPED_NO_ADDRESS = "skipped_no_address", _("Skipped: no e-mail address")
        NOT_APPLICABLE = "none", _("In-app only")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    # What it is about, e.g. "learning.enrollment:42" or "user:7"; with `occasion` ("2026-11-24", "2026-W48", "")
    # it tells apart the reminders about one thing.
    subject = models.CharField(_("subject"), max_length=120, default="", blank=True)
    occasion = models.CharField(_("occasion"), max_length=40, default="", blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, default="", blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    # In-app channel.
    show_in_app = models.BooleanField(_("shown in app"), default=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    # Pushed channels (e-mail, plus any webhook channel enabled in settings).
    status = models.CharField(_("e-mail status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_via = models.JSONField(_("delivered via"), default=list, blank=True)
    digest = models.ForeignKey(
        "self", verbose_name=_("digest"), null=True, blank=True, on_delete=models.SET_NULL, related_name="digested"
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "subject", "occasion"], name="notification_unique_key"
            ),
        ]
        indexes = [
            # The claim walks pending rows oldest first; a partial index keeps it from stepping over sent ones.
            models.Index(fields=["id"], condition=models.Q(status="pending"), name="notification_pending"),
            models.Index(fields=["status", "not_before"], name="notification_outbox"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.subject} {self.occasion})".strip()

    @property
    def kind_info(self):
        return get_kind(self.kind)

    @property
    def title(self) -> str:
        return self.kind_info.title(self.context or {})

    @property
    def body(self) -> str:
        return self.kind_info.body(self.context or {})

    @property
    def details(self) -> list[str]:
        return self.kind_info.details(self.context or {})

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(models.Model):
    """A person's choice for one kind. No row means the kind's defaults."""

    class Email(models.TextChoices):
        IMMEDIATE = "immediate", _("Each time")
        DIGEST = "digest", _("Daily digest")
        OFF = "off", _("Off")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=40)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.CharField(_("e-mail"), max_length=12, choices=Email.choices, default=Email.IMMEDIATE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: app={self.in_app} email={self.email}"


class QuietHours(models.Model):
    """A person's own quiet hours, in local time (Asia/Shanghai): e-mails wait until `end`; in-app is never held.

    No row: the site's default (NOTIFICATIONS["QUIET_HOURS"]). A row with both times empty: no quiet hours at all.
    `start` later than `end` spans midnight (22:00-08:00); `start` equal to `end` is refused (say "none" instead)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="quiet_hours",
    )
    start = models.TimeField(_("quiet from"), null=True, blank=True)
    end = models.TimeField(_("quiet until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__isnull=True, end__isnull=True)
                | (models.Q(start__isnull=False, end__isnull=False) & ~models.Q(start=models.F("end"))),
                name="quiet_hours_both_or_none",
            )
        ]

    def __str__(self) -> str:
        if self.start is None:
            return f"{self.user_id}: none"
        return f"{self.user_id}: {self.start:%H:%M}-{self.end:%H:%M}"


class EmailDaySlot(models.Model):
    """At most one e-mail of a kind per person per local day: the unique key is the guarantee, whatever upstream
    produces. A slot is taken (`sending`) before the send and confirmed (`sent`) after; a slot left `sending` by a
    dead worker can be taken over once its lease has run out."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    day = models.DateField()
    token = models.UUIDField()
    sent = models.BooleanField(default=False)
    claimed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "day"], name="email_day_slot_unique")]
        indexes = [models.Index(fields=["token"], name="email_day_slot_token")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.day}"
