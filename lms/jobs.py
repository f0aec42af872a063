"""Background jobs with a progress bar: services, the access function, the API view and the htmx partial.

A page that starts long work creates a Job, queues a Celery task with the job id (on commit), and includes
`partials/job_progress.html`; the partial polls `jobs:progress` every second until the job is finished, then
renders its final state without the polling trigger. Reused by any feature with long work (imports, exports).

Work that cannot write its row while it runs (an export whose connection is busy streaming a COPY) reports its
progress with `job_note_progress` into the shared cache (Redis wherever Celery workers run: REDIS_URL is also the
broker); `job_get_for_user`, and so every poll view, shows the larger of the row's and the cache's count. The row
stays the one durable record, written when the work ends.
"""

import logging

from django.core.cache import cache
from django.db.models import F
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.models import Job
from lms.roles import is_admin


def job_create(*, kind: str, owner, total: int = 0) -> Job:
    job = Job.objects.create(kind=kind, owner=owner, total=total)
    _forget_live_progress(job.id)  # an id seen before (a database restored from a backup) starts from 0
    return job


def job_start(*, job_id: int, total: int | None = None) -> None:
    fields = {"status": Job.Status.RUNNING}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(id=job_id, status=Job.Status.PENDING).update(**fields)


def job_advance(*, job_id: int, by: int) -> None:
    Job.objects.filter(id=job_id).update(done=F("done") + by)


LIVE_PROGRESS_KEY = "lms:job:{}:done"
LIVE_PROGRESS_TTL = 24 * 3600
log = logging.getLogger(__name__)


def job_note_progress(*, job_id: int, done: int) -> None:
    """Record that a running job has processed `done` items so far, without touching the database (one cache
    write). Best effort: a cache outage loses the intermediate figure, never the work."""
    try:
        cache.set(LIVE_PROGRESS_KEY.format(job_id), int(done), timeout=LIVE_PROGRESS_TTL)
    except Exception:  # the cache is down: the bar waits for the row, as before
        log.warning("job %s: progress not recorded in the cache", job_id, exc_info=True)


def _forget_live_progress(job_id: int) -> None:
    try:
        cache.delete(LIVE_PROGRESS_KEY.format(job_id))
    except Exception:  # the entry expires by itself
        log.warning("job %s: live progress not removed from the cache", job_id, exc_info=True)


def _with_live_progress(job: Job) -> Job:
    """The job with `done` raised to the progress its work noted in the cache (while it is not finished)."""
    if job.status not in (Job.Status.PENDING, Job.Status.RUNNING):
        return job
    try:
        live = cache.get(LIVE_PROGRESS_KEY.format(job.id))
    except Exception:
        log.warning("job %s: live progress unreadable", job.id, exc_info=True)
        return job
    if isinstance(live, int) and live > job.done:
        job.done = min(live, job.total) if job.total else live
    return job


def job_finish(*, job_id: int, result: dict | None = None) -> None:
    Job.objects.filter(id=job_id).update(
        status=Job.Status.DONE, done=F("total"), result=result or {}, finished_at=timezone.now()
    )
    _forget_live_progress(job_id)


def job_fail(*, job_id: int, error: str) -> None:
    Job.objects.filter(id=job_id).update(status=Job.Status.FAILED, error=error[:2000], finished_at=timezone.now())
    _forget_live_progress(job_id)


def job_get_for_user(*, user, job_id) -> Job:
    """The owner (or an admin) sees a job; anyone else gets 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    qs = Job.objects.all() if is_admin(user) else Job.objects.filter(owner_id=user.id)
    try:
        return _with_live_progress(qs.get(id=job_id))
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def run_job(job_id: int, work) -> None:
    """Run `work(advance)` for the job: marks it running, done with the returned result, or failed."""
    job_start(job_id=job_id)
    try:
        result = work(lambda n: job_advance(job_id=job_id, by=n))
    except Exception as exc:
        job_fail(job_id=job_id, error=f"{exc.__class__.__name__}: {exc}")
        raise
    job_finish(job_id=job_id, result=result)


class JobOut(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    finished = serializers.BooleanField(source="is_finished", read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "total",
            "done",
            "percent",
            "finished",
            "error",
            "result",
            "created_at",
            "finished_at",
        ]


class JobDetailView(APIView):
    @extend_schema(responses=JobOut)
    def get(self, request, pk: int):
        return Response(JobOut(job_get_for_user(user=request.user, job_id=pk)).data)


def job_progress(request, job_id: int):
    """The htmx partial: a progress bar that keeps polling until the job is finished."""
    job = job_get_for_user(user=request.user, job_id=job_id)
    return render(request, "partials/job_progress.html", {"job": job})
