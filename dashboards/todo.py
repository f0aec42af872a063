"""What dashboards/ adds to the home's to-do list (lms.todo): a manager's overdue people, weak spots and practice."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from dashboards.exports import JOB_KIND
from dashboards.selectors import todo_for_manager
from lms import todo
from lms.roles import MANAGER, has_role


def manager_todo(*, user, today: dt.date) -> list[todo.TodoItem]:
    if not has_role(user, MANAGER):
        return []
    found = todo_for_manager(user=user, today=today)
    items = []
    for person in found["overdue"]["people"]:
        items.append(
            todo.TodoItem(
                section="team_overdue",
                title=person["name"],
                url=person["url"],
                overdue=True,
                due=today - dt.timedelta(days=person["days_overdue"]),
                detail=ngettext(
                    "%(course)s: %(n)d day overdue", "%(course)s: %(n)d days overdue", person["days_overdue"]
                )
                % {"course": person["course"], "n": person["days_overdue"]},
                action=_("Remind or re-assign"),
            )
        )
    shown = len(found["overdue"]["people"])
    if found["overdue"]["count"] > shown:
        items.append(
            todo.TodoItem(
                section="team_overdue",
                title=_("%(n)d people overdue in all") % {"n": found["overdue"]["count"]},
                url=reverse("dashboards:home"),
                rank=1,
                action=_("See them all"),
            )
        )
    for rank, area in enumerate(found["weak_areas"]):
        items.append(
            todo.TodoItem(
                section="team_weak",
                title=area["name"],
                url=area["url"],
                rank=rank,
                detail=ngettext(
                    "Average %(score)s of 100 over %(n)d person",
                    "Average %(score)s of 100 over %(n)d people",
                    area["people"],
                )
                % {"score": area["avg_score"], "n": area["people"]},
                action=_("Coach"),
            )
        )
    for rank, session in enumerate(found["practice"]):
        finished = timezone.localtime(session["finished_at"]) if session["finished_at"] else None
        state = _("passed") if session["passed"] else _("not passed")
        review = _("you have reviewed it") if session["reviewed"] else _("not reviewed yet")
        items.append(
            todo.TodoItem(
                section="team_practice",
                title=f"{session['person']} · {session['scenario']}",
                rank=rank,
                url=session["url"],
                kind=_("Practice"),
                detail=_("%(when)s, %(state)s; %(review)s")
                % {"when": finished.strftime("%m-%d %H:%M") if finished else "", "state": state, "review": review},
                action=pgettext("to-do action", "Review")
                if not session["reviewed"]
                else pgettext("to-do action", "Open"),
            )
        )
    return items


def register() -> None:
    todo.home_todo.register(manager_todo)
    todo.job_kind_register(JOB_KIND, label=gettext_lazy("Dashboard export"), url_name="dashboards:home")
