"""Writes for enrollments, lesson progress, certificates and the calendar feed.

Status and progress live on Enrollment and are recomputed here, whenever progress is recorded or a course's
outline changes, so pages only read them. The apps above take part through `learning.hooks`: completion
requirements (assessments/: the final quiz passed, calling `enrollment_refresh(user_id=..., course_id=...)` after
a pass; practice/: required role plays, calling `plan_enrollment_refresh(user_id=..., plan_id=...)`), and they
hear of new learning tasks, changed progress and the nightly overdue sweep.
`plan_linked_course_ids(plan)`: courses linked from the plan's sessions (`Session.course`).
"""

import csv
import io
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Case, Count, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from courses import plan_services
from courses.models import Course, Lesson, ModuleItem, TrainingPlan
from courses.uploads import VIDEO_MAX_SECONDS
from learning import hooks
from learning.models import CalendarFeed, Certificate, Enrollment, LessonProgress
from lms import import_limits
from lms.audit import AuditAction, audit_log_record_many
from lms.deferred import enqueue_on_commit
from lms.jobs import job_create
from lms.storable import text_problem
from trainees.importing import FileRejected, decode
from trainees.models import Team, User
from trainees.selectors import team_subtree_ids

ENROLL_BULK_TASK = "learning.tasks.enroll_bulk"
COURSE_PROGRESS_TASK = "learning.tasks.course_progress_refresh"


def _stats_changed(user_ids: Iterable[int], course_ids: Iterable[int] = ()) -> None:
    """These people's and courses' figures changed (dashboards/ refreshes them after the commit, set-based)."""
    hooks.progress_changed.call(user_ids=user_ids, course_ids=course_ids)


def plan_linked_course_ids(plan: TrainingPlan) -> list[int]:
    """Courses linked from the plan's sessions (`Session.course`); empty while sessions have no such field."""
    sessions = getattr(plan, "sessions", None)
    if sessions is None:
        return []
    try:
        sessions.model._meta.get_field("course")
    except FieldDoesNotExist:
        return []
    return sorted(set(sessions.filter(course__isnull=False).values_list("course_id", flat=True)))


# --- enrolling ---------------------------------------------------------------------------------------------


@dataclass
class EnrollResult:
    created: int = 0
    restored: int = 0
    already: int = 0
    user_ids: list[int] = field(default_factory=list)

    @property
    def message(self) -> str:
        parts = []
        if self.created:
            parts.append(
                ngettext("%(n)d person enrolled.", "%(n)d people enrolled.", self.created) % {"n": self.created}
            )
        if self.restored:
            parts.append(
                ngettext("%(n)d enrollment restored.", "%(n)d enrollments restored.", self.restored)
                % {"n": self.restored}
            )
        if self.already:
            parts.append(
                ngettext("%(n)d person was already enrolled.", "%(n)d people were already enrolled.", self.already)
                % {"n": self.already}
            )
        return " ".join(parts) or _("Nobody to enroll.")

    def as_dict(self) -> dict:
        return {"created": self.created, "restored": self.restored, "already": self.already, "message": self.message}


def _initial_status(due_date: date | None) -> str:
    if due_date is not None and due_date < timezone.localdate():
        return Enrollment.Status.OVERDUE
    return Enrollment.Status.NOT_STARTED


CHUNK = 1000


def _enroll_target(
    *,
    user_ids: list[int],
    course_id: int | None = None,
    plan_id: int | None = None,
    via_plan_id: int | None = None,
    due_date: date | None,
    enrolled_by_id: int | None,
    advance: Callable[[int], None] | None = None,
) -> EnrollResult:
    """Set-based: one read, one bulk insert (conflicts ignored: the unique constraint decides) and one
    restore update per chunk."""
    result = EnrollResult()
    key = {"course_id": course_id} if course_id else {"plan_id": plan_id}
    status = _initial_status(due_date)
    for start in range(0, len(user_ids), CHUNK):
        chunk = user_ids[start : start + CHUNK]
        # One transaction per chunk, so a job's progress (committed after each chunk) is visible to the page.
        with transaction.atomic():
            existing = dict(Enrollment.objects.filter(user_id__in=chunk, **key).values_list("user_id", "unenrolled_at"))
            new = [uid for uid in chunk if uid not in existing]
            restore = [uid for uid, gone in existing.items() if gone is not None]
            if new:
                Enrollment.objects.bulk_create(
                    [
                        Enrollment(
                            user_id=uid,
                            due_date=due_date,
                            status=status,
                            enrolled_by_id=enrolled_by_id,
                            via_plan_id=via_plan_id,
                            **key,
                        )
                        for uid in new
                    ],
                    batch_size=1000,
                    ignore_conflicts=True,
                )
                rows = list(Enrollment.objects.filter(user_id__in=chunk, **key).select_related("course", "plan"))
                created = len(rows) - len(existing)
                result.created += created
                result.already += len(new) - created
                new_ids = set(new)
                assigned = [e for e in rows if e.user_id in new_ids]
            else:
                assigned = []
            if restore:
                fields = {"unenrolled_at": None}
                if due_date is not None:
                    fields["due_date"] = due_date
                Enrollment.objects.filter(user_id__in=restore, **key).update(**fields)
                if via_plan_id is None:
                    assigned += Enrollment.objects.filter(user_id__in=restore, **key).select_related("course", "plan")
            if assigned and via_plan_id is None:
                # "New learning task" for the course or plan chosen (not for each course a plan links), in this
                # chunk's transaction; a repeat (re-enrolling) is absorbed by the outbox's unique key.
                hooks.enrollments_assigned.call(enrollments=assigned)
        result.restored += len(restore)
        result.already += len(existing) - len(restore)
        result.user_ids.extend(new)
        if advance:
            advance(len(chunk))
    if course_id and result.user_ids:
        # People who already finished shared lessons elsewhere start with that progress (a set-based read).
        with_progress = set(
            LessonProgress.objects.filter(
                user_id__in=result.user_ids,
                completed_at__isnull=False,
                lesson__placements__course_id=course_id,
            ).values_list("user_id", flat=True)
        )
        if with_progress:
            with transaction.atomic():
                _recompute(list(Enrollment.objects.filter(course_id=course_id, user_id__in=with_progress)))
    _stats_changed(user_ids, [course_id] if course_id else [])
    return result


def enroll_users(
    *,
    user_ids: Iterable[int],
    course: Course | None = None,
    plan: TrainingPlan | None = None,
    due_date: date | None = None,
    enrolled_by: User | None = None,
    advance: Callable[[int], None] | None = None,
) -> EnrollResult:
    """Enroll people in a course, or in a plan and each course its sessions link. Idempotent: run twice, the
    unique constraints leave one row each. Commits per chunk of CHUNK people (see _enroll_target)."""
    if (course is None) == (plan is None):
        raise ValidationError(_("Choose a course or a training plan."))
    ids = sorted(set(user_ids))
    by = enrolled_by.id if enrolled_by else None
    if course is not None:
        return _enroll_target(user_ids=ids, course_id=course.id, due_date=due_date, enrolled_by_id=by, advance=advance)
    result = _enroll_target(user_ids=ids, plan_id=plan.id, due_date=due_date, enrolled_by_id=by, advance=advance)
    for course_id in plan_linked_course_ids(plan):
        _enroll_target(user_ids=ids, course_id=course_id, via_plan_id=plan.id, due_date=due_date, enrolled_by_id=by)
    return result


def enrollment_create(
    *,
    user: User,
    course: Course | None = None,
    plan: TrainingPlan | None = None,
    due_date: date | None = None,
    enrolled_by: User | None = None,
) -> tuple[Enrollment, EnrollResult]:
    """One person. Two concurrent calls create one row: the unique constraint settles the race."""
    try:
        result = enroll_users(user_ids=[user.id], course=course, plan=plan, due_date=due_date, enrolled_by=enrolled_by)
    except IntegrityError:
        result = EnrollResult(already=1)
    enrollment = Enrollment.objects.get(user=user, **({"course": course} if course else {"plan": plan}))
    return enrollment, result


def team_member_ids(*, team: Team) -> list[int]:
    """Active members of the team and of every team below it."""
    return list(
        User.objects.filter(team_id__in=team_subtree_ids(team_ids=[team.id]), is_active=True).values_list(
            "id", flat=True
        )
    )


# --- assigning a course with a due date (re-opening what is overdue or done) --------------------------------


@dataclass
class AssignResult:
    """What `course_assign` did, counted per person: `enrolled` new enrollments, `reassigned` overdue, completed
    or unenrolled ones re-opened with the new due date, `unchanged` open ones on time (left as they are),
    `progress_reset` people whose lesson progress in the course was deleted."""

    due_date: date
    enrolled: int = 0
    reassigned: int = 0
    unchanged: int = 0
    progress_reset: int = 0

    @property
    def message(self) -> str:
        due = date_format(self.due_date, "MONTH_DAY_FORMAT")
        parts = []
        if self.reassigned:
            parts.append(
                ngettext(
                    "%(n)d person re-assigned (new due date %(due)s)",
                    "%(n)d people re-assigned (new due date %(due)s)",
                    self.reassigned,
                )
                % {"n": self.reassigned, "due": due}
            )
        if self.enrolled and self.reassigned:
            parts.append(
                ngettext("%(n)d person newly enrolled", "%(n)d people newly enrolled", self.enrolled)
                % {"n": self.enrolled}
            )
        elif self.enrolled:
            parts.append(
                ngettext(
                    "%(n)d person newly enrolled (due %(due)s)",
                    "%(n)d people newly enrolled (due %(due)s)",
                    self.enrolled,
                )
                % {"n": self.enrolled, "due": due}
            )
        if self.unchanged:
            parts.append(
                ngettext(
                    "%(n)d person already taking it on time (unchanged)",
                    "%(n)d people already taking it on time (unchanged)",
                    self.unchanged,
                )
                % {"n": self.unchanged}
            )
        if self.progress_reset:
            parts.append(
                ngettext(
                    "learning progress reset for %(n)d person",
                    "learning progress reset for %(n)d people",
                    self.progress_reset,
                )
                % {"n": self.progress_reset}
            )
        return results_sentence(parts)

    def as_dict(self) -> dict:
        return {
            "enrolled": self.enrolled,
            "reassigned": self.reassigned,
            "unchanged": self.unchanged,
            "progress_reset": self.progress_reset,
            "due_date": self.due_date.isoformat(),
            "message": self.message,
        }


@transaction.atomic
def course_assign(
    *,
    user_ids: Iterable[int],
    course: Course,
    due_date: date,
    by: User | None,
    reset_progress: bool = False,
    request=None,
) -> AssignResult:
    """Assign a course with a due date (the managers' remediation), in one transaction, set-based.

    - No enrollment yet: enrolled (the "assigned" notice).
    - Overdue, completed or unenrolled: re-opened with the new due date: overdue cleared, completion cleared (its
      certificate stays as history, detached like a renewal's, so the next completion issues a new one), status
      back to in progress when the person had started, else not started; the "reassigned" notice
      (`hooks.enrollments_reassigned`); one audit entry each.
    - Open and on time: unchanged.
    `reset_progress`: the re-opened people's lesson progress in this course is deleted (lessons shared with their
    other open courses: those are recomputed), status not started; one audit entry per person.
    Refused (ValidationError) without a due date or with one in the past. The caller checks who `by` may assign."""
    today = timezone.localdate()
    if due_date is None:
        raise ValidationError({"due_date": _("Choose a due date.")}, code="no_due_date")
    if due_date < today:
        raise ValidationError({"due_date": _("The due date cannot be in the past.")}, code="past_due_date")
    ids = sorted(set(user_ids))
    result = AssignResult(due_date=due_date)
    if not ids:
        return result
    existing = list(
        Enrollment.objects.select_for_update()
        .filter(course_id=course.id, user_id__in=ids)
        .only("id", "user_id", "course_id", "plan_id", "status", "due_date", "unenrolled_at", "progress", "started_at")
        .order_by("id")
    )
    by_user = {e.user_id: e for e in existing}
    reopen = [e for e in existing if e.unenrolled_at is not None or _is_closed_or_late(e, today)]
    result.unchanged = len(existing) - len(reopen)
    new_ids = [uid for uid in ids if uid not in by_user]
    if new_ids:
        enrolled = _enroll_target(
            user_ids=new_ids, course_id=course.id, due_date=due_date, enrolled_by_id=by.id if by else None
        )
        result.enrolled = enrolled.created
        result.unchanged += enrolled.already
    if reopen:
        _reopen(reopen, course=course, due_date=due_date, by=by, reset_progress=reset_progress, request=request)
        result.reassigned = len(reopen)
        result.progress_reset = len(reopen) if reset_progress else 0
    _stats_changed(ids, [course.id])
    return result


def results_sentence(parts: list[str]) -> str:
    """Counted results as one sentence: "A, B, C." ("A，B，C。"), or "Nobody to assign."."""
    if not parts:
        return _("Nobody to assign.")
    text = parts[0]
    for part in parts[1:]:
        text = _("%(before)s, %(next)s") % {"before": text, "next": part}
    return _("%(parts)s.") % {"parts": text}


def _is_closed_or_late(e: Enrollment, today: date) -> bool:
    if e.status in (Enrollment.Status.OVERDUE, Enrollment.Status.COMPLETED):
        return True
    return e.due_date is not None and e.due_date < today


def _reopen(
    reopen: list[Enrollment], *, course: Course, due_date: date, by: User | None, reset_progress: bool, request
) -> None:
    """The re-opening half of `course_assign`: a fixed number of statements for the whole list (plus the plans
    some of them belong to)."""
    ids = [e.id for e in reopen]
    user_ids = sorted({e.user_id for e in reopen})
    completed_ids = [e.id for e in reopen if e.status == Enrollment.Status.COMPLETED]
    qs = Enrollment.objects.filter(id__in=ids)
    common = {"due_date": due_date, "completed_at": None, "unenrolled_at": None}
    lesson_ids: list[int] = []
    deleted: dict[int, int] = {}
    if reset_progress:
        lesson_ids = list(ModuleItem.objects.filter(course_id=course.id).values_list("lesson_id", flat=True))
        deleted = dict(
            LessonProgress.objects.filter(user_id__in=user_ids, lesson_id__in=lesson_ids)
            .values("user_id")
            .annotate(n=Count("id"))
            .values_list("user_id", "n")
        )
        LessonProgress.objects.filter(user_id__in=user_ids, lesson_id__in=lesson_ids).delete()
        qs.update(**common, progress=0, status=Enrollment.Status.NOT_STARTED, started_at=None, last_lesson=None)
    else:
        qs.update(
            **common,
            status=Case(
                When(Q(progress__gt=0) | Q(started_at__isnull=False), then=Value(Enrollment.Status.IN_PROGRESS)),
                default=Value(Enrollment.Status.NOT_STARTED),
            ),
        )
    if completed_ids:
        # Kept as history, like a renewal's: the next completion of the re-opened enrollment issues a new one.
        Certificate.objects.filter(enrollment_id__in=completed_ids).update(enrollment=None)
    audit_log_record_many(
        actor=by,
        action=AuditAction.ENROLLMENT_REASSIGN,
        changes=[
            (
                e,
                {
                    "course": course.id,
                    "person": e.user_id,
                    "from_status": e.status,
                    "from_due_date": e.due_date,
                    "was_unenrolled": e.unenrolled_at is not None,
                    "to_due_date": due_date,
                    "progress_reset": reset_progress,
                },
            )
            for e in reopen
        ],
        request=request,
    )
    if reset_progress:
        people = {u.id: u for u in User.objects.filter(id__in=user_ids)}
        audit_log_record_many(
            actor=by,
            action=AuditAction.PROGRESS_RESET,
            changes=[
                (people[uid], {"course": course.id, "lessons": deleted.get(uid, 0)})
                for uid in user_ids
                if uid in people
            ],
            request=request,
        )
        # Other open courses of these people sharing the lessons lost that progress too.
        _recompute(
            list(
                Enrollment.objects.filter(
                    user_id__in=user_ids, unenrolled_at__isnull=True, course__items__lesson_id__in=lesson_ids
                )
                .exclude(course_id=course.id)
                .exclude(status=Enrollment.Status.COMPLETED)
                .distinct()
            )
        )
    rows = list(Enrollment.objects.filter(id__in=ids).select_related("course"))
    _refresh_plan_enrollments(rows)
    hooks.enrollments_reassigned.call(enrollments=rows, progress_reset=reset_progress)


def plan_enrollment_check(*, plan: TrainingPlan | None) -> None:
    """A trainer enrolls people only into a published plan. A draft is refused rather than confirmed: its learners
    could not see it (only published plans reach them), the enrollment notice would point at a page they cannot
    open, and the trainer would learn of it from the learners. Publish first, then enroll. (The primitives below,
    `enroll_users` and `enrollment_create`, stay unchecked for demo data and the queued task, which was checked
    when it was queued.)"""
    if plan is None:
        return
    if plan.is_template:
        raise ValidationError({"plan": [_("A template takes no enrollments: clone it into a plan and publish that.")]})
    if plan.status == TrainingPlan.Status.DRAFT:
        message = _("This plan is still a draft: learners cannot see it before it is published. Publish it first.")
        raise ValidationError({"plan": [message]})


def enrollment_assign(
    *,
    user: User,
    course: Course | None = None,
    plan: TrainingPlan | None = None,
    due_date: date | None = None,
    enrolled_by: User,
) -> tuple[Enrollment, EnrollResult]:
    """A trainer enrolls one person (pages and API): the plan rule, then `enrollment_create`."""
    plan_enrollment_check(plan=plan)
    return enrollment_create(user=user, course=course, plan=plan, due_date=due_date, enrolled_by=enrolled_by)


def team_enroll(
    *,
    team: Team,
    course: Course | None = None,
    plan: TrainingPlan | None = None,
    due_date: date | None = None,
    enrolled_by: User,
):
    """A trainer enrolls a team and its sub-teams (pages and API). For a plan, the team also joins the plan's
    teams (its 团队 on the plan page; their managers read the plan). Returns what `enroll_or_queue` returns."""
    plan_enrollment_check(plan=plan)
    ids = team_member_ids(team=team)
    if plan is not None and ids:
        plan_services.plan_teams_add(plan=plan, teams=[team])
    return enroll_or_queue(user_ids=ids, course=course, plan=plan, due_date=due_date, enrolled_by=enrolled_by)


def enroll_or_queue(
    *,
    user_ids: list[int],
    course: Course | None = None,
    plan: TrainingPlan | None = None,
    due_date: date | None = None,
    enrolled_by: User,
):
    """Enroll now when small; above ENROLLMENT_SYNC_LIMIT people, queue a Celery task and return its Job.
    What trainers ask for on the pages and the API: the plan must take enrollments (`plan_enrollment_check`)."""
    plan_enrollment_check(plan=plan)
    ids = sorted(set(user_ids))
    if len(ids) <= settings.ENROLLMENT_SYNC_LIMIT:
        return enroll_users(user_ids=ids, course=course, plan=plan, due_date=due_date, enrolled_by=enrolled_by)
    with transaction.atomic():
        job = job_create(kind="enrollment", owner=enrolled_by, total=len(ids))
        args = {
            "job_id": job.id,
            "user_ids": ids,
            "course_id": course.id if course else None,
            "plan_id": plan.id if plan else None,
            "due_date": due_date.isoformat() if due_date else None,
            "enrolled_by_id": enrolled_by.id,
        }
        enqueue_on_commit(ENROLL_BULK_TASK, **args)
    return job


@transaction.atomic
def enrollment_unenroll(*, enrollment: Enrollment) -> Enrollment:
    """Soft: the row and its progress stay; re-enrolling restores it."""
    now = timezone.now()
    if enrollment.unenrolled_at is None:
        enrollment.unenrolled_at = now
        enrollment.save(update_fields=["unenrolled_at"])
    if enrollment.plan_id:
        Enrollment.objects.filter(
            user_id=enrollment.user_id, via_plan_id=enrollment.plan_id, unenrolled_at__isnull=True
        ).update(unenrolled_at=now)
    _stats_changed([enrollment.user_id])
    return enrollment


@transaction.atomic
def enrollment_restore(*, enrollment: Enrollment) -> Enrollment:
    enrollment.unenrolled_at = None
    enrollment.save(update_fields=["unenrolled_at"])
    if enrollment.plan_id:
        Enrollment.objects.filter(user_id=enrollment.user_id, via_plan_id=enrollment.plan_id).update(unenrolled_at=None)
    _stats_changed([enrollment.user_id])
    return enrollment


@transaction.atomic
def self_enroll(*, user: User, course: Course) -> tuple[Enrollment, EnrollResult]:
    if not (course.is_published and course.self_enroll):
        raise ValidationError(_("This course is assigned by trainers; you cannot enrol yourself."))
    missing = course.prerequisites.exclude(
        enrollments__user=user, enrollments__status=Enrollment.Status.COMPLETED
    ).values_list("title", flat=True)
    if missing:
        raise ValidationError(_("Finish these courses first: %(titles)s.") % {"titles": "、".join(missing)})
    return enrollment_create(user=user, course=course, enrolled_by=user)


# --- renewal (re-enrollment when a certificate expires) ---------------------------------------------------

# How many days before a certificate's expiry the person may take the course again; the certificate-expiring
# notice (notifications.domain_rules) is sent this many days ahead.
CERTIFICATE_RENEW_DAYS = 30


def certificate_renewable(*, certificate: Certificate | None) -> bool:
    """Expired, or expiring within CERTIFICATE_RENEW_DAYS (a certificate without an expiry never needs renewing)."""
    if certificate is None or certificate.expires_on is None:
        return False
    return certificate.expires_on <= timezone.localdate() + timedelta(days=CERTIFICATE_RENEW_DAYS)


def renewal_state(*, user: User, course: Course) -> str:
    """ "renewable" (completed, certificate near or past expiry), "renewed" (taking the course again after a
    certificate), or "" (nothing to renew)."""
    enrollment = Enrollment.objects.filter(user=user, course=course, unenrolled_at__isnull=True).first()
    if enrollment is None:
        return ""
    if enrollment.status == Enrollment.Status.COMPLETED:
        cert = Certificate.objects.filter(enrollment=enrollment).first()
        return "renewable" if certificate_renewable(certificate=cert) else ""
    if Certificate.objects.filter(user=user, course=course, enrollment__isnull=True).exists():
        return "renewed"
    return ""


@dataclass
class RenewResult:
    enrollment: Enrollment
    renewed: bool

    @property
    def message(self) -> str:
        if self.renewed:
            return _("You are taking this course again. Your current certificate stays valid until it expires.")
        return _("You have already renewed this course; carry on learning.")


@transaction.atomic
def enrollment_renew(*, user: User, course: Course) -> RenewResult:
    """Take a completed course again because its certificate expired or expires soon.

    The same enrollment row restarts (status, progress and completion cleared, the course's lesson progress reset)
    and its certificate is detached and kept as history; the next completion issues a new certificate. Renewing
    again while the course is being retaken changes nothing (renewed=False). Refused (ValidationError) when there
    is no completed enrollment or the certificate is not near expiry.
    """
    enrollment = (
        Enrollment.objects.select_for_update().filter(user=user, course=course, unenrolled_at__isnull=True).first()
    )
    if enrollment is None:
        raise ValidationError(_("You are not enrolled in this course."), code="not_enrolled")
    if enrollment.status != Enrollment.Status.COMPLETED:
        if Certificate.objects.filter(user=user, course=course, enrollment__isnull=True).exists():
            return RenewResult(enrollment=enrollment, renewed=False)
        raise ValidationError(_("Finish the course first; there is nothing to renew yet."), code="not_completed")
    certificate = Certificate.objects.filter(enrollment=enrollment).first()
    if not certificate_renewable(certificate=certificate):
        raise ValidationError(
            _("Your certificate is still valid; you can renew it from %(days)d days before it expires.")
            % {"days": CERTIFICATE_RENEW_DAYS},
            code="not_due",
        )
    certificate.enrollment = None
    certificate.save(update_fields=["enrollment"])
    lesson_ids = list(ModuleItem.objects.filter(course=course).values_list("lesson_id", flat=True))
    LessonProgress.objects.filter(user=user, lesson_id__in=lesson_ids).update(
        completed_at=None, seconds_watched=0, last_position=0, last_heartbeat_at=None, updated_at=timezone.now()
    )
    enrollment.status = Enrollment.Status.NOT_STARTED
    enrollment.progress = 0
    enrollment.completed_at = None
    enrollment.started_at = None
    enrollment.last_lesson = None
    if enrollment.due_date is not None and enrollment.due_date < timezone.localdate():
        enrollment.due_date = None  # courses carry no default duration: the old, passed due date no longer applies
    enrollment.save(update_fields=["status", "progress", "completed_at", "started_at", "last_lesson", "due_date"])
    # Other open courses sharing these lessons lose that progress too: recompute them.
    others = list(
        Enrollment.objects.filter(user=user, unenrolled_at__isnull=True, course__items__lesson_id__in=lesson_ids)
        .exclude(id=enrollment.id)
        .exclude(status=Enrollment.Status.COMPLETED)
        .distinct()
    )
    _recompute(others)
    if enrollment.via_plan_id:
        _refresh_plan_enrollment(enrollment.user_id, enrollment.via_plan_id)
    _stats_changed([user.id], [course.id])
    return RenewResult(enrollment=enrollment, renewed=True)


# --- CSV of employee numbers -------------------------------------------------------------------------------

HEADER_NAMES = {"employee_no", "employee number", "工号", "员工编号", "员工号"}


@dataclass
class CsvPreview:
    user_ids: list[int] = field(default_factory=list)
    employee_nos: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.user_ids)


def decode_csv(raw: bytes) -> str:
    """The people import's decoder (UTF-8 with or without BOM, or GBK; binary, Excel and UTF-16 files refused);
    an empty file reads as no lines, so the preview says it lists no employee numbers."""
    if not raw.strip():
        return ""
    try:
        return decode(raw)[0]
    except FileRejected as exc:
        raise ValidationError(str(exc), code="encoding") from exc


def employee_csv_preview(*, raw: bytes) -> CsvPreview:
    """All-or-nothing: any unknown number is reported with its line, and then nothing is enrolled."""
    if len(raw) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(_("The file is too large."), code="too_large")
    text = decode_csv(raw)
    try:
        import_limits.check_csv(text)
    except import_limits.LimitExceeded as exc:
        raise ValidationError(str(exc), code="too_large") from None
    preview = CsvPreview()
    wanted: list[tuple[int, str]] = []
    # newline="": a \r alone ends a line too; a quoted cell may span lines, so rows are numbered by the line
    # they start on.
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0
    try:
        for row in reader:
            line_no, previous_end = previous_end + 1, reader.line_num
            cell = (row[0] if row else "").strip()
            if not cell:
                continue
            if line_no == 1 and cell.lower() in HEADER_NAMES:
                continue
            wanted.append((line_no, cell))
    except csv.Error as exc:
        raise ValidationError(
            _("Line %(line)s of the CSV file could not be read: %(e)s") % {"line": reader.line_num, "e": exc},
            code="csv",
        ) from None
    preview.rows = len(wanted)
    if not wanted:
        preview.errors.append(_("The file lists no employee numbers."))
        return preview
    numbers = sorted({no for _, no in wanted})
    found: dict[str, int] = {}
    for start in range(0, len(numbers), 2000):  # SQLite allows a limited number of query parameters
        chunk = numbers[start : start + 2000]
        found.update(User.objects.filter(employee_no__in=chunk, is_active=True).values_list("employee_no", "id"))
    seen: set[str] = set()
    for line_no, no in wanted:
        if no not in found:
            preview.errors.append(_("Line %(line)d: unknown employee number “%(no)s”.") % {"line": line_no, "no": no})
        elif no not in seen:
            seen.add(no)
            preview.employee_nos.append(no)
            preview.user_ids.append(found[no])
    return preview


def user_ids_for_employee_nos(*, employee_nos: Iterable[str]) -> tuple[list[int], list[str]]:
    nos = [n.strip() for n in employee_nos if n and n.strip()]
    # A number with a NUL belongs to nobody, and PostgreSQL cannot even compare one (a 500 from the CSV confirm page).
    storable = [n for n in nos if not text_problem(n)]
    found = dict(User.objects.filter(employee_no__in=storable, is_active=True).values_list("employee_no", "id"))
    missing = [n for n in nos if n not in found]
    return sorted(set(found.values())), missing


# --- progress ----------------------------------------------------------------------------------------------


def _requirements_met(enrollment: Enrollment) -> bool:
    return all(hooks.completion_requirement.call(enrollment=enrollment))


def _recompute(enrollments: list[Enrollment]) -> list[Enrollment]:
    """Recompute progress and status of course enrollments (a few queries for the whole list)."""
    enrollments = [e for e in enrollments if e.course_id and e.status != Enrollment.Status.COMPLETED]
    if not enrollments:
        return []
    course_ids = {e.course_id for e in enrollments}
    user_ids = {e.user_id for e in enrollments}
    required = dict(
        ModuleItem.objects.filter(course_id__in=course_ids, required=True)
        .values("course_id")
        .annotate(n=Count("id"))
        .values_list("course_id", "n")
    )
    done = {
        (row["user_id"], row["lesson__placements__course_id"]): row["n"]
        for row in LessonProgress.objects.filter(
            user_id__in=user_ids,
            completed_at__isnull=False,
            lesson__placements__course_id__in=course_ids,
            lesson__placements__required=True,
        )
        .values("user_id", "lesson__placements__course_id")
        .annotate(n=Count("id"))
    }
    now = timezone.now()
    today = timezone.localdate()
    changed, completed = [], []
    for e in enrollments:
        total = required.get(e.course_id, 0)
        n = done.get((e.user_id, e.course_id), 0)
        progress = min(100, n * 100 // total) if total else 0
        if total and n >= total and _requirements_met(e):
            status = Enrollment.Status.COMPLETED
        elif e.due_date is not None and e.due_date < today:
            status = Enrollment.Status.OVERDUE
        elif n or e.started_at:
            status = Enrollment.Status.IN_PROGRESS
        else:
            status = Enrollment.Status.NOT_STARTED
        if (progress, status) != (e.progress, e.status):
            e.progress, e.status = progress, status
            if status == Enrollment.Status.COMPLETED:
                e.completed_at = now
                completed.append(e)
            changed.append(e)
    if changed:
        Enrollment.objects.bulk_update(changed, ["progress", "status", "completed_at"])
    for e in completed:
        if e.unenrolled_at is None:
            certificate_issue(enrollment=e)
    _refresh_plan_enrollments(enrollments)
    if changed:
        _stats_changed({e.user_id for e in changed}, {e.course_id for e in changed})
    return changed


def _refresh_plan_enrollments(course_enrollments: list[Enrollment]) -> None:
    """A plan enrollment's progress is the mean of the course enrollments the plan created."""
    pairs = {(e.user_id, e.via_plan_id) for e in course_enrollments if e.via_plan_id}
    for user_id, plan_id in pairs:
        _refresh_plan_enrollment(user_id, plan_id)


def _refresh_plan_enrollment(user_id: int, plan_id: int) -> None:
    stats = Enrollment.objects.filter(user_id=user_id, via_plan_id=plan_id, unenrolled_at__isnull=True).aggregate(
        avg=Avg("progress"), open=Count("id", filter=~Q(status=Enrollment.Status.COMPLETED))
    )
    progress = round(stats["avg"] or 0)
    done = stats["open"] == 0 and all(hooks.plan_completion_requirement.call(user_id=user_id, plan_id=plan_id))
    status = Enrollment.Status.COMPLETED if done else Enrollment.Status.IN_PROGRESS
    Enrollment.objects.filter(user_id=user_id, plan_id=plan_id).exclude(status=Enrollment.Status.COMPLETED).update(
        progress=progress, status=status
    )


@transaction.atomic
def plan_enrollment_refresh(*, user_id: int, plan_id: int) -> None:
    """Recompute one person's plan enrollment (e.g. after a role play the plan requires is passed). A plan that
    created no course enrollment for the person is left as it is: nothing recorded here completes it."""
    if Enrollment.objects.filter(user_id=user_id, via_plan_id=plan_id).exists():
        _refresh_plan_enrollment(user_id, plan_id)


@transaction.atomic
def enrollment_refresh(*, user_id: int, course_id: int) -> Enrollment | None:
    """Recompute one person's course enrollment (e.g. after a final quiz is passed)."""
    enrollment = Enrollment.objects.filter(user_id=user_id, course_id=course_id).first()
    if enrollment:
        _recompute([enrollment])
    return enrollment


@transaction.atomic
def course_progress_refresh(*, course_id: int) -> int:
    """After an outline change: recompute every open enrollment of the course."""
    changed = 0
    qs = Enrollment.objects.filter(course_id=course_id).exclude(status=Enrollment.Status.COMPLETED).order_by("id")
    batch: list[Enrollment] = []
    for e in qs.iterator(chunk_size=1000):
        batch.append(e)
        if len(batch) == 1000:
            changed += len(_recompute(batch))
            batch = []
    changed += len(_recompute(batch))
    return changed


def course_progress_refresh_later(*, course_id: int) -> None:
    """A course's outline changed (`courses.hooks.course_outline_changed`): recompute its enrollments in Celery
    once the change commits."""
    enqueue_on_commit(COURSE_PROGRESS_TASK, course_id=course_id)


def overdue_remind(*, by: User, overdue: dict[int, list[Enrollment]], now: datetime | None = None) -> set[int]:
    """Remind people of their overdue learning on behalf of `by` ({user id: their overdue enrollments, with course
    and plan loaded}), through whatever the apps above registered (`hooks.overdue_reminder`; notifications/ sends
    one notice per person and day). Call inside the caller's transaction. Returns who was reminded now."""
    now = now or timezone.now()
    reminded: set[int] = set()
    for ids in hooks.overdue_reminder.call(by=by, overdue=overdue, now=now):
        reminded |= set(ids)
    return reminded


@transaction.atomic
def enrollments_mark_overdue() -> int:
    """Nightly sweep: open enrollments past their due date become overdue (a conditional UPDATE)."""
    transaction.on_commit(hooks.overdue_marked.call)
    return (
        Enrollment.objects.filter(due_date__lt=timezone.localdate(), unenrolled_at__isnull=True)
        .exclude(status__in=[Enrollment.Status.COMPLETED, Enrollment.Status.OVERDUE])
        .update(status=Enrollment.Status.OVERDUE)
    )


def _touch(enrollments: list[Enrollment], lesson: Lesson) -> None:
    now = timezone.now()
    for e in enrollments:
        e.last_lesson_id = lesson.id
        e.last_activity_at = now
        if e.started_at is None:
            e.started_at = now
    Enrollment.objects.bulk_update(enrollments, ["last_lesson", "last_activity_at", "started_at"])


def _learner_enrollments(*, user: User, lesson_id) -> tuple[Lesson, list[Enrollment]]:
    """The lesson and the person's active enrollments in courses holding it; 404 when there are none."""
    try:
        lesson = Lesson.objects.get(id=lesson_id)
    except (Lesson.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    enrollments = list(
        Enrollment.objects.filter(
            user_id=user.id,
            unenrolled_at__isnull=True,
            course__status=Course.Status.PUBLISHED,
            course__items__lesson_id=lesson.id,
        ).distinct()
    )
    if not enrollments:
        raise Http404
    return lesson, enrollments


@transaction.atomic
def lesson_open(*, user: User, lesson: Lesson, enrollment: Enrollment) -> None:
    """Opening a lesson in the player: remember it for "continue where I left off", mark the course started."""
    _touch([enrollment], lesson)
    if enrollment.status == Enrollment.Status.NOT_STARTED:
        enrollment.status = Enrollment.Status.IN_PROGRESS
        enrollment.save(update_fields=["status"])
        _stats_changed([enrollment.user_id])


@transaction.atomic
def lesson_complete(*, user: User, lesson_id) -> list[Enrollment]:
    """Mark a text, file or link lesson done. Videos complete by watching (heartbeats) only."""
    lesson, enrollments = _learner_enrollments(user=user, lesson_id=lesson_id)
    if lesson.kind == Lesson.Kind.VIDEO:
        raise ValidationError(_("A video lesson completes when you have watched it."), code="video")
    progress, _created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    if progress.completed_at is None:
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at", "updated_at"])
    _touch(enrollments, lesson)
    _recompute(enrollments)
    return enrollments


@transaction.atomic
def lesson_heartbeat(*, user: User, lesson_id, position: float, event: str = "tick") -> LessonProgress:
    """Credit watched time from the player's periodic heartbeat.

    Each heartbeat credits the server's wall time since the previous one, capped at VIDEO_HEARTBEAT_MAX_CREDIT
    seconds, so skipping ahead or replaying one request earns nothing, and the time credited never exceeds the time
    since the first heartbeat. A "start" event (play pressed) credits nothing. The lesson completes once the
    credited time reaches VIDEO_COMPLETION_SHARE of its length, which is the server's: the trainer's, or read from
    the uploaded file (courses.uploads.video_duration_seconds), never the browser's. Without one (a lesson saved
    before lengths were required) watching is credited but completes nothing until a trainer sets it.
    """
    lesson, enrollments = _learner_enrollments(user=user, lesson_id=lesson_id)
    if lesson.kind != Lesson.Kind.VIDEO:
        raise ValidationError(_("Only video lessons send heartbeats."), code="not_video")
    LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    progress = LessonProgress.objects.select_for_update().get(user=user, lesson=lesson)
    now = timezone.now()
    # Always the lesson's: a length stored here from a browser (before issue 18) is replaced.
    progress.duration_seconds = lesson.duration_seconds or None
    if event != "start" and progress.last_heartbeat_at is not None:
        elapsed = max(0.0, (now - progress.last_heartbeat_at).total_seconds())
        credit = int(min(elapsed, settings.VIDEO_HEARTBEAT_MAX_CREDIT))
        cap = progress.duration_seconds or credit + progress.seconds_watched
        progress.seconds_watched = min(progress.seconds_watched + credit, cap)
    progress.last_heartbeat_at = now
    progress.last_position = min(max(0, int(position or 0)), progress.duration_seconds or VIDEO_MAX_SECONDS)
    just_completed = False
    if (
        progress.completed_at is None
        and progress.duration_seconds
        and progress.seconds_watched >= settings.VIDEO_COMPLETION_SHARE * progress.duration_seconds
    ):
        progress.completed_at = now
        just_completed = True
    progress.save(
        update_fields=[
            "duration_seconds",
            "seconds_watched",
            "last_heartbeat_at",
            "last_position",
            "completed_at",
            "updated_at",
        ]
    )
    _touch(enrollments, lesson)
    if just_completed:
        _recompute(enrollments)
    return progress


# --- certificates and calendar -----------------------------------------------------------------------------


def _new_code() -> str:
    return secrets.token_hex(8).upper()


@transaction.atomic
def certificate_issue(*, enrollment: Enrollment) -> Certificate:
    existing = Certificate.objects.filter(enrollment=enrollment).first()
    if existing:
        return existing
    course = enrollment.course if enrollment.course_id else None
    user = User.objects.only("display_name", "first_name", "last_name", "username").get(id=enrollment.user_id)
    course = course or Course.objects.get(id=enrollment.course_id)
    issued = enrollment.completed_at or timezone.now()
    expires = None
    if course.certificate_valid_days:
        expires = timezone.localdate(issued) + timedelta(days=course.certificate_valid_days)
    return Certificate.objects.create(
        user_id=enrollment.user_id,
        course_id=course.id,
        enrollment=enrollment,
        code=_new_code(),
        holder_name=str(user)[:150],
        course_title=course.title[:200],
        issued_at=issued,
        expires_on=expires,
    )


@transaction.atomic
def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user, defaults={"token": secrets.token_urlsafe(32)})
    return feed


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    feed = calendar_feed_get_or_create(user=user)
    feed.token = secrets.token_urlsafe(32)
    feed.save(update_fields=["token", "created_at"])
    return feed
