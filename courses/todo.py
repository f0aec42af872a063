"""What courses/ adds to the home's to-do list (lms.todo): a trainer's plans that start soon."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from courses.models import TrainingPlan
from lms import todo
from lms.roles import TRAINER, has_role

# A plan starting within this many days is on its trainer's home.
PLAN_SOON_DAYS = 14


def plans_todo(*, user, today: dt.date) -> list[todo.TodoItem]:
    if not has_role(user, TRAINER):
        return []
    plans = (
        TrainingPlan.objects.filter(
            owners=user,
            is_template=False,
            status__in=(TrainingPlan.Status.DRAFT, TrainingPlan.Status.PUBLISHED),
            start_date__gte=today,
            start_date__lte=today + dt.timedelta(days=PLAN_SOON_DAYS),
        )
        .annotate(n_sessions=Count("sessions", distinct=True))
        .order_by("start_date", "id")[: todo.SECTION_LIMIT]
    )
    items = []
    for plan in plans:
        days = (plan.start_date - today).days
        starts = _("Starts today") if days == 0 else _("Starts in %(n)d days") % {"n": days}
        if plan.status == TrainingPlan.Status.DRAFT:
            detail = _("%(starts)s and is still a draft: publish it so trainees see it.") % {"starts": starts}
        elif not plan.n_sessions:
            detail = _("%(starts)s and has no sessions in its schedule yet.") % {"starts": starts}
        else:
            detail = _("%(starts)s; %(n)d sessions in its schedule.") % {"starts": starts, "n": plan.n_sessions}
        items.append(
            todo.TodoItem(
                section="teach",
                title=plan.title,
                url=reverse("courses:plan_detail", args=[plan.pk]),
                kind=pgettext("to-do kind", "Training plan"),
                due=plan.start_date,
                detail=detail,
                action=_("Open the plan"),
            )
        )
    return items


def register() -> None:
    todo.home_todo.register(plans_todo)
