"""Queue a Celery task from a request without letting a broker outage fail the request.

`enqueue_on_commit("app.tasks.name", **kwargs)` hands the task to the broker once the transaction commits, failing
fast (no connection retries). Tasks are named, not imported: a service never imports its app's tasks module (the
tasks import the services), and the name must be a registered task (every app's `tasks` module is loaded when
Django starts, see `LmsConfig.ready`), so a misspelt name fails at once instead of queueing work nobody runs. If the broker cannot be reached (Redis stopped), the task is kept as a `DeferredTask` row
and `relay_deferred_tasks` (Celery beat, every DEFERRED_TASK_RELAY_SECONDS) sends it when the broker is back.
A task sent is never kept, and a kept task is deleted in the same transaction that sends it, so it goes out once.
"""

import logging
import os

from celery import current_app
from django.db import transaction

from lms.models import DeferredTask

logger = logging.getLogger(__name__)


_pools: dict = {}


def _broker_connections(app):
    """This process's pool of broker connections for the request path: failing fast (no connection retries), and
    kept open between requests, since a new connection to Redis costs several ms of CPU (a submit burst queues one
    task per request). One pool per process and broker URL (tests point the app at another broker)."""
    key = (os.getpid(), app.conf.broker_url)
    pool = _pools.get(key)
    if pool is None:
        template = app.connection_for_write(transport_options={"max_retries": 0})
        pool = _pools.setdefault(key, template.Pool(limit=app.conf.broker_pool_limit or 10))
    return pool


def _publish(name: str, args: list, kwargs: dict) -> None:
    app = current_app
    task = app.tasks.get(name)
    if app.conf.task_always_eager and task is not None:  # tests and `make run` without a worker
        task.apply_async(args=args, kwargs=kwargs)
        return
    # One attempt, no connection retries: this runs right after a user's request. A pooled connection broken by a
    # broker restart fails this attempt and reconnects on its next use.
    with _broker_connections(app).acquire(block=True, timeout=5) as conn:
        app.send_task(name, args=args, kwargs=kwargs, connection=conn, retry=False)


def registered_task(name: str):
    """The Celery task called `name`; LookupError when no such task is registered (a programming error)."""
    try:
        return current_app.tasks[name]
    except KeyError:
        raise LookupError(f"No Celery task is registered as {name!r}.") from None


def enqueue(name: str, *, args: tuple | list = (), kwargs: dict | None = None) -> bool:
    """Send now; if the broker is unreachable keep the task for the relay. Never raises a broker error."""
    task = registered_task(name)
    args, kwargs = list(args), dict(kwargs or {})
    try:
        _publish(task.name, args, kwargs)
    except Exception as exc:  # noqa: BLE001 - broker down, DNS, auth...: the row keeps the work
        if current_app.conf.task_always_eager:
            raise  # in eager mode the task itself ran and failed: that is not a broker outage
        logger.warning("Broker unreachable; %s kept for the relay (%s)", task.name, exc)
        _keep(task.name, args, kwargs, exc)
        return False
    return True


def _keep(name: str, args: list, kwargs: dict, exc: Exception) -> None:
    DeferredTask.objects.create(name=name, args=args, kwargs=kwargs, error=f"{exc.__class__.__name__}: {exc}"[:300])


def enqueue_or_run(name: str, /, *, run_instead: tuple[str, dict] | None = None, **kwargs) -> str:
    """Send the task now; if the broker is unreachable run it here instead, for work a person is waiting for (the
    relay could be minutes late). If that run fails too, the task is kept for the relay. `run_instead` = (task name,
    kwargs) names a smaller task to run here and keep in its place (a shared grading run is sent, but a request
    grades only its own attempt). Outside eager mode it never raises for the broker or the task. Returns "sent",
    "ran" or "kept"."""
    task = registered_task(name)
    if run_instead is not None:
        registered_task(run_instead[0])
    try:
        _publish(task.name, [], kwargs)
        return "sent"
    except Exception as exc:  # noqa: BLE001 - any broker failure
        if current_app.conf.task_always_eager:
            raise  # in eager mode the task itself ran and failed: that is not a broker outage
        logger.warning("Broker unreachable; running %s in this process (%s)", task.name, exc)
    if run_instead is not None:
        task, kwargs = registered_task(run_instead[0]), run_instead[1]
    try:
        task(**kwargs)
        return "ran"
    except Exception as exc:  # noqa: BLE001 - e.g. the database hiccuped too: the relay sends it later
        logger.exception("%s failed in this process; kept for the relay", task.name)
        _keep(task.name, [], kwargs, exc)
        return "kept"


def enqueue_on_commit(name: str, /, *args, **kwargs) -> None:
    """The task called `name`, `.delay(*args, **kwargs)` after the current transaction commits, surviving a broker
    outage."""
    registered_task(name)  # refuse a misspelt name now, in the caller's request, not after commit
    transaction.on_commit(lambda: enqueue(name, args=args, kwargs=kwargs))


def relay_deferred(*, limit: int = 500) -> int:
    """Send kept tasks oldest first; each row is deleted in the transaction that sends it. Stops at the first
    failure (the broker is still down) and leaves the rest for the next run. Returns how many were sent."""
    sent = 0
    ids = list(DeferredTask.objects.order_by("id").values_list("id", flat=True)[:limit])
    for row_id in ids:
        with transaction.atomic():
            row = DeferredTask.objects.select_for_update(skip_locked=True).filter(id=row_id).first()
            if row is None:  # another relay took it
                continue
            try:
                _publish(row.name, row.args, row.kwargs)
            except Exception as exc:  # noqa: BLE001
                logger.warning("Relay of deferred tasks stopped: broker still unreachable (%s)", exc)
                break
            row.delete()
            sent += 1
    return sent
