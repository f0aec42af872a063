"""The home page's to-do list (the task centre): each app adds what needs this person, the home merges and orders.

An app registers a function on `home_todo` in its AppConfig.ready(); the function looks at the person's roles
and returns `TodoItem`s for the sections it knows (a salesperson's "to do" gathers courses, plan sessions, quizzes
and practice from four apps into one list in due order). Each function runs a fixed number of queries, whatever
the number of rows, and returns nothing for a person it has nothing for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.hooks import Hook
from lms.models import Job
from lms.roles import MANAGER, SALESPERSON, TRAINER, user_roles

home_todo = Hook(
    "lms.home_todo",
    "fn(*, user, today) -> list[lms.todo.TodoItem]: what needs this person now, for the home page.",
)

# The home's sections, in the order they are drawn, with their headings and what they say when empty.
SECTIONS = {
    # a learner's work: courses, plan sessions, quizzes, practice, in due order
    "learn": (_("My to-do"), _("Nothing is due. Well done!")),
    # a trainer's queue: essays to grade, practice to review, requests, plans starting soon, imports that failed
    "teach": (_("Needs you"), _("Nothing is waiting for you.")),
    # a manager's team: overdue people, weak spots, recent practice to coach
    "team_overdue": (_("Overdue in my teams"), _("Nobody in your teams is overdue.")),
    "team_weak": (_("Weak spots to coach"), _("No weak spot stands out yet.")),
    "team_practice": (_("Recent practice to review"), _("No recent practice in your teams.")),
}
# The sections a role always shows, even when empty (so "nothing is due" is said, not left blank).
ROLE_SECTIONS = {
    SALESPERSON: ("learn",),
    TRAINER: ("teach",),
    MANAGER: ("team_overdue", "team_weak", "team_practice"),
}
# Where "and N more" leads (URL names; a section without one just counts).
SECTION_MORE = {"learn": "learning:my_learning", "team_overdue": "dashboards:home"}
# How many items a section shows before "more".
SECTION_LIMIT = 8


@dataclass(frozen=True)
class TodoItem:
    """One line of the home: `title` (what), `url` (the one click that does it), `kind` (a short translated word:
    课程, 测验, 陪练, 日程...), `due` (a date, or None), `overdue`, `detail` (the state in words, never a raw id or
    score), `section` (a SECTIONS key), `action` (the button's label, e.g. 继续学习), `rank` (see below)."""

    section: str
    title: str
    url: str
    kind: str = ""
    due: dt.date | None = None
    overdue: bool = False
    detail: str = ""
    action: str = ""
    # Shown instead of "due <date>" when the date is not a deadline (a plan day: "on 12月8日").
    when: str = ""
    # Among items of the same urgency, lower first (a provider's own order: the weakest area first).
    rank: int = 0


def _order(item: TodoItem) -> tuple:
    # overdue first, then by due date (undated last), then in the provider's order, then by title
    return (not item.overdue, item.due or dt.date.max, item.rank, str(item.title))


def home_sections(*, user, today: dt.date) -> list[dict]:
    """The sections of this person's home that have something, or that their roles make expected, in order."""
    items: dict[str, list[TodoItem]] = {}
    for result in home_todo.call(user=user, today=today):
        for item in result or ():
            items.setdefault(item.section, []).append(item)
    expected = {key for role in user_roles(user) for key in ROLE_SECTIONS.get(role, ())}
    sections = []
    for key, (title, empty) in SECTIONS.items():
        if key not in items and key not in expected:
            continue
        rows = sorted(items.get(key, ()), key=_order)
        sections.append(
            {
                "key": key,
                "title": title,
                "empty": empty,
                "items": rows[:SECTION_LIMIT],
                "hidden": max(0, len(rows) - SECTION_LIMIT),
                "more_url": _more_url(key),
                "overdue": sum(1 for r in rows if r.overdue),
            }
        )
    return sections


def _more_url(key: str) -> str:
    try:
        return reverse(SECTION_MORE[key]) if key in SECTION_MORE else ""
    except NoReverseMatch:
        return ""


def failed_jobs_todo(*, user, today: dt.date) -> list[TodoItem]:
    """Background work of this person that failed in the last week (a large import, an export), to retry."""
    since = today - dt.timedelta(days=7)
    jobs = Job.objects.filter(owner_id=user.id, status=Job.Status.FAILED, created_at__date__gte=since)[:SECTION_LIMIT]
    items = []
    for job in jobs:
        label, url_name = _JOB_KINDS.get(job.kind, (_("Background work"), ""))
        items.append(
            TodoItem(
                section="teach",
                title=label,
                url=reverse(url_name) if url_name else "",
                kind=_("Failed"),
                detail=_("Failed on %(date)s: start it again.")
                % {"date": timezone.localtime(job.created_at).date().isoformat()},
                action=_("Try again"),
            )
        )
    return items


# Filled by the apps that start background work (AppConfig.ready()): job kind -> (label, url name of the page to
# start it again from).
_JOB_KINDS: dict[str, tuple] = {}


def job_kind_register(kind: str, *, label, url_name: str = "") -> None:
    _JOB_KINDS[kind] = (label, url_name)
