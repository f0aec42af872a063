"""Reads for enrollments, progress, certificates and the calendar feed. One access function per resource:
"not yours" and "does not exist" both answer 404."""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import icalendar
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from courses.course_selectors import published_courses
from courses.models import Course, ModuleItem, Session, TrainingPlan
from courses.models.plans import MAX_PLAN_DAYS
from learning import hooks
from learning.models import CalendarFeed, Certificate, Enrollment, LessonProgress
from learning.requirements import Requirement, RequirementState
from lms.roles import MANAGER, TRAINER, has_role, is_admin
from trainees.models import User
from trainees.selectors import managed_team_ids


def trainer_people_scope(*, trainer: User) -> Q:
    """People enrolled in the courses or plans the trainer owns (`trainees.hooks.trainer_people_scope`)."""
    enrolled = Enrollment.objects.filter(
        Q(course__in=Course.objects.filter(owners=trainer).values("id"))
        | Q(plan__in=TrainingPlan.objects.filter(owners=trainer).values("id"))
    ).values("user_id")
    return Q(id__in=enrolled)


def enrollments_for_user(*, user) -> QuerySet[Enrollment]:
    """Own enrollments; a manager's teams'; a trainer's courses' and plans'; everything for admins."""
    if not getattr(user, "is_authenticated", False):
        return Enrollment.objects.none()
    if is_admin(user):
        return Enrollment.objects.all()
    q = Q(user_id=user.id)
    if has_role(user, MANAGER):
        teams = managed_team_ids(user=user)
        if teams:
            q |= Q(user__team_id__in=teams)
    if has_role(user, TRAINER):
        q |= Q(course__in=Course.objects.filter(owners=user).values("id"))
        q |= Q(plan__in=TrainingPlan.objects.filter(owners=user).values("id"))
    return Enrollment.objects.filter(q)


def enrollment_get_for_user(*, user, enrollment_id) -> Enrollment:
    try:
        return (
            enrollments_for_user(user=user)
            .select_related("user", "user__team", "course", "plan", "last_lesson")
            .get(id=enrollment_id)
        )
    except (Enrollment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def enrollment_list(
    *, user, course_id: int | None = None, status: str = "", search: str = "", include_removed: bool = False
) -> QuerySet[Enrollment]:
    qs = enrollments_for_user(user=user).select_related("user", "user__team", "course", "plan")
    if not include_removed:
        qs = qs.filter(unenrolled_at__isnull=True)
    if course_id:
        qs = qs.filter(course_id=course_id)
    if status == Enrollment.Status.OVERDUE:
        qs = qs.filter(Q(status=Enrollment.Status.OVERDUE) | Q(due_date__lt=timezone.localdate())).exclude(
            status=Enrollment.Status.COMPLETED
        )
    elif status in Enrollment.Status.values:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(
            Q(user__display_name__icontains=search)
            | Q(user__employee_no__icontains=search)
            | Q(course__title__icontains=search)
        )
    return qs.order_by("-created_at", "-id")


def my_learning(*, user) -> QuerySet[Enrollment]:
    """The person's active course enrollments: open ones first, overdue first, then by due date."""
    today = timezone.localdate()
    return (
        Enrollment.objects.filter(user_id=user.id, unenrolled_at__isnull=True, course__isnull=False)
        .select_related("course", "course__category", "course__track", "last_lesson", "certificate")
        .annotate(
            rank=Case(
                When(status=Enrollment.Status.COMPLETED, then=Value(2)),
                When(Q(status=Enrollment.Status.OVERDUE) | Q(due_date__lt=today), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", F("due_date").asc(nulls_last=True), "-last_activity_at", "id")
    )


def my_plans(*, user) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(user_id=user.id, unenrolled_at__isnull=True, plan__isnull=False)
        .select_related("plan")
        .order_by(F("plan__start_date").asc(nulls_last=True), "id")
    )


def learner_enrollment(*, user, course_id) -> Enrollment:
    """The person's own active enrollment in a published course (for the player); 404 otherwise."""
    try:
        return Enrollment.objects.select_related("course", "course__category", "course__track").get(
            user_id=user.id, course_id=course_id, unenrolled_at__isnull=True, course__status=Course.Status.PUBLISHED
        )
    except (Enrollment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def completed_lesson_ids(*, user_id: int, course_id: int) -> set[int]:
    return set(
        LessonProgress.objects.filter(
            user_id=user_id, completed_at__isnull=False, lesson__placements__course_id=course_id
        ).values_list("lesson_id", flat=True)
    )


def next_lesson_id(*, enrollment: Enrollment) -> int | None:
    """Where "continue" goes: the first unfinished lesson after the last one opened, else the first unfinished,
    else the last one opened, else the first."""
    order = list(
        ModuleItem.objects.filter(course_id=enrollment.course_id)
        .order_by("module__order", "module_id", "order", "id")
        .values_list("lesson_id", flat=True)
    )
    if not order:
        return None
    done = completed_lesson_ids(user_id=enrollment.user_id, course_id=enrollment.course_id)
    start = order.index(enrollment.last_lesson_id) if enrollment.last_lesson_id in order else 0
    for lesson_id in order[start:] + order[:start]:
        if lesson_id not in done:
            return lesson_id
    return enrollment.last_lesson_id if enrollment.last_lesson_id in order else order[0]


def lesson_progress_get_for_user(*, user, lesson_id) -> LessonProgress:
    """One's own progress on a lesson only."""
    try:
        return LessonProgress.objects.get(user_id=user.id, lesson_id=lesson_id)
    except (LessonProgress.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def certificates_for_user(*, user) -> QuerySet[Certificate]:
    if not getattr(user, "is_authenticated", False):
        return Certificate.objects.none()
    if is_admin(user):
        return Certificate.objects.all()
    q = Q(user_id=user.id)
    if has_role(user, MANAGER):
        teams = managed_team_ids(user=user)
        if teams:
            q |= Q(user__team_id__in=teams)
    if has_role(user, TRAINER):
        q |= Q(course__in=Course.objects.filter(owners=user).values("id"))
    return Certificate.objects.filter(q)


def certificate_get_for_user(*, user, code: str) -> Certificate:
    try:
        return certificates_for_user(user=user).select_related("course").get(code=str(code).upper())
    except Certificate.DoesNotExist:
        raise Http404 from None


def certificate_verify(*, code: str) -> Certificate:
    """Public verification: anyone with the code; unknown codes are 404."""
    try:
        return Certificate.objects.only("code", "holder_name", "course_title", "issued_at", "expires_on").get(
            code=str(code).strip().upper()
        )
    except Certificate.DoesNotExist:
        raise Http404 from None


def certificate_superseded() -> Exists:
    """True for a certificate that a newer certificate of the same person and course replaced (a renewal kept the
    old one as history, then completing again issued the new one): issued later, or at the same moment with a
    higher id. Use as `Certificate.objects.filter(~certificate_superseded())` for the certificates in force (the
    dashboards' valid and expiring figures, the expiring-certificate notice). One correlated lookup per row, on
    the (person) index."""
    newer = Certificate.objects.filter(user_id=OuterRef("user_id"), course_id=OuterRef("course_id")).filter(
        Q(issued_at__gt=OuterRef("issued_at")) | Q(issued_at=OuterRef("issued_at"), id__gt=OuterRef("id"))
    )
    return Exists(newer)


def my_certificates(*, user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(user_id=user.id).order_by("-issued_at")


# --- calendar ----------------------------------------------------------------------------------------------


def calendar_feed_user(*, token: str) -> User:
    try:
        return CalendarFeed.objects.select_related("user").get(token=token, user__is_active=True).user
    except CalendarFeed.DoesNotExist:
        raise Http404 from None


def calendar_events(*, user: User) -> list[dict]:
    events: list[dict] = []
    for e in my_learning(user=user).filter(due_date__isnull=False).exclude(status=Enrollment.Status.COMPLETED):
        events.append(
            {
                "uid": f"enrollment-{e.id}@lms",
                "summary": f"{e.course.title}（截止 / due）",
                "start": e.due_date,
                "end": e.due_date + timedelta(days=1),
                "description": f"{e.progress}%",
            }
        )
    events.extend(plan_session_events(user=user))
    for more in hooks.calendar_source.call(user=user):  # what the apps above add
        events.extend(more)
    return events


def _ical_when(value: date | datetime) -> date | datetime:
    """All-day events stay dates; timed events are written in UTC (`...T010000Z`)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(microsecond=0)
    return value


def calendar_ics(*, user: User) -> str:
    """The person's feed as iCalendar (RFC 5545; escaping and 75-octet line folding by the icalendar library, as
    the plan export)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//sales-training-lms//learning//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "我的学习 / My learning")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = timezone.now().astimezone(UTC).replace(microsecond=0)
    for item in calendar_events(user=user):
        event = icalendar.Event()
        event.add("uid", item["uid"])
        event.add("dtstamp", stamp)
        event.add("dtstart", _ical_when(item["start"]))
        if item.get("end"):
            event.add("dtend", _ical_when(item["end"]))
        event.add("summary", str(item["summary"]))
        if item.get("description"):
            event.add("description", str(item["description"]))
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")


# --- training plans the person takes part in ---------------------------------------------------------------


def plan_participation_scope(*, user: User) -> Q:
    """Plans a person is enrolled in, and for a manager the plans their teams' people are enrolled in
    (`courses.hooks.plan_participation_scope`)."""
    people = Q(user_id=user.id)
    team_ids = managed_team_ids(user=user)
    if team_ids:
        people |= Q(user__team_id__in=team_ids)
    enrolled = Enrollment.objects.filter(people, plan__isnull=False, unenrolled_at__isnull=True)
    return Q(pk__in=enrolled.values("plan_id"))


def plan_session_events(*, user: User) -> list[dict]:
    """One calendar event per session of the published, dated plans the person is enrolled in."""
    plan_ids = Enrollment.objects.filter(user_id=user.id, plan__isnull=False, unenrolled_at__isnull=True).values(
        "plan_id"
    )
    sessions = (
        Session.objects.filter(
            plan_id__in=plan_ids, plan__status=TrainingPlan.Status.PUBLISHED, plan__start_date__isnull=False
        )
        .select_related("plan")
        .order_by("plan_id", "day", "start_time")
    )
    events = []
    for session in sessions:
        day = session.plan.day_date(session.day)
        events.append(
            {
                "uid": f"plan-session-{session.id}-user-{user.id}@lms",
                "summary": f"{session.plan.title}: {session.title}",
                "start": timezone.make_aware(datetime.combine(day, session.start_time)),
                "end": timezone.make_aware(datetime.combine(day, session.end_time)),
                "description": session.room or "",
            }
        )
    return events


# --- the catalogue ---------------------------------------------------------------------------------------


def catalogue(*, user, track: str = "", category: str = "", search: str = "") -> QuerySet[Course]:
    """The published courses (`courses.course_selectors.published_courses`), each annotated with `is_enrolled`."""
    qs = published_courses(track=track, category=category, search=search)
    enrolled = Enrollment.objects.filter(course_id=OuterRef("pk"), user_id=user.id, unenrolled_at__isnull=True)
    return qs.annotate(is_enrolled=Exists(enrolled)).order_by("track__order", "category__order", "title", "id")


# --- what completes a course: the completion panel of the course page and the player ------------------------


@dataclass(frozen=True)
class CompletionPanel:
    """Every requirement of a course enrollment with its state and next step (`completion_panel`).

    rows: the lessons row first, then the apps' rows (`hooks.completion_requirement_rows`) by their `order`;
    next_url / next_label: where "continue" goes: the next unfinished required lesson, else the first unmet
    requirement that has an action; "" when what is left is not the learner's to do (see `summary`). Once the
    course is completed it is the lesson to review.
    """

    enrollment: Enrollment
    rows: list[Requirement]
    lessons_done: int
    lessons_total: int
    next_url: str = ""
    next_label: str = ""

    @property
    def completed(self) -> bool:
        return self.enrollment.status == Enrollment.Status.COMPLETED

    @property
    def missing(self) -> list[Requirement]:
        return [] if self.completed else [r for r in self.rows if not r.met]

    @property
    def lessons_finished(self) -> bool:
        return bool(self.lessons_total) and self.lessons_done >= self.lessons_total

    @property
    def summary(self) -> str:
        """What is left, in one sentence ("还差：期末测验未通过（已无次数，请联系 张老师）；…"); "" when nothing is."""
        parts = []
        for row in self.missing:
            item = _("%(title)s %(state)s") % {"title": row.title, "state": row.state_label}
            why = row.help_text or row.detail
            parts.append(_("%(item)s (%(why)s)") % {"item": item, "why": why} if why else item)
        return _("Still to do: %(items)s") % {"items": _("; ").join(parts)} if parts else ""

    @property
    def status_note(self) -> str:
        """Why a course whose lessons are all done is not completed."""
        if self.missing and self.lessons_finished:
            return _(
                "All lessons are done, but the course counts as completed only once every requirement below is met."
            )
        return ""


def _lessons_row(*, enrollment: Enrollment, items: list[ModuleItem], done: set[int]) -> tuple[Requirement, str]:
    """The required-lessons row, and the lesson "review" opens once everything is done."""
    course_id = enrollment.course_id
    required = [it for it in items if it.required]
    finished = sum(1 for it in required if it.lesson_id in done)
    order = [it.lesson_id for it in items]
    start = order.index(enrollment.last_lesson_id) if enrollment.last_lesson_id in order else 0
    rotated = items[start:] + items[:start]
    next_item = next((it for it in rotated if it.required and it.lesson_id not in done), None)
    review_id = enrollment.last_lesson_id if enrollment.last_lesson_id in order else (order[0] if order else None)
    review_url = reverse("learning:player", args=[course_id, review_id]) if review_id else ""
    title = _("Required lessons")
    if not required:
        return Requirement(
            kind="lessons",
            title=title,
            state=RequirementState.TODO,
            order=10,
            detail=_("This course has no required lessons yet."),
        ), review_url
    detail = _("%(done)d of %(total)d done") % {"done": finished, "total": len(required)}
    if next_item is None:
        return Requirement(
            kind="lessons", title=title, state=RequirementState.DONE, detail=detail, order=10
        ), review_url
    return Requirement(
        kind="lessons",
        title=title,
        state=RequirementState.TODO,
        detail=detail,
        order=10,
        action_url=reverse("learning:player", args=[course_id, next_item.lesson_id]),
        action_label=_("Next lesson: %(title)s") % {"title": next_item.lesson.title},
        extra={"lesson_title": next_item.lesson.title},
    ), review_url


def completion_panel(
    *, enrollment: Enrollment, items: list[ModuleItem] | None = None, done: set[int] | None = None
) -> CompletionPanel:
    """The completion panel of a course enrollment: two queries (the outline and the lessons done; none when the
    player passes what it loaded) plus the bounded queries of each registered `completion_requirement_rows`."""
    if items is None:
        items = list(
            ModuleItem.objects.filter(course_id=enrollment.course_id)
            .select_related("lesson")
            .order_by("module__order", "module_id", "order", "id")
        )
    if done is None:
        done = completed_lesson_ids(user_id=enrollment.user_id, course_id=enrollment.course_id)
    lessons, review_url = _lessons_row(enrollment=enrollment, items=items, done=done)
    rows = [lessons]
    for more in hooks.completion_requirement_rows.call(enrollment=enrollment):
        rows.extend(more or [])
    rows.sort(key=lambda r: r.order)  # stable: rows of one order keep the order their app gave them
    required = [it for it in items if it.required]
    panel = CompletionPanel(
        enrollment=enrollment,
        rows=rows,
        lessons_done=sum(1 for it in required if it.lesson_id in done),
        lessons_total=len(required),
    )
    if panel.completed:
        return replace(panel, next_url=review_url, next_label=_("Review the course") if review_url else "")
    step = next((r for r in panel.missing if r.action_url), None)
    if step is not None:
        label = (
            step.extra.get("lesson_title") or step.action_label or step.title
        )  # "下一步：课时 3", not "下一步：下一课时：…"
        return replace(panel, next_url=step.action_url, next_label=label)
    if not panel.missing and review_url:
        # Every requirement says met but the stored status lags (it is refreshed when progress is recorded).
        return replace(panel, next_url=review_url, next_label=_("Review the course"))
    return panel


# --- the learner's to-do list (the home page) -------------------------------------------------------------------

TODO_SESSION_DAYS = 14
# Plan days listed per plan (the next ones); the plan page has the whole schedule.
TODO_PLAN_DAYS = 3


def _required_counts(user_id: int):
    """(required lessons of the enrollment's course, of those the person finished) as subqueries."""
    total = (
        ModuleItem.objects.filter(course_id=OuterRef("course_id"), required=True)
        .order_by()
        .values("course_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    finished = (
        LessonProgress.objects.filter(
            user_id=user_id,
            completed_at__isnull=False,
            lesson__placements__course_id=OuterRef("course_id"),
            lesson__placements__required=True,
        )
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Coalesce(Subquery(total, output_field=IntegerField()), 0),
        Coalesce(Subquery(finished, output_field=IntegerField()), 0),
    )


def _session_detail(session: Session) -> str:
    when = _("Day %(day)s, %(start)s–%(end)s") % {
        "day": session.day,
        "start": session.start_time.strftime("%H:%M"),
        "end": session.end_time.strftime("%H:%M"),
    }
    return " · ".join(p for p in (session.plan.title, when, session.room) if p)


def _plan_day_detail(group: list[Session]) -> str:
    """ "09:00–17:00 · 4 sessions: 行业现状…, 不同客户…" for one day of a plan."""
    start = min(s.start_time for s in group).strftime("%H:%M")
    end = max(s.end_time for s in group).strftime("%H:%M")
    titles = pgettext("between items of a list", ", ").join(s.title for s in group[:3]) + (
        "…" if len(group) > 3 else ""
    )
    rooms = list(dict.fromkeys(s.room for s in group if s.room))
    parts = [
        f"{start}–{end}",
        ngettext("%(n)d session: %(titles)s", "%(n)d sessions: %(titles)s", len(group))
        % {"n": len(group), "titles": titles},
    ]
    if rooms:
        parts.append(pgettext("between items of a list", ", ").join(rooms))
    return " · ".join(parts)


def learner_visible_plans(*, user) -> QuerySet[TrainingPlan]:
    """The plans whose page the person may open as a participant: what `plan_participation_scope` grants through
    `courses.plan_selectors.plans_for_user` to anyone enrolled (an active plan enrollment; published or archived;
    not a template). A subquery, no query of its own."""
    enrolled = Enrollment.objects.filter(user_id=user.id, plan__isnull=False, unenrolled_at__isnull=True)
    return TrainingPlan.objects.filter(
        id__in=enrolled.values("plan_id"),
        is_template=False,
        status__in=[TrainingPlan.Status.PUBLISHED, TrainingPlan.Status.ARCHIVED],
    )


def session_url(session: Session) -> str:
    """The session on its plan's page (the schedule card's anchor)."""
    return reverse("courses:plan_detail", args=[session.plan_id]) + f"#session-{session.id}"


def todo_for_learner(*, user, today: date) -> list[dict]:
    """What the person has to do: one dict per open course enrollment and per session of their plans in the next
    TODO_SESSION_DAYS days, {"kind": "course"|"session", "title", "due": date|None, "overdue": bool, "url": the
    one-click next step, "detail": their standing in words}; overdue first, then by due date (none last). Two
    queries whatever the count."""
    total, finished = _required_counts(user.id)
    enrollments = (
        Enrollment.objects.filter(user_id=user.id, unenrolled_at__isnull=True, course__status=Course.Status.PUBLISHED)
        .exclude(status=Enrollment.Status.COMPLETED)
        .select_related("course")
        .annotate(required_total=total, required_done=finished)
    )
    todo: list[dict] = []
    for e in enrollments:
        if e.required_total and e.required_done >= e.required_total:
            detail = _("All lessons done; other requirements are left")
        else:
            detail = _("%(done)d/%(total)d lessons done") % {"done": e.required_done, "total": e.required_total}
        todo.append(
            {
                "kind": "course",
                "title": e.course.title,
                "due": e.due_date,
                "overdue": e.status == Enrollment.Status.OVERDUE or (e.due_date is not None and e.due_date < today),
                "url": reverse("learning:continue", args=[e.course_id]),
                "detail": detail,
            }
        )
    horizon = today + timedelta(days=TODO_SESSION_DAYS)
    sessions = (
        Session.objects.filter(
            plan__in=learner_visible_plans(user=user).filter(status=TrainingPlan.Status.PUBLISHED),
            plan__start_date__isnull=False,
            plan__start_date__lte=horizon,
            plan__start_date__gte=today - timedelta(days=MAX_PLAN_DAYS),
        )
        .select_related("plan")
        .order_by("plan__start_date", "day", "start_time", "id")
    )
    # One entry per plan day (a six-day plan has four sessions a day: the home lists the day, not each of them),
    # for the next TODO_PLAN_DAYS days of each plan that have sessions.
    days: dict[tuple[int, int], list[Session]] = {}
    for s in sessions:
        day = s.plan.day_date(s.day)
        if day is None or not today <= day <= horizon:
            continue
        days.setdefault((s.plan_id, s.day), []).append(s)
    shown: dict[int, int] = {}
    for (plan_id, _day), group in days.items():
        shown[plan_id] = shown.get(plan_id, 0) + 1
        if shown[plan_id] > TODO_PLAN_DAYS:
            continue
        first = group[0]
        todo.append(
            {
                "kind": "session",
                "title": _("%(plan)s · day %(day)s") % {"plan": first.plan.title, "day": first.day},
                "due": first.plan.day_date(first.day),
                "overdue": False,
                "url": session_url(first),
                "detail": _plan_day_detail(group),
            }
        )
    todo.sort(key=lambda t: (not t["overdue"], t["due"] is None, t["due"] or date.max))
    return todo


# --- my training plans (the my-learning page) -------------------------------------------------------------------

PLAN_SESSIONS_SHOWN = 5


def my_plan_entries(*, user, today: date, limit: int = 20) -> list[dict]:
    """The person's plans for "我的培训计划": per plan enrollment {"enrollment", "plan", "url" (the plan page, or ""
    while the plan is not published), "sessions": the next PLAN_SESSIONS_SHOWN sessions from today (all of them for
    an undated plan), each {"session", "date", "url" (its card on the plan page), "course_url" (the course the
    session links, when the person is enrolled in it)}, "more": how many more}. Three queries."""
    entries = list(my_plans(user=user)[:limit])
    if not entries:
        return []
    visible = set(
        learner_visible_plans(user=user).filter(id__in=[e.plan_id for e in entries]).values_list("id", flat=True)
    )
    sessions = (
        Session.objects.filter(plan_id__in=visible)
        .select_related("plan")
        .order_by("plan_id", "day", "start_time", "id")
    )
    enrolled_courses = set(
        Enrollment.objects.filter(user_id=user.id, unenrolled_at__isnull=True, course__isnull=False).values_list(
            "course_id", flat=True
        )
    )
    by_plan: dict[int, list[dict]] = {}
    for s in sessions:
        day = s.plan.day_date(s.day)
        if day is not None and day < today:
            continue
        by_plan.setdefault(s.plan_id, []).append(
            {
                "session": s,
                "date": day,
                "url": session_url(s),
                "course_url": reverse("learning:continue", args=[s.course_id])
                if s.course_id in enrolled_courses
                else "",
            }
        )
    out = []
    for e in entries:
        upcoming = by_plan.get(e.plan_id, [])
        out.append(
            {
                "enrollment": e,
                "plan": e.plan,
                "url": reverse("courses:plan_detail", args=[e.plan_id]) if e.plan_id in visible else "",
                "sessions": upcoming[:PLAN_SESSIONS_SHOWN],
                "more": max(0, len(upcoming) - PLAN_SESSIONS_SHOWN),
            }
        )
    return out
