"""What learning/ adds to the home's to-do list (lms.todo): the learner's open courses and upcoming plan sessions."""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from learning.selectors import todo_for_learner
from lms import todo

KINDS = {"course": gettext_lazy("Course"), "session": pgettext_lazy("to-do kind", "Session")}


def learner_todo(*, user, today: dt.date) -> list[todo.TodoItem]:
    items = []
    for rank, row in enumerate(todo_for_learner(user=user, today=today)):
        course = row["kind"] == "course"
        items.append(
            todo.TodoItem(
                section="learn",
                title=row["title"],
                url=row["url"],
                kind=str(KINDS.get(row["kind"], "")),
                due=row["due"],
                overdue=row["overdue"],
                detail=row.get("detail", ""),
                action=_("Continue learning") if course else _("See the session"),
                when=""
                if course or not row["due"]
                else _("On %(date)s") % {"date": date_format(row["due"], "MONTH_DAY_FORMAT")},
                rank=rank,
            )
        )
    return items


def register() -> None:
    todo.home_todo.register(learner_todo)
    todo.job_kind_register("enrollment", label=gettext_lazy("Bulk enrollment"), url_name="learning:enrollments")
