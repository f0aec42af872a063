"""What assessments/ adds to the home's to-do list (lms.todo): attempts to finish, answers to grade."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from assessments.models import Attempt
from assessments.selectors import attempt_requests_open, grading_queue, open_quiz_assignments
from assessments.services import IMPORT_JOB_KIND
from lms import todo
from lms.roles import TRAINER, has_role, is_admin


def quiz_todo(*, user, today: dt.date) -> list[todo.TodoItem]:
    items = []
    # Attempts the person started and has not submitted, while their time runs.
    now = timezone.now()
    open_attempts = (
        Attempt.objects.filter(user_id=user.id, status=Attempt.Status.IN_PROGRESS)
        .exclude(deadline__lt=now)
        .select_related("quiz")
        .order_by("deadline", "started_at")[: todo.SECTION_LIMIT]
    )
    for attempt in open_attempts:
        deadline = timezone.localtime(attempt.deadline) if attempt.deadline else None
        items.append(
            todo.TodoItem(
                section="learn",
                title=attempt.quiz.title,
                url=reverse("assessments:attempt", args=[attempt.pk]),
                kind=_("Quiz"),
                due=deadline.date() if deadline else None,
                detail=(
                    _("Started, not submitted: finish by %(time)s.") % {"time": deadline.strftime("%H:%M")}
                    if deadline
                    else _("Started, not submitted.")
                ),
                action=pgettext("quiz next step", "Continue"),
            )
        )
    # Quizzes a manager assigned, not passed yet (one running is listed above, with its own deadline).
    running = {attempt.quiz_id for attempt in open_attempts}
    for quiz, standing in open_quiz_assignments(user=user, now=now):
        if quiz.pk in running:
            continue
        if standing.waiting:
            detail = _("Assigned by your manager: your answers are awaiting grading.")
        elif standing.stuck:
            detail = _("Assigned by your manager: no attempt left; ask for another on the quiz page.")
        else:
            detail = _("Assigned by your manager: take it until you pass.")
        again = pgettext("quiz next step", "Try again")
        items.append(
            todo.TodoItem(
                section="learn",
                title=quiz.title,
                url=reverse("assessments:quiz", args=[quiz.pk]),
                kind=_("Quiz"),
                due=standing.due,
                overdue=standing.overdue,
                detail=detail,
                action=again if standing.used else pgettext("quiz next step", "Start"),
            )
        )
    if has_role(user, TRAINER) or is_admin(user):
        waiting = grading_queue(user=user).aggregate(
            n=Count("attempt_id", distinct=True), first=Min("attempt__submitted_at")
        )
        if waiting["n"]:
            since = timezone.localtime(waiting["first"]).date() if waiting["first"] else None
            items.append(
                todo.TodoItem(
                    section="teach",
                    title=ngettext("%(n)d answer sheet to grade", "%(n)d answer sheets to grade", waiting["n"])
                    % {"n": waiting["n"]},
                    url=reverse("assessments:grading"),
                    kind=_("Grading"),
                    # Learners wait for these: an answer sheet older than three days is shown as late.
                    due=since,
                    when=_("Waiting since %(date)s") % {"date": date_format(since, "MONTH_DAY_FORMAT")}
                    if since
                    else "",
                    overdue=bool(since and (today - since).days > 3),
                    detail=_("Learners wait for their result until you grade the open answers."),
                    action=_("Grade"),
                )
            )
        for rank, request in enumerate(attempt_requests_open(user=user)[: todo.SECTION_LIMIT]):
            asked = timezone.localtime(request.created_at).date()
            items.append(
                todo.TodoItem(
                    section="teach",
                    title=_("%(person)s asks for another attempt at %(quiz)s")
                    % {"person": request.user.display_name or request.user.get_username(), "quiz": request.quiz.title},
                    url=reverse("assessments:grading") + "#attempt-requests",
                    kind=_("Request"),
                    due=asked,
                    when=_("Asked on %(date)s") % {"date": date_format(asked, "MONTH_DAY_FORMAT")},
                    detail=_("Grant one more attempt or decline."),
                    action=_("Decide"),
                    rank=rank,
                )
            )
    return items


def register() -> None:
    todo.home_todo.register(quiz_todo)
    todo.job_kind_register(IMPORT_JOB_KIND, label=gettext_lazy("Question import"), url_name="assessments:import")
