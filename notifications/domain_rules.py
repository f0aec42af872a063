"""Reminder rules over the learning models (Enrollment, plan Session, quiz Attempt, Certificate), and the notices
of events in the apps below, which reach here through their hooks (registered in NotificationsConfig.ready).

Fields used:
- learning.Enrollment: user, course (nullable FK courses.Course), plan (nullable FK courses.TrainingPlan), due_date,
  status ("not_started", "in_progress", "completed", "overdue"), unenrolled_at (set = unenrolled: never reminded).
- courses.Session: plan, day (1-based; date = plan.start_date + day - 1), start_time, end_time, title, room, notes
  (shown as "what to bring"; the plan's equipment when blank). Only published plans.
- assessments.Attempt: user, quiz (title, owners), score, percent, status ("in_progress", "submitted" = waiting for
  grading, "graded").
- learning.Certificate: user, course_title, expires_on.

Event-driven kinds are not scans; they run inside the event's own transaction:
- new learning tasks (`learning.hooks.enrollments_assigned`): `notify_assigned(enrollments=[...])`
- manual grading done (`assessments.hooks.attempt_graded_by_hand`): `notify_quiz_graded(attempt=attempt)`
- a trainer answered a request for another attempt (`assessments.hooks.attempt_request_decided`):
  `notify_attempt_request_decided(attempt_request=...)`
- a manager's one-click nudge of overdue people (`learning.hooks.overdue_reminder`):
  `notify_overdue_nudge(by=manager, overdue={user_id: [...]}, now=...)`
- a course re-assigned with a new due date (`learning.hooks.enrollments_reassigned`):
  `notify_reassigned(enrollments=[...], progress_reset=...)`
- a role play assigned by a manager (`practice.hooks.scenarios_assigned`): `notify_practice_assigned(assignments=[...])`
- a quiz assigned by a manager (`assessments.hooks.quizzes_assigned`): `notify_quiz_assigned(assignments=[...])`
- a coach's comment on a practice session (`practice.hooks.comment_added`): `notify_practice_comment(comment=...)`
- a coach re-scoring a practice session (`practice.hooks.score_overridden`): `notify_practice_override(override=...)`

The kinds of the last five are registered here (beside the functions that write them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Avg, Case, CharField, Count, F, Max, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assessments.models import Attempt
from courses.models import Session
from learning.models import Certificate, Enrollment
from learning.selectors import certificate_superseded
from notifications.kinds import Kind, _fmt, register_kind
from notifications.rules import in_range, not_yet_notified, register_rule, subject_of
from notifications.services import Spec, notify_from_query, notify_many, notify_new, subject_key
from practice.models import CoachingComment, ScoreOverride
from trainees.models import Team, User

DONE = "completed"


def _today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def _title(obj) -> str:
    target = getattr(obj, "course", None) or getattr(obj, "plan", None)
    return str(getattr(target, "title", target) or "")


def _active_enrollments():
    return Enrollment.objects.filter(unenrolled_at__isnull=True)


def _open_enrollments():
    return _active_enrollments().exclude(status=DONE).select_related("course", "plan")


_MARK = 987654321


def _enrollment_url(enrollment) -> str:
    """The learner's page for it: the course player (continue where they left off), or "My learning" for a plan."""
    if enrollment.course_id:
        return reverse("learning:continue", args=[enrollment.course_id])
    return reverse("learning:my_learning")


def _enrollment_url_sql():
    """`_enrollment_url` as SQL, for the set-based INSERT ... SELECT rules."""
    head, tail = reverse("learning:continue", args=[_MARK]).split(str(_MARK))
    return Case(
        When(
            course_id__isnull=False,
            then=Concat(Value(head), Cast("course_id", output_field=CharField()), Value(tail)),
        ),
        default=Value(reverse("learning:my_learning")),
        output_field=CharField(),
    )


# --- salespeople ---------------------------------------------------------------------------------------------------


def rule_due_soon(*, now: dt.datetime, id_range=None) -> int:
    """Due in 3 days, and due in 1 day (local dates): one reminder each per due date. Each is one INSERT ... SELECT
    over the whole set (no rows through Python), minus the enrollments already reminded."""
    today = _today(now)
    written = 0
    for days in (3, 1):
        due = today + dt.timedelta(days=days)
        occasion = f"d{days}:{due.isoformat()}"
        todo = not_yet_notified(_open_enrollments().filter(due_date=due), kind="due_soon", occasion=occasion)
        written += notify_from_query(
            source=in_range(todo, id_range),
            kind="due_soon",
            recipient="user_id",
            subject=subject_of("learning.enrollment:"),
            occasion=occasion,
            context={
                "title": Coalesce(F("course__title"), F("plan__title")),
                "days": days,
                "due_date": due.isoformat(),
            },
            url=_enrollment_url_sql(),
            now=now,
        )
    return written


OVERDUE_WEEKS = 53


def rule_overdue(*, now: dt.datetime, id_range=None) -> int:
    """The day after the due date, then every 7 days, for as long as it stays not completed (up to a year).
    One INSERT ... SELECT over every week at once: the occasion ("w<week>:<due date>") is a CASE over the 53 due
    dates that fire today, minus the enrollments already reminded for that week."""
    today = _today(now)
    weeks = {today - dt.timedelta(days=1 + 7 * week): week for week in range(OVERDUE_WEEKS)}
    occasion = Case(
        *(When(due_date=due, then=Value(f"w{week}:{due.isoformat()}")) for due, week in weeks.items()),
        output_field=CharField(),
    )
    todo = not_yet_notified(_open_enrollments().filter(due_date__in=list(weeks)), kind="overdue", occasion=occasion)
    return notify_from_query(
        source=in_range(todo, id_range),
        kind="overdue",
        recipient="user_id",
        subject=subject_of("learning.enrollment:"),
        occasion=F("n_occasion"),
        context={
            "title": Coalesce(F("course__title"), F("plan__title")),
            "due_date": Cast("due_date", output_field=CharField()),
        },
        url=_enrollment_url_sql(),
        now=now,
    )


def rule_manager_escalation(*, now: dt.datetime, id_range=None) -> int:
    """7 days overdue: every manager of the person's team or of a team above it hears once per enrollment."""
    due = _today(now) - dt.timedelta(days=7)
    rows = list(in_range(_open_enrollments().filter(due_date=due).select_related("user", "user__team"), id_range))
    if not rows:
        return 0
    managers_by_team = defaultdict(set)
    for team_id, manager_id in Team.managers.through.objects.values_list("team_id", "user_id"):
        managers_by_team[team_id].add(manager_id)
    specs = []
    for e in rows:
        team = e.user.team
        if team is None:
            continue
        ancestor_ids = [int(p) for p in team.path.strip("/").split("/") if p]
        for manager_id in set().union(*(managers_by_team.get(t, set()) for t in ancestor_ids)):
            specs.append(
                Spec(
                    recipient_id=manager_id,
                    kind="manager_escalation",
                    subject=subject_key(e),
                    occasion="d7",
                    context={
                        "title": _title(e),
                        "person": e.user.display_name or e.user.get_username(),
                        "due_date": due.isoformat(),
                    },
                    url=reverse("dashboards:person", args=[e.user_id]),
                )
            )
    return notify_many(specs=specs, now=now)


def rule_session_tomorrow(*, now: dt.datetime, id_range=None) -> int:
    """Every enrolled person of a plan with a session tomorrow: time, room, what to bring."""
    tomorrow = _today(now) + dt.timedelta(days=1)
    # session date = plan.start_date + (day - 1)
    max_day = Session.objects.aggregate(m=Coalesce(Max("day"), 0))["m"]
    match = Q(pk__in=[])
    for day in range(1, max_day + 1):
        match |= Q(day=day, plan__start_date=tomorrow - dt.timedelta(days=day - 1))
    sessions = list(
        Session.objects.filter(match, plan__status="published", plan__is_template=False)
        .select_related("plan")
        .order_by("start_time", "id")
    )
    if not sessions:
        return 0
    by_plan = defaultdict(list)
    for s in sessions:
        by_plan[s.plan_id].append(s)
    specs = []
    for e in in_range(_open_enrollments().filter(plan_id__in=by_plan), id_range):
        for s in by_plan[e.plan_id]:
            specs.append(
                Spec(
                    recipient_id=e.user_id,
                    kind="session_tomorrow",
                    subject=subject_key(s),
                    occasion=tomorrow.isoformat(),
                    context={
                        "title": s.title,
                        "date": tomorrow.isoformat(),
                        "start": s.start_time.strftime("%H:%M") if s.start_time else "",
                        "end": s.end_time.strftime("%H:%M") if s.end_time else "",
                        "room": s.room or s.plan.venue or "—",
                        "bring": s.notes or s.plan.equipment or "—",
                    },
                    url=_enrollment_url(e),
                )
            )
    return notify_many(specs=specs, now=now)


def rule_certificate_expiring(*, now: dt.datetime, id_range=None) -> int:
    """A certificate expiring in 30 days: once, with a nudge to enroll again. Not for a certificate that a newer
    one of the same course replaced (the person renewed and completed again: nothing to renew)."""
    expires = _today(now) + dt.timedelta(days=30)
    specs = [
        Spec(
            recipient_id=c.user_id,
            kind="certificate_expiring",
            subject=subject_key(c),
            occasion=expires.isoformat(),
            context={"title": c.course_title, "expires_on": expires.isoformat()},
            # The course in the catalogue, where one enrolls again.
            url=reverse("learning:course_detail", args=[c.course_id]) if c.course_id else "",
        )
        for c in in_range(
            Certificate.objects.filter(expires_on=expires, user__is_active=True).filter(~certificate_superseded()),
            id_range,
        )
    ]
    return notify_many(specs=specs, now=now)


# --- managers and trainers: digests ---------------------------------------------------------------------------------


def rule_manager_weekly_digest(*, now: dt.datetime, id_range=None) -> int:
    """Monday 09:00: for each manager, completion, overdue list and lowest scores over the teams they manage
    (and the teams below). Aggregated per team in one query, then rolled up per manager."""
    today = _today(now)
    year, week, _ = today.isocalendar()
    occasion = f"{year}-W{week:02d}"
    per_team = {
        row["user__team_id"]: row
        for row in Enrollment.objects.filter(unenrolled_at__isnull=True)
        .values("user__team_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=DONE)),
            overdue=Count("id", filter=~Q(status=DONE) & Q(due_date__lt=today)),
        )
    }
    paths = dict(Team.objects.values_list("id", "path"))
    managers = defaultdict(set)
    for team_id, manager_id in Team.managers.through.objects.values_list("team_id", "user_id"):
        managers[manager_id].add(paths[team_id])
    manager_ids = in_range(User.objects.filter(id__in=managers), id_range).values_list("id", flat=True)
    specs = []
    for manager_id in manager_ids:
        prefixes = tuple(managers[manager_id])
        team_ids = [t for t, p in paths.items() if p.startswith(prefixes)]
        total = sum(per_team.get(t, {}).get("total", 0) for t in team_ids)
        done = sum(per_team.get(t, {}).get("done", 0) for t in team_ids)
        overdue_count = sum(per_team.get(t, {}).get("overdue", 0) for t in team_ids)  # the list shows 20 at most
        overdue_list = list(
            Enrollment.objects.filter(user__team_id__in=team_ids, due_date__lt=today, unenrolled_at__isnull=True)
            .exclude(status=DONE)
            .select_related("user", "course", "plan")
            .order_by("due_date")[:20]
        )
        lowest = []
        if Attempt is not None:
            lowest = list(
                Attempt.objects.filter(user__team_id__in=team_ids, status="graded", percent__isnull=False)
                .values("user__display_name", "user__username")
                .annotate(avg=Avg("percent"))
                .order_by("avg")[:5]
            )
        specs.append(
            Spec(
                recipient_id=manager_id,
                kind="manager_weekly_digest",
                subject="teams",
                occasion=occasion,
                url=reverse("dashboards:home"),
                context={
                    "week": occasion,
                    "completion": round(100 * done / total) if total else 0,
                    "overdue_count": overdue_count,
                    "overdue": [
                        {
                            "person": e.user.display_name or e.user.get_username(),
                            "title": _title(e),
                            "due_date": e.due_date.isoformat(),
                        }
                        for e in overdue_list
                    ],
                    "lowest": [
                        {"person": r["user__display_name"] or r["user__username"], "score": round(float(r["avg"]), 1)}
                        for r in lowest
                    ],
                },
            )
        )
    return notify_many(specs=specs, now=now)


def rule_trainer_grading_digest(*, now: dt.datetime, id_range=None) -> int:
    """Daily: each trainer owning quizzes with answers waiting for manual grading hears how many."""
    today = _today(now)
    rows = (
        Attempt.objects.filter(status="submitted")  # submitted = waiting for manual grading
        .values("quiz__owners")
        .annotate(count=Count("id"))
    )
    specs = [
        Spec(
            recipient_id=r["quiz__owners"],
            kind="trainer_grading_digest",
            subject="grading",
            occasion=today.isoformat(),
            context={"count": r["count"]},
        )
        for r in rows
        if r["quiz__owners"] and r["count"]
    ]
    return notify_many(specs=specs, now=now)


# --- event hooks (call inside the event's transaction) --------------------------------------------------------------


def notify_assigned(*, enrollments) -> int:
    """A new learning task, once per enrollment. Call with the rows just written (not unenrolled ones)."""
    return notify_many(
        specs=[
            Spec(
                recipient_id=e.user_id,
                kind="assigned",
                subject=subject_key(e),
                context={"title": _title(e), "due_date": e.due_date.isoformat() if e.due_date else ""},
                url=_enrollment_url(e),
            )
            for e in enrollments
            if e.unenrolled_at is None and e.status != DONE
        ]
    )


def notify_quiz_graded(*, attempt) -> int:
    """A quiz result once manually graded, once per attempt."""
    return notify_many(
        specs=[
            Spec(
                recipient_id=attempt.user_id,
                kind="quiz_graded",
                subject=subject_key(attempt),
                context={
                    "title": attempt.quiz.title,
                    "score": f"{attempt.score}/{attempt.max_score}" if attempt.score is not None else "",
                },
            )
        ]
    )


register_kind(
    Kind(
        "attempt_request_decided",
        _("Request for another attempt answered"),
        lambda c: _fmt(
            gettext("You may take %(title)s once more")
            if c.get("granted")
            else gettext("Your request for another attempt at %(title)s was declined"),
            c,
        ),
        lambda c: (
            gettext("Open the quiz to start your new attempt.")
            if c.get("granted")
            else _fmt(gettext("Talk to %(trainer)s about what to do next."), c)
        ),
    )
)


def notify_attempt_request_decided(*, attempt_request) -> int:
    """The learner hears a trainer's answer to their request for another attempt, once per request."""
    granted = attempt_request.status == "granted"
    by = attempt_request.decided_by
    return notify_many(
        specs=[
            Spec(
                recipient_id=attempt_request.user_id,
                kind="attempt_request_decided",
                subject=subject_key(attempt_request),
                context={
                    "title": attempt_request.quiz.title,
                    "granted": granted,
                    "trainer": (by.display_name or by.get_username()) if by else "",
                },
                url=reverse("assessments:quiz", args=[attempt_request.quiz_id]),
            )
        ]
    )


# The learner hears of the coaching on their role play (the notice opens the session's scorecard).
register_kind(
    Kind(
        "practice_comment",
        _("Coaching comment on your practice"),
        lambda c: _fmt(gettext("%(coach)s commented on your practice: %(title)s"), c),
        lambda c: c.get("excerpt", ""),
    )
)
register_kind(
    Kind(
        "practice_override",
        _("Practice score adjusted"),
        lambda c: _fmt(gettext("%(coach)s adjusted your practice score: %(title)s"), c),
        lambda c: _fmt(gettext("Score %(before)s → %(after)s. Open the scorecard to read why."), c),
    )
)

EXCERPT_CHARS = 140


def _coach_name(user) -> str:
    return user.display_name or user.get_username()


def _scorecard_url(session_id: int) -> str:
    return reverse("practice:session", args=[session_id])


def notify_practice_comment(*, comment: CoachingComment) -> int:
    """A coach's comment, once per comment, to the salesperson whose session it is."""
    body = comment.body if len(comment.body) <= EXCERPT_CHARS else comment.body[: EXCERPT_CHARS - 1] + "…"
    return notify_many(
        specs=[
            Spec(
                recipient_id=comment.session.user_id,
                kind="practice_comment",
                subject=subject_key(comment),
                context={
                    "coach": _coach_name(comment.author),
                    "title": comment.session.scenario.title,
                    "excerpt": body,
                },
                url=_scorecard_url(comment.session_id),
            )
        ]
    )


def notify_practice_override(*, override: ScoreOverride) -> int:
    """A coach's correction of the scores, once per correction, to the salesperson whose session it is."""
    before = override.previous_score if override.previous_score is not None else override.scorer_score
    return notify_many(
        specs=[
            Spec(
                recipient_id=override.session.user_id,
                kind="practice_override",
                subject=subject_key(override),
                context={
                    "coach": _coach_name(override.author),
                    "title": override.session.scenario.title,
                    "before": before,
                    "after": override.score,
                },
                url=_scorecard_url(override.session_id),
            )
        ]
    )


NUDGE_ITEMS = 10  # overdue tasks listed in one nudge (the count says how many there are in all)


def notify_overdue_nudge(*, by, overdue: dict[int, list], now: dt.datetime | None = None) -> set[int]:
    """The dashboard's nudge: one "overdue_nudge" to each person in `overdue` ({user id: their overdue enrollments,
    with course/plan loaded}), keyed (person, today), so whoever clicks again the same day sends nothing more.
    Preferences, e-mail address and quiet hours are applied as for every notification; the text is rendered in the
    reader's language when shown or sent. Call inside the nudge's transaction. Returns the ids nudged now."""
    now = now or timezone.now()
    today = _today(now).isoformat()
    manager = by.display_name or by.get_username()
    url = reverse("learning:my_learning")
    written = notify_new(
        specs=[
            Spec(
                recipient_id=uid,
                kind="overdue_nudge",
                subject=f"user:{uid}",
                occasion=today,
                context={
                    "manager": manager,
                    "count": len(items),
                    "items": [
                        {"title": _title(e), "due_date": e.due_date.isoformat() if e.due_date else ""}
                        for e in items[:NUDGE_ITEMS]
                    ],
                },
                url=url,
            )
            for uid, items in overdue.items()
            if items
        ],
        now=now,
    )
    return {s.recipient_id for s in written}


register_kind(
    Kind(
        "reassigned",
        _("Course re-assigned"),
        lambda c: _fmt(gettext("Your course has been re-assigned: %(title)s"), c),
        lambda c: (
            _fmt(gettext("New due date: %(due_date)s."), c)
            + (" " + gettext("Your learning progress in it was reset.") if c.get("progress_reset") else "")
        ),
    )
)
register_kind(
    Kind(
        "practice_assigned",
        _("Role play assigned"),
        lambda c: _fmt(gettext("Role play to practise: %(title)s"), c),
        lambda c: _fmt(gettext("Due on %(due_date)s."), c) if c.get("due_date") else "",
    )
)


def notify_reassigned(*, enrollments, progress_reset: bool = False, now: dt.datetime | None = None) -> int:
    """A course re-opened with a new due date: one "reassigned" notice per enrollment, keyed (enrollment, today,
    due date), so assigning again the same day with the same date sends nothing more. Call inside the assigning
    transaction with the re-opened rows (course loaded)."""
    now = now or timezone.now()
    today = _today(now).isoformat()
    return notify_many(
        specs=[
            Spec(
                recipient_id=e.user_id,
                kind="reassigned",
                subject=subject_key(e),
                occasion=f"{today}:{e.due_date.isoformat() if e.due_date else ''}",
                context={
                    "title": _title(e),
                    "due_date": e.due_date.isoformat() if e.due_date else "",
                    "progress_reset": bool(progress_reset),
                },
                url=_enrollment_url(e),
            )
            for e in enrollments
            if e.unenrolled_at is None and e.status != DONE
        ],
        now=now,
    )


def notify_practice_assigned(*, assignments, now: dt.datetime | None = None) -> int:
    """A role play assigned (or its due date changed): one "practice_assigned" notice per assignment and due date,
    with a link to the scenario on the practice page (where it starts). Call inside the assigning transaction."""
    return notify_many(
        specs=[
            Spec(
                recipient_id=a.user_id,
                kind="practice_assigned",
                subject=subject_key(a),
                occasion=a.due_date.isoformat() if a.due_date else "",
                context={"title": a.scenario.title, "due_date": a.due_date.isoformat() if a.due_date else ""},
                url=f"{reverse('practice:home')}#scenario-{a.scenario_id}",
            )
            for a in assignments
            if a.completed_at is None
        ],
        now=now,
    )


register_kind(
    Kind(
        "quiz_assigned",
        _("Quiz assigned"),
        lambda c: _fmt(gettext("Quiz to take: %(title)s"), c),
        lambda c: _fmt(gettext("Due on %(due_date)s."), c) if c.get("due_date") else "",
    )
)


def notify_quiz_assigned(*, assignments, now: dt.datetime | None = None) -> int:
    """A quiz assigned (or its due date changed): one "quiz_assigned" notice per assignment and due date, with a
    link to the quiz page (where it starts). Call inside the assigning transaction (QuizAssignment rows, quiz
    loaded)."""
    return notify_many(
        specs=[
            Spec(
                recipient_id=a.user_id,
                kind="quiz_assigned",
                subject=subject_key(a),
                occasion=a.due_date.isoformat() if a.due_date else "",
                context={"title": a.quiz.title, "due_date": a.due_date.isoformat() if a.due_date else ""},
                url=reverse("assessments:quiz", args=[a.quiz_id]),
            )
            for a in assignments
            if a.completed_at is None
        ],
        now=now,
    )


def enrollment_source():
    return Enrollment.objects.all()


def register_rules() -> None:
    """Register the reminder rules over enrollments, plan sessions, certificates and attempts (NotificationsConfig)."""
    register_rule("due_soon", rule_due_soon, chunk_source=enrollment_source)
    register_rule("overdue", rule_overdue, chunk_source=enrollment_source)
    register_rule("manager_escalation", rule_manager_escalation, chunk_source=enrollment_source)
    register_rule("manager_weekly_digest", rule_manager_weekly_digest, group="manager_weekly_digest")
    register_rule("session_tomorrow", rule_session_tomorrow, chunk_source=enrollment_source)
    register_rule("certificate_expiring", rule_certificate_expiring)
    register_rule("trainer_grading_digest", rule_trainer_grading_digest, group="trainer_grading_digest")
