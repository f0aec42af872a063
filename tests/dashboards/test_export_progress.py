"""Real progress while a large export streams: during a PostgreSQL COPY the connection cannot write the job's row,
so the count goes to the shared cache and every poll view (API, the export page, the generic job partial) shows it."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from dashboards import exports
from dashboards.services import stats_repair
from lms import jobs
from lms.jobs import job_create
from lms.models import Job
from tests.dashboards.factories import add_people

API = "/api/v1/exports/"


_noted: set[int] = set()


def job_note_progress(*, job_id: int, done: int) -> None:
    _noted.add(job_id)
    jobs.job_note_progress(job_id=job_id, done=done)


@pytest.fixture(autouse=True)
def _forget_noted_progress():
    """The cache outlives a test's rolled-back rows, and SQLite hands the same job id to the next test's job: drop
    what these tests noted so another test's job does not show it."""
    yield
    for job_id in _noted:
        jobs._forget_live_progress(job_id)
    _noted.clear()


@pytest.mark.django_db
def test_the_copy_sink_notes_the_count_every_few_rows(monkeypatch):
    import io

    monkeypatch.setattr(exports, "PROGRESS_EVERY", 3)
    noted, advanced = [], []
    sink = exports._CountingSink(io.BytesIO(), advanced.append, noted.append)
    for i in range(10):
        sink.write(f"row {i}\n".encode())
    sink.close()
    assert noted == [3, 6, 9] and advanced == [10]


@pytest.mark.django_db
def test_poll_views_show_the_noted_progress_of_a_running_job(client_for, api_for, manager_a):
    job = job_create(kind=exports.JOB_KIND, owner=manager_a, total=200)
    Job.objects.filter(id=job.id).update(status=Job.Status.RUNNING)
    job_note_progress(job_id=job.id, done=50)
    data = api_for(manager_a).get(f"{API}{job.id}/").json()
    assert (data["status"], data["done"], data["percent"], data["download"]) == ("running", 50, 25, None)
    page = client_for(manager_a).get(reverse("dashboards:export", args=[job.id]), headers={"HX-Request": "true"})
    assert b'aria-valuenow="25"' in page.content and b"hx-trigger" in page.content
    generic = client_for(manager_a).get(reverse("job_progress", args=[job.id]))
    assert b'aria-valuenow="25"' in generic.content
    job_note_progress(job_id=job.id, done=10**6)  # never more than the total
    assert api_for(manager_a).get(f"{API}{job.id}/").json()["done"] == 200
    # The row wins once the job is finished (and when it says more).
    Job.objects.filter(id=job.id).update(status=Job.Status.DONE, done=200)
    assert api_for(manager_a).get(f"{API}{job.id}/").json()["percent"] == 100


@pytest.mark.django_db
def test_a_cache_outage_does_not_stop_the_work(monkeypatch, manager_a):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set", down)
    monkeypatch.setattr(cache, "get", down)
    job = job_create(kind=exports.JOB_KIND, owner=manager_a, total=10)
    job_note_progress(job_id=job.id, done=5)  # no exception
    assert exports.export_get_for_user(user=manager_a, job_id=job.id).done == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY streams only on PostgreSQL; see the two above")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_intermediate_progress_while_copy_streams(fmt, api_for, client_for, manager_a, team_a, courses, monkeypatch):
    """The export runs as the worker would (own connection, in a thread) and stops inside the COPY at its first
    progress note; meanwhile the poll API and page show a count strictly between 0 and the total."""
    add_people(team_a, 12, courses=courses, seed=5)
    stats_repair()
    params = exports.export_params({"team": team_a.id})
    total = exports.TABLES["people"].rows(scope=team_a, params=params).count()
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 4)
    job = job_create(kind=exports.JOB_KIND, owner=manager_a, total=total)
    reached, release, notes = threading.Event(), threading.Event(), []
    real_note = exports.job_note_progress

    def note(*, job_id, done):
        real_note(job_id=job_id, done=done)
        notes.append(done)
        if not reached.is_set():
            reached.set()
            release.wait(timeout=60)

    monkeypatch.setattr(exports, "job_note_progress", note)
    errors = []

    def worker():
        try:
            exports.export_run(job_id=job.id, table="people", fmt=fmt, params=params)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            release.set()
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert reached.wait(timeout=60), errors
        data = api_for(manager_a).get(f"{API}{job.id}/").json()
        assert data["status"] == "running" and 0 < data["done"] < total == data["total"]
        assert data["done"] == notes[0] and 0 < data["percent"] < 100
        page = client_for(manager_a).get(reverse("dashboards:export", args=[job.id]), headers={"HX-Request": "true"})
        assert f'aria-valuenow="{data["percent"]}"'.encode() in page.content and b"hx-trigger" in page.content
        assert Job.objects.get(id=job.id).done == 0  # the row is written only when the stream ends
    finally:
        release.set()
        thread.join(timeout=60)
    assert not errors
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.done == total == job.result["rows"]
    assert notes == sorted(set(notes)) and notes[0] < total and notes[-1] <= total


@pytest.mark.django_db
@pytest.mark.parametrize("end", ["finish", "fail"])
def test_a_finished_job_forgets_its_noted_progress(end, manager_a):
    from django.core.cache import cache

    job = job_create(kind=exports.JOB_KIND, owner=manager_a, total=10)
    job_note_progress(job_id=job.id, done=5)
    assert cache.get(jobs.LIVE_PROGRESS_KEY.format(job.id)) == 5
    if end == "finish":
        jobs.job_finish(job_id=job.id)
    else:
        jobs.job_fail(job_id=job.id, error="disk full")
    assert cache.get(jobs.LIVE_PROGRESS_KEY.format(job.id)) is None
