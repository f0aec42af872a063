"""Reminder rules: set-based functions that plan the notifications due for a whole set at once.

A rule is `fn(*, now, id_range=None) -> int`: it selects every item due at `now` (one query, optionally limited to
ids in `id_range` = (low, high)) and writes them with `services.notify_many` (one INSERT ... ON CONFLICT DO NOTHING
per batch); never one task or one commit per row. Running it twice (beat firing twice, two scans at once) writes
nothing new: the unique key (recipient, kind, subject, occasion) absorbs the repeat.

`register_rule(name, fn, group=..., chunk_source=...)`: `group` names the beat task that runs it ("scan" every 15
minutes, "manager_weekly_digest", "trainer_grading_digest"); `chunk_source()` returns the queryset whose ids are split
into chunks of NOTIFICATIONS["CHUNK_SIZE"], each run as its own task, when the set is large.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import CharField, Exists, Expression, Max, Min, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from notifications import conf
from notifications.models import Notification
from notifications.services import Spec, notify_many
from trainees.models import User

logger = logging.getLogger(__name__)

SCAN = "scan"


@dataclass(frozen=True)
class Rule:
    name: str
    fn: Callable[..., int]
    group: str = SCAN
    chunk_source: Callable[[], QuerySet] | None = None


RULES: dict[str, Rule] = {}


def register_rule(
    name: str, fn: Callable[..., int], *, group: str = SCAN, chunk_source: Callable[[], QuerySet] | None = None
) -> Rule:
    rule = Rule(name=name, fn=fn, group=group, chunk_source=chunk_source)
    RULES[name] = rule
    return rule


def unregister_rule(name: str) -> None:
    RULES.pop(name, None)


def rules_in(group: str) -> list[Rule]:
    return [r for r in RULES.values() if r.group == group]


def run_rule(name: str, *, now: dt.datetime | None = None, id_range: tuple[int, int] | None = None) -> int:
    """Run one rule (or one chunk of it) in its own transaction."""
    rule = RULES[name]
    with transaction.atomic():
        return rule.fn(now=now or timezone.now(), id_range=id_range)


def chunks_for(rule: Rule) -> list[tuple[int, int]] | None:
    """Id ranges covering the rule's source, or None when the set is small enough to run in one go."""
    if rule.chunk_source is None:
        return None
    bounds = rule.chunk_source().aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"], bounds["high"]
    size = int(conf.get("CHUNK_SIZE"))
    if low is None or high - low < size:
        return None
    return [(start, start + size) for start in range(low, high + 1, size)]


def in_range(qs: QuerySet, id_range: tuple[int, int] | None, field: str = "id") -> QuerySet:
    if id_range is None:
        return qs
    return qs.filter(**{f"{field}__gte": id_range[0], f"{field}__lt": id_range[1]})


def subject_of(prefix: str, field: str = "id") -> Concat:
    """SQL for the subject key of each row: "<prefix><id>", e.g. subject_of("learning.enrollment:")."""
    return Concat(Value(prefix), Cast(field, output_field=CharField()))


def not_yet_notified(
    qs: QuerySet,
    *,
    kind: str,
    occasion: str | Expression,
    recipient: str = "user_id",
    subject_prefix: str | None = None,
) -> QuerySet:
    """Drop the rows whose notification already exists, so a repeated scan reads but writes (and plans) nothing.
    The subject is "<subject_prefix><row id>", by default the row's model label ("learning.enrollment:42").
    `occasion` is a string, or an expression over the row (annotated as `n_occasion`) when it differs per row."""
    prefix = subject_prefix if subject_prefix is not None else f"{qs.model._meta.label_lower}:"
    if isinstance(occasion, Expression):
        qs = qs.annotate(n_occasion=occasion)
        occasion = OuterRef("n_occasion")
    existing = Notification.objects.filter(
        recipient_id=OuterRef(recipient),
        kind=kind,
        occasion=occasion,
        subject=Concat(Value(prefix), Cast(OuterRef("id"), output_field=CharField())),
    )
    return qs.exclude(Exists(existing))


# --- rules that need nothing but people ---------------------------------------------------------------------------


def welcome_source() -> QuerySet:
    return User.objects.filter(is_active=True)


def rule_welcome(*, now: dt.datetime, id_range: tuple[int, int] | None = None) -> int:
    """Everyone who joined in the last 7 days and has not been welcomed: one notification pointing at the centre."""
    already = Notification.objects.filter(recipient=OuterRef("pk"), kind="welcome")
    ids = (
        in_range(welcome_source(), id_range)
        .filter(date_joined__gte=now - dt.timedelta(days=7))
        .exclude(Exists(already))
        .values_list("id", flat=True)
    )
    url = reverse("notifications:preferences")
    return notify_many(
        specs=(Spec(recipient_id=uid, kind="welcome", subject=f"user:{uid}", url=url) for uid in ids), now=now
    )
