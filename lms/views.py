from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils import timezone

from lms.navigation import nav_items_for
from lms.todo import home_sections


@login_required
def home(request):
    """The to-do home: what needs this person now, per role (learner, trainer, manager), each one click from doing."""
    sections = home_sections(user=request.user, today=timezone.localdate())
    return render(
        request,
        "home.html",
        {
            "sections": sections,
            "shortcuts": [i for i in nav_items_for(request.user) if i["group"] != "account"],
        },
    )


# Admin pages of the models trainees/ handed over when the apps were layered (see trainees/migrations/0016): old
# bookmarks and links in e-mails lead to the same page under its new app.
MOVED_ADMIN_MODELS = {
    **dict.fromkeys(["enrollment", "lessonprogress", "certificate", "calendarfeed"], "learning"),
    **dict.fromkeys(["notification", "notificationpreference", "quiethours", "emaildayslot"], "notifications"),
}


@staff_member_required
def moved_admin_page(request, model: str, rest: str = ""):
    query = request.META.get("QUERY_STRING", "")
    target = f"/admin/{MOVED_ADMIN_MODELS[model]}/{model}/{rest}" + (f"?{query}" if query else "")
    return HttpResponsePermanentRedirect(target)
