"""Assignments of one thing (a quiz, a role play) to people by a due date: the set-based write they share.

A model of assignments has `user`, `assigned_by`, `due_date` and `completed_at`, a foreign key to what is assigned,
and a unique constraint on one open (not completed) assignment per person and thing. `assignments_upsert` gives
the people without one a new assignment and moves the due date of those whose open one had another date; the
apps' services (`assessments.services.quiz_assign`, `practice.services.practice_assign`) check what they assign,
audit and notify around it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def due_date_check(due_date: dt.date | None) -> None:
    """An assignment needs a due date, today or later (ValidationError keyed `due_date`)."""
    if due_date is None:
        raise ValidationError({"due_date": [_("Choose a due date.")]}, code="no_due_date")
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": [_("The due date cannot be in the past.")]}, code="past_due_date")


def assignments_upsert(
    *, model, field: str, target, user_ids: Iterable[int], due_date: dt.date, by, related: tuple[str, ...] = ()
) -> tuple[dict, list, dict]:
    """Inside the caller's transaction: one read of the open assignments of `target` (the value of `field`) for
    these people, one bulk insert for those without one, one UPDATE for those whose open assignment had another due
    date. Returns (counts {"assigned", "updated", "unchanged"}, people counted once each; the new or re-dated
    assignments, with `related` loaded; {user id: the due date before} of the people who had an open one)."""
    ids = sorted({int(u) for u in user_ids})
    counts = {"assigned": 0, "updated": 0, "unchanged": 0}
    if not ids:
        return counts, [], {}
    open_rows = model.objects.filter(**{field: target}, user_id__in=ids, completed_at__isnull=True)
    current = dict(open_rows.values_list("user_id", "due_date"))
    new = [uid for uid in ids if uid not in current]
    redated = [uid for uid, due in current.items() if due != due_date]
    if new:
        model.objects.bulk_create(
            [model(**{field: target}, user_id=uid, due_date=due_date, assigned_by=by) for uid in new],
            batch_size=1000,
            ignore_conflicts=True,  # a parallel assignment of the same person: the open-assignment constraint decides
        )
    if redated:
        open_rows.filter(user_id__in=redated).update(due_date=due_date, assigned_by=by)
    touched = list(
        model.objects.filter(**{field: target}, user_id__in=new + redated, completed_at__isnull=True, due_date=due_date)
        .select_related(*related)
        .order_by("user_id")
    )
    new_ids = set(new)
    created = sum(1 for a in touched if a.user_id in new_ids)
    counts["assigned"] = created
    counts["updated"] = len(redated)
    counts["unchanged"] = len(current) - len(redated) + len(new) - created
    return counts, touched, current
