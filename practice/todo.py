"""What practice/ adds to the home's to-do list (lms.todo): role plays assigned to the learner; failed role plays
of a trainer's scenarios that nobody has coached yet."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lms import todo
from lms.roles import TRAINER, has_role
from practice.selectors import open_practice_assignments, todo_for_trainer

# Failed role plays of a trainer's scenarios shown on their home (the practice page lists them all).
TRAINER_SESSIONS_SHOWN = 5


def practice_todo(*, user, today: dt.date) -> list[todo.TodoItem]:
    items = [
        todo.TodoItem(
            section="learn",
            title=row["title"],
            url=row["url"],
            kind=_("Practice"),
            due=row["due"],
            overdue=row["overdue"],
            detail=_("Assigned by your manager: practise until you pass."),
            action=_("Practise"),
        )
        for row in open_practice_assignments(user=user, today=today)
    ]
    if has_role(user, TRAINER):
        for rank, row in enumerate(todo_for_trainer(user=user, limit=TRAINER_SESSIONS_SHOWN)):
            when = timezone.localtime(row["when"]).strftime("%m-%d %H:%M") if row["when"] else ""
            items.append(
                todo.TodoItem(
                    section="teach",
                    title=f"{row['who']} · {row['title']}",
                    url=row["url"],
                    kind=_("Practice"),
                    detail=_("Not passed on %(when)s and nobody has coached it yet.") % {"when": when},
                    action=pgettext("to-do action", "Review"),
                    rank=10 + rank,
                )
            )
    return items


def register() -> None:
    todo.home_todo.register(practice_todo)
