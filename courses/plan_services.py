"""Writes for training plans. Pages, the API, admin and commands call these; validation lives here only.

Rules:
- a session ends after it starts, on a day within the plan's days;
- two sessions of the same plan may not use the same room at overlapping times on the same day (an error);
- a trainer (a user) booked in two places at once, in this or any other plan on the same calendar date, is a
  warning (`plan_selectors.trainer_clashes`), not an error: co-teaching and hand-overs happen, and the trainer
  is the one who knows; the builder shows it next to the session and on the coverage panel;
- publishing freezes the plan for everyone but its owners; every later change is written to the change log.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import hooks
from courses.models import Category, Competency, Course, Method, Objective, PlanChange, Session, TrainingPlan
from courses.models.plans import MAX_PLAN_DAYS
from lms.audit import AuditAction, audit_log_record
from lms.roles import TRAINER, has_role
from trainees.models import Team, User


class PlanStateError(Exception):
    """The plan's status does not allow this (e.g. deleting a published plan). The API answers 409."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


EARLIEST_START, LATEST_START = dt.date(2000, 1, 1), dt.date(2099, 12, 1)
PLAN_FIELDS = ("title", "audience", "venue", "equipment", "description", "start_date", "days")
SESSION_FIELDS = (
    "day",
    "start_time",
    "end_time",
    "title",
    "category",
    "competency",
    "method",
    "trainer",
    "trainer_name",
    "room",
    "notes",
    "course",
)


def _record(
    *, plan: TrainingPlan, user: User | None, action: str, detail: dict | None = None, request: Any = None
) -> None:
    """Log changes to published plans only: drafts change all the time and nobody has been told about them yet.

    The log keeps data, not sentences, so each reader sees it in their own language (`PlanChange.summary`).
    Each is also an audit entry (lms.audit): the publish itself, and every edit after it.
    """
    if plan.status == TrainingPlan.Status.PUBLISHED:
        change = PlanChange.objects.create(plan=plan, user=user, action=action, detail=detail or {})
        audit_log_record(
            actor=user,
            action=AuditAction.PLAN_PUBLISH if action == "published" else AuditAction.PLAN_EDIT_AFTER_PUBLISH,
            obj=plan,
            details={"change": action, **(detail or {})},
            request=request,
        )
        # The apps above hear of it after commit (e.g. to tell the participants).
        plan_id, change_id = plan.pk, change.pk
        transaction.on_commit(lambda: hooks.plan_changed.call(plan_id=plan_id, change_id=change_id))


def _plan_figures_changed(plan_id: int) -> None:
    """The plan's linked courses, days (which day is its final-day exam) or exam changed: the managers' precomputed
    plan figures are rebuilt right after commit (a repair job would catch it too, but later)."""
    hooks.plan_figures_changed.call(plan_ids=[plan_id])


def _lock(plan: TrainingPlan) -> None:
    """Serialise schedule writes per plan, so two concurrent saves cannot both pass the room check."""
    list(TrainingPlan.objects.select_for_update().filter(pk=plan.pk).values_list("pk", flat=True))


def _ensure_editable(plan: TrainingPlan) -> None:
    if plan.status == TrainingPlan.Status.ARCHIVED:
        raise PlanStateError(_("An archived plan cannot be changed."))


def _fmt(t: dt.time) -> str:
    return t.strftime("%H:%M")


# --- plans ----------------------------------------------------------------------------------------------------


def _validate_plan(*, plan: TrainingPlan, data: dict) -> None:
    errors: dict[str, list[str]] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the plan a title.")]
    days = data.get("days")
    if not isinstance(days, int) or not 1 <= days <= MAX_PLAN_DAYS:
        errors["days"] = [_("A plan lasts from 1 to %(max)d days.") % {"max": MAX_PLAN_DAYS}]
    elif plan.pk:
        last_day = plan.sessions.order_by("-day").values_list("day", flat=True).first()
        if last_day and last_day > days:
            errors["days"] = [
                _("Day %(day)d still has sessions: move or delete them before shortening the plan.") % {"day": last_day}
            ]
    start = data.get("start_date")
    if start is None and plan.status == TrainingPlan.Status.PUBLISHED:
        errors["start_date"] = [_("A published plan needs a start date.")]
    elif start is not None and not EARLIEST_START <= start <= LATEST_START:
        errors["start_date"] = [_("Choose a start date between 2000 and 2099.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create(
    *,
    user: User,
    title: str,
    start_date: dt.date | None = None,
    days: int = 6,
    audience: str = "",
    venue: str = "",
    equipment: str = "",
    description: str = "",
    is_template: bool = False,
    teams: Iterable[Team] = (),
) -> TrainingPlan:
    plan = TrainingPlan(
        title=(title or "").strip(),
        start_date=start_date,
        days=days,
        audience=audience,
        venue=venue,
        equipment=equipment,
        description=description,
        is_template=is_template,
    )
    _validate_plan(plan=plan, data={"title": plan.title, "days": days, "start_date": start_date})
    plan.save()
    plan.owners.add(user)
    if teams:
        plan.teams.set(teams)
    return plan


@transaction.atomic
def plan_update(
    *, plan: TrainingPlan, user: User, teams: Iterable[Team] | None = None, request: Any = None, **fields
) -> TrainingPlan:
    """Change the header fields given (any of PLAN_FIELDS) and, when given, the teams."""
    _ensure_editable(plan)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    data = {name: getattr(plan, name) for name in PLAN_FIELDS} | fields
    if isinstance(data.get("title"), str):
        data["title"] = data["title"].strip()
    _validate_plan(plan=plan, data=data)
    changed = [name for name in PLAN_FIELDS if getattr(plan, name) != data[name]]
    for name in changed:
        setattr(plan, name, data[name])
    if changed:
        plan.save(update_fields=[*changed, "updated_at"])
        _record(plan=plan, user=user, action="plan_updated", detail={"fields": changed}, request=request)
        if "days" in changed:
            _plan_figures_changed(plan.pk)
    if teams is not None:
        plan.teams.set(list(teams))
    return plan


@transaction.atomic
def plan_teams_add(*, plan: TrainingPlan, teams: Iterable[Team]) -> None:
    """Add teams to the plan's 团队 (e.g. when a whole team is enrolled in it), keeping the ones it has."""
    plan.teams.add(*teams)


@transaction.atomic
def plan_delete(*, plan: TrainingPlan, user: User) -> None:
    if plan.status != TrainingPlan.Status.DRAFT:
        raise PlanStateError(_("Only a draft can be deleted; archive a published plan instead."))
    plan.delete()


@transaction.atomic
def plan_publish(*, plan: TrainingPlan, user: User, request: Any = None) -> TrainingPlan:
    # Lock the row so two clicks on "publish" cannot both pass the check; keep the caller's instance current.
    locked = TrainingPlan.objects.select_for_update().get(pk=plan.pk)
    plan.status, plan.start_date, plan.is_template = locked.status, locked.start_date, locked.is_template
    if plan.is_template:
        raise PlanStateError(_("A template cannot be published; clone it into a plan with a start date first."))
    if plan.status != TrainingPlan.Status.DRAFT:
        raise PlanStateError(_("Only a draft can be published."))
    errors = {}
    if not plan.start_date:
        errors["start_date"] = [_("Set a start date before publishing.")]
    if not plan.sessions.exists():
        errors["sessions"] = [_("Add at least one session before publishing.")]
    if errors:
        raise ValidationError(errors)
    plan.status = TrainingPlan.Status.PUBLISHED
    plan.published_at = timezone.now()
    plan.save(update_fields=["status", "published_at", "updated_at"])
    _record(plan=plan, user=user, action="published", request=request)
    return plan


@transaction.atomic
def plan_archive(*, plan: TrainingPlan, user: User) -> TrainingPlan:
    if plan.status != TrainingPlan.Status.PUBLISHED:
        raise PlanStateError(_("Only a published plan can be archived."))
    _record(plan=plan, user=user, action="archived")
    plan.status = TrainingPlan.Status.ARCHIVED
    plan.save(update_fields=["status", "updated_at"])
    return plan


@transaction.atomic
def plan_clone(
    *,
    plan: TrainingPlan,
    user: User,
    start_date: dt.date | None = None,
    as_template: bool = False,
    title: str = "",
) -> TrainingPlan:
    """A deep copy (header, objectives, sessions) owned by `user`, as a draft.

    Sessions keep their day numbers and times, so with a new start date every session moves by the same
    number of days. Teams are not copied: a clone is usually for another group.
    """
    if not as_template and start_date is None:
        raise ValidationError({"start_date": [_("Choose the start date of the new plan.")]})
    if start_date is not None and not EARLIEST_START <= start_date <= LATEST_START:
        raise ValidationError({"start_date": [_("Choose a start date between 2000 and 2099.")]})
    copy = TrainingPlan.objects.create(
        title=(title or "").strip() or plan.title,
        audience=plan.audience,
        venue=plan.venue,
        equipment=plan.equipment,
        description=plan.description,
        start_date=None if as_template else start_date,
        days=plan.days,
        is_template=as_template,
        source=plan,
    )
    copy.owners.add(user)
    Objective.objects.bulk_create(
        Objective(plan=copy, kind=o.kind, text=o.text, order=o.order) for o in plan.objectives.all()
    )
    Session.objects.bulk_create(
        Session(plan=copy, **{name: getattr(s, name) for name in SESSION_FIELDS}) for s in plan.sessions.all()
    )
    return copy


# --- objectives -----------------------------------------------------------------------------------------------


def _validate_objective(*, kind: str, text: str) -> None:
    errors = {}
    if kind not in Objective.Kind.values:
        errors["kind"] = [_("Choose knowledge, skill or attitude.")]
    if not (text or "").strip():
        errors["text"] = [_("Describe the objective.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def objective_create(*, plan: TrainingPlan, user: User, kind: str, text: str) -> Objective:
    _ensure_editable(plan)
    _validate_objective(kind=kind, text=text)
    last = plan.objectives.order_by("-order").values_list("order", flat=True).first() or 0
    objective = Objective.objects.create(plan=plan, kind=kind, text=text.strip(), order=last + 1)
    _record(
        plan=plan,
        user=user,
        action="objective_added",
        detail={"text": objective.text},
    )
    return objective


@transaction.atomic
def objective_update(*, objective: Objective, user: User, kind: str, text: str) -> Objective:
    _ensure_editable(objective.plan)
    _validate_objective(kind=kind, text=text)
    objective.kind = kind
    objective.text = text.strip()
    objective.save(update_fields=["kind", "text"])
    _record(
        plan=objective.plan,
        user=user,
        action="objective_changed",
        detail={"text": objective.text},
    )
    return objective


@transaction.atomic
def objective_delete(*, objective: Objective, user: User) -> None:
    _ensure_editable(objective.plan)
    _record(
        plan=objective.plan,
        user=user,
        action="objective_removed",
        detail={"text": objective.text},
    )
    objective.delete()


# --- sessions -------------------------------------------------------------------------------------------------


def _overlaps(a_start: dt.time, a_end: dt.time, b_start: dt.time, b_end: dt.time) -> bool:
    return a_start < b_end and b_start < a_end


def _room_key(room: str) -> str:
    return " ".join((room or "").split()).casefold()


def session_validate(*, plan: TrainingPlan, data: dict, instance: Session | None = None) -> None:
    """Raise ValidationError with messages per field for a session with `data` (SESSION_FIELDS) in `plan`."""
    errors: dict[str, list[str]] = {}
    if not (data.get("title") or "").strip():
        errors["title"] = [_("Give the session a title.")]
    day = data.get("day")
    if not isinstance(day, int) or not 1 <= day <= plan.days:
        errors["day"] = [_("Choose a day from 1 to %(days)d: the plan has %(days)d days.") % {"days": plan.days}]
    start, end = data.get("start_time"), data.get("end_time")
    if start is None:
        errors["start_time"] = [_("Enter a start time.")]
    if end is None:
        errors["end_time"] = [_("Enter an end time.")]
    elif start is not None and end <= start:
        errors["end_time"] = [_("The end time must be after the start time.")]
    trainer = data.get("trainer")
    if trainer is not None and not (has_role(trainer, TRAINER) or trainer.is_staff):
        errors["trainer"] = [_("Choose a trainer, or type an external trainer's name.")]
    for name, model in (("category", Category), ("competency", Competency), ("method", Method), ("course", Course)):
        value = data.get(name)
        if value is not None and not isinstance(value, model):
            errors[name] = [_("Choose a valid option.")]
    room = _room_key(data.get("room", ""))
    if room and not errors.get("day") and start is not None and end is not None and end > start:
        others = plan.sessions.filter(day=day).exclude(room="")
        if instance is not None and instance.pk:
            others = others.exclude(pk=instance.pk)
        for other in others.only("title", "room", "start_time", "end_time"):
            if _room_key(other.room) == room and _overlaps(start, end, other.start_time, other.end_time):
                errors["room"] = [
                    _('%(room)s is already used by "%(title)s" (%(start)s-%(end)s) on day %(day)d.')
                    % {
                        "room": other.room,
                        "title": other.title,
                        "start": _fmt(other.start_time),
                        "end": _fmt(other.end_time),
                        "day": day,
                    }
                ]
                break
    if errors:
        raise ValidationError(errors)


def _session_summary(session: Session) -> dict:
    return {
        "title": session.title,
        "day": session.day,
        "start": _fmt(session.start_time),
        "end": _fmt(session.end_time),
    }


@transaction.atomic
def session_create(*, plan: TrainingPlan, user: User, **data) -> Session:
    _ensure_editable(plan)
    _lock(plan)
    unknown = set(data) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    data = {"trainer_name": "", "room": "", "notes": ""} | data
    data["title"] = (data.get("title") or "").strip()
    session_validate(plan=plan, data=data)
    session = Session.objects.create(plan=plan, **data)
    if session.course_id:
        _plan_figures_changed(plan.pk)
    _record(
        plan=plan,
        user=user,
        action="session_added",
        detail={"session": _session_summary(session)},
    )
    return session


@transaction.atomic
def session_update(*, session: Session, user: User, **data) -> Session:
    plan = session.plan
    _ensure_editable(plan)
    _lock(plan)
    unknown = set(data) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown session fields: {sorted(unknown)}")
    if isinstance(data.get("title"), str):
        data["title"] = data["title"].strip()
    merged = {name: getattr(session, name) for name in SESSION_FIELDS} | data
    session_validate(plan=plan, data=merged, instance=session)
    before = _session_summary(session)
    changed = [name for name in SESSION_FIELDS if getattr(session, name) != merged[name]]
    for name in changed:
        setattr(session, name, merged[name])
    if changed:
        session.save(update_fields=[*changed, "updated_at"])
        if "course" in changed:
            _plan_figures_changed(plan.pk)
        _record(
            plan=plan,
            user=user,
            action="session_changed",
            detail={"before": before, "after": _session_summary(session)},
        )
    return session


@transaction.atomic
def session_delete(*, session: Session, user: User) -> None:
    _ensure_editable(session.plan)
    _record(
        plan=session.plan,
        user=user,
        action="session_removed",
        detail={"session": _session_summary(session)},
    )
    if session.course_id:
        _plan_figures_changed(session.plan_id)
    session.delete()


@transaction.atomic
def session_move(*, session: Session, user: User, day: int) -> Session:
    """Move a session to another day at the same time (drag to another column, or "move to day N")."""
    return session_update(session=session, user=user, day=day)


def _add_minutes(t: dt.time, minutes: int) -> dt.time | None:
    total = t.hour * 60 + t.minute + minutes
    if total >= 24 * 60:
        return None
    return dt.time(total // 60, total % 60)


@transaction.atomic
def session_reorder(*, plan: TrainingPlan, user: User, day: int, session_ids: list[int]) -> list[Session]:
    """Put the sessions of `day` in the given order: each takes the start time of the slot it lands in and keeps
    its own length. `session_ids` must list exactly that day's sessions."""
    _ensure_editable(plan)
    _lock(plan)
    sessions = list(plan.sessions.select_for_update().filter(day=day).order_by("start_time", "id"))
    by_id = {s.pk: s for s in sessions}
    if sorted(session_ids) != sorted(by_id):
        raise ValidationError({"order": [_("The schedule changed meanwhile; reload the page and try again.")]})
    slots = [s.start_time for s in sessions]
    new = []
    for slot, sid in zip(slots, session_ids, strict=True):
        s = by_id[sid]
        end = _add_minutes(slot, s.minutes)
        if end is None:
            raise ValidationError({"order": [_("%(title)s would end after midnight.") % {"title": s.title}]})
        new.append((s, slot, end))
    for i, (a, a_start, a_end) in enumerate(new):
        for b, b_start, b_end in new[i + 1 :]:
            if (
                _overlaps(a_start, a_end, b_start, b_end)
                and _room_key(a.room)
                and _room_key(a.room) == _room_key(b.room)
            ):
                raise ValidationError(
                    {
                        "order": [
                            _('In this order "%(a)s" and "%(b)s" would overlap in %(room)s.')
                            % {"a": a.title, "b": b.title, "room": a.room}
                        ]
                    }
                )
    moved = [(s, start, end) for s, start, end in new if (s.start_time, s.end_time) != (start, end)]
    if not moved:
        return sessions
    now = timezone.now()
    for s, start, end in moved:
        s.start_time, s.end_time, s.updated_at = start, end, now
    Session.objects.bulk_update([s for s, _s, _e in moved], ["start_time", "end_time", "updated_at"])
    _record(
        plan=plan,
        user=user,
        action="sessions_reordered",
        detail={"day": day, "sessions": [_session_summary(s) for s, _a, _b in moved]},
    )
    return sessions


@transaction.atomic
def session_shift(*, session: Session, user: User, direction: int) -> Session:
    """Swap a session with its neighbour in the same day (-1 earlier, +1 later): the keyboard alternative to drag."""
    plan = session.plan
    ids = list(plan.sessions.filter(day=session.day).order_by("start_time", "id").values_list("id", flat=True))
    i = ids.index(session.pk)
    j = i + (1 if direction > 0 else -1)
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        session_reorder(plan=plan, user=user, day=session.day, session_ids=ids)
        session.refresh_from_db()
    return session


# --- reference data (categories, competencies, tracks, methods) -------------------------------------------------

REFERENCE_TEXT_FIELDS = ("name_zh", "name_en", "description_zh", "description_en", "trade_off_zh", "trade_off_en")


@transaction.atomic
def reference_item_update(*, item, user: User, **fields):
    """Trainers rename and describe reference items; codes stay fixed because code and data refer to them."""
    errors = {}
    for name in ("name_zh", "name_en"):
        if name in fields and not (fields[name] or "").strip():
            errors[name] = [_("A name is required.")]
    if "order" in fields and not (isinstance(fields["order"], int) and 0 <= fields["order"] <= 999):
        errors["order"] = [_("Use a number from 0 to 999.")]
    if errors:
        raise ValidationError(errors)
    allowed = {n for n in (*REFERENCE_TEXT_FIELDS, "order") if hasattr(item, n)}
    changed = []
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(f"unknown reference field: {name}")
        value = value.strip() if isinstance(value, str) else value
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed.append(name)
    if changed:
        item.save(update_fields=changed)
    return item
