"""What practice/ adds to the home's to-do list (lms.todo): role plays assigned to the learner."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from lms import todo
from practice.selectors import open_practice_assignments


def practice_todo(*, user, today: dt.date) -> list[todo.TodoItem]:
    return [
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


def register() -> None:
    todo.home_todo.register(practice_todo)
