"""Notification centre pages, preferences, and the signed one-click unsubscribe (no login needed)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from notifications import selectors, services
from notifications.context import badge_html
from notifications.kinds import get_kind
from notifications.models import NotificationPreference

PAGE_SIZE = 25


@login_required
def notification_list(request):
    unread = request.GET.get("unread") == "1"
    qs = selectors.notifications_for_user(user=request.user, unread_only=unread)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "unread": unread})


def _badge_oob(user) -> str:
    return badge_html(selectors.unread_count(user=user)).replace("<span ", '<span hx-swap-oob="true" ', 1)


@login_required
@require_POST
def notification_read(request, notification_id: int):
    notification = services.notification_mark_read(user=request.user, notification_id=notification_id)
    if request.htmx:
        row = render(request, "notifications/_item.html", {"n": notification}).content.decode()
        return HttpResponse(row + _badge_oob(request.user))
    return redirect(request.POST.get("next") or "notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)s notification(s) marked as read.") % {"count": count})
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    rows = selectors.preferences_for_user(user=request.user)
    quiet = selectors.quiet_hours_for_user(user=request.user)
    errors = None
    field_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        quiet_in = {
            "mode": request.POST.get("quiet_mode", quiet["mode"]),
            "start": request.POST.get("quiet_start", ""),
            "end": request.POST.get("quiet_end", ""),
        }
        items = [
            {
                "kind": row["kind"],
                "in_app": request.POST.get(f"{row['kind']}-in_app") == "on",
                "email": request.POST.get(f"{row['kind']}-email", row["email"]),
            }
            for row in rows
        ]
        try:
            services.preferences_update(user=request.user, items=items, quiet_hours=quiet_in)
        except ValidationError as exc:
            field_errors = {k: v for k, v in exc.message_dict.items() if k.startswith("quiet_")}
            errors = [m for k, v in exc.message_dict.items() if k not in field_errors for m in v]
            quiet.update(quiet_in)
            for row, item in zip(rows, items, strict=True):
                row.update(in_app=item["in_app"], email=item["email"])
        else:
            messages.success(request, _("Your notification preferences were saved."))
            return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": rows,
            "modes": NotificationPreference.Email.choices,
            "errors": errors,
            "quiet": quiet,
            "quiet_errors": field_errors,
        },
        status=400 if errors or field_errors else 200,
    )


@login_required
@require_POST
def send_test(request):
    services.send_test_notification(user=request.user)
    messages.success(request, _("A test notification is on its way."))
    return redirect("notifications:preferences")


# The token is the credential: mail clients POST here without a session or CSRF token (RFC 8058 one-click).
# GET only shows the confirmation, so link scanners that prefetch URLs change nothing.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        _user_id, kind = services.unsubscribe_read(token=token)
    except ValidationError:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        services.unsubscribe(token=token)
        done = True
    return render(request, "notifications/unsubscribe.html", {"kind": get_kind(kind), "done": done, "token": token})
