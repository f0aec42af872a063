"""Celery tasks for the dashboards. Thin: they call a service. Both are safe to run twice."""

from celery import shared_task

from dashboards import exports, services


@shared_task
def stats_repair() -> dict:
    return services.stats_repair()


@shared_task
def stats_refresh_mastery() -> int:
    return services.stats_refresh_mastery()


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def dashboard_export(*, job_id: int, table: str, fmt: str, params: dict) -> None:
    exports.export_run(job_id=job_id, table=table, fmt=fmt, params=params)
