"""Admin: the outbox with its statuses (pending, sent, failed, skipped by preference...), searchable and filterable."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.models import EmailDaySlot, Notification, NotificationPreference, QuietHours
from notifications.services import enqueue_dispatch


class DeferredFilter(admin.SimpleListFilter):
    title = _("waiting")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("deferred", _("Deferred (quiet hours or retry)")), ("due", _("Due now"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "deferred":
            return queryset.filter(status=Notification.Status.PENDING, not_before__gt=now)
        if self.value() == "due":
            return queryset.filter(status=Notification.Status.PENDING).exclude(not_before__gt=now)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "recipient",
        "kind",
        "subject",
        "occasion",
        "status",
        "attempts",
        "not_before",
        "sent_at",
        "read_at",
        "created_at",
    )
    list_filter = ("status", DeferredFilter, "kind", "show_in_app")
    search_fields = ("recipient__username", "recipient__display_name", "recipient__email", "subject", "last_error")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "claimed_at", "claim_token", "sent_at", "attempts", "last_error", "delivered_via")
    raw_id_fields = ("recipient", "digest")
    actions = ["retry_now"]

    @admin.action(description=_("Send again now (failed or waiting)"))
    def retry_now(self, request, queryset):
        count = queryset.filter(status__in=[Notification.Status.FAILED, Notification.Status.PENDING]).update(
            status=Notification.Status.PENDING, not_before=None, attempts=0
        )
        enqueue_dispatch()
        self.message_user(request, _("%(count)s notification(s) queued again.") % {"count": count})


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "in_app", "email", "updated_at")
    list_filter = ("kind", "email", "in_app")
    search_fields = ("user__username", "user__display_name")
    raw_id_fields = ("user",)


@admin.register(EmailDaySlot)
class EmailDaySlotAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "day", "sent", "claimed_at")
    list_filter = ("kind", "sent", "day")
    raw_id_fields = ("user",)


@admin.register(QuietHours)
class QuietHoursAdmin(admin.ModelAdmin):
    """People who chose their own quiet hours (both times empty: none). Everyone else has the site's."""

    list_display = ("user", "start", "end", "updated_at")
    search_fields = ("user__username", "user__display_name")
    raw_id_fields = ("user",)
