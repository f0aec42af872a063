"""Reads for enrollments, progress, certificates and the calendar feed. One access function per resource:
"not yours" and "does not exist" both answer 404."""

from datetime import UTC, date, datetime, timedelta

import icalendar
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from courses.course_selectors import published_courses
from courses.models import Course, ModuleItem, Session, TrainingPlan
from learning import hooks
from learning.models import CalendarFeed, Certificate, Enrollment, LessonProgress
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
