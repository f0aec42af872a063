"""Celery tasks: thin, idempotent, safe to run twice (the outbox's unique key and conditional claims see to that).

Routing (settings CELERY_TASK_ROUTES): scans and digests on the "bulk" queue, sending on "send".
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from notifications import conf, rules, services

logger = logging.getLogger(__name__)


def _when(now: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(now) if now else timezone.now()


def _run_group(group: str, now: str | None) -> int:
    when = _when(now)
    planned = 0
    for rule in rules.rules_in(group):
        chunks = rules.chunks_for(rule)
        if not chunks:
            planned += rules.run_rule(rule.name, now=when)
            continue
        for low, high in chunks:
            try:
                run_rule_chunk.apply_async(args=[rule.name, low, high, when.isoformat()], retry=False)
            except Exception:
                logger.warning("Could not enqueue a chunk of %s; running it here.", rule.name, exc_info=True)
                planned += rules.run_rule(rule.name, now=when, id_range=(low, high))
    return planned


@shared_task(time_limit=900, soft_time_limit=840)
def scan_due_reminders(now: str | None = None) -> int:
    """Run every registered reminder rule ("scan" group): plan what is due, set-based, chunked when large."""
    return _run_group(rules.SCAN, now)


@shared_task(time_limit=600, soft_time_limit=540)
def run_rule_chunk(name: str, low: int, high: int, now: str | None = None) -> int:
    """One id range of one rule: one transaction, one INSERT per batch."""
    if name not in rules.RULES:
        logger.warning("Rule %s is not registered in this worker; chunk skipped.", name)
        return 0
    return rules.run_rule(name, now=_when(now), id_range=(low, high))


@shared_task(time_limit=900, soft_time_limit=840)
def send_manager_weekly_digests(now: str | None = None) -> int:
    return _run_group("manager_weekly_digest", now)


@shared_task(time_limit=900, soft_time_limit=840)
def send_trainer_grading_digests(now: str | None = None) -> int:
    return _run_group("trainer_grading_digest", now)


@shared_task(time_limit=600, soft_time_limit=540)
def build_daily_digests(now: str | None = None) -> int:
    return services.build_daily_digests(now=_when(now))


# Its hard limit stays well under NOTIFICATIONS["LEASE_SECONDS"]: a live worker finishes before its rows are reclaimed.
@shared_task(bind=True, time_limit=300, soft_time_limit=270)
def dispatch_notifications(self, now: str | None = None) -> dict:
    """Send what is due. Failed sends get their retry time in the row (exponential backoff); a follow-up dispatch is
    queued for the earliest one, never further out than the broker's visibility timeout allows.

    A database OperationalError (deadlock, serialization failure, lost connection) retries the whole task with the
    same backoff, up to MAX_ATTEMPTS times: the batch it was sending has been given back (see `dispatch_batch`), so
    the retry, or any other worker, sends it."""
    try:
        result = services.dispatch_all(now=_when(now) if now else None)
    except OperationalError as exc:
        attempt = self.request.retries + 1
        logger.warning("Dispatch hit a database error (attempt %s), retrying: %s", attempt, exc)
        raise self.retry(
            exc=exc,
            countdown=services.backoff_seconds(attempt),
            max_retries=int(conf.get("MAX_ATTEMPTS")),
        ) from exc
    if result.retrying and not now:
        wait = services.next_retry_in()
        if wait is not None:
            services.enqueue_dispatch(countdown=min(wait, conf.max_countdown()))
    return result.__dict__
