"""Celery tasks of the project app."""

from celery import shared_task

from lms.deferred import relay_deferred


@shared_task
def relay_deferred_tasks() -> int:
    """Send the tasks requests could not queue while the broker was down (see lms.deferred)."""
    return relay_deferred()
