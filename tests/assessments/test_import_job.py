"""Large question files are imported in the background (lms.jobs.Job) with a progress bar; small ones at once."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services
from assessments.models import Question, QuestionImport, QuestionVersion
from lms.models import Job


def _gift(n: int) -> bytes:
    return "\n\n".join(f"::题{i}:: 第{i}题：诚信是销售的底线。{{T}}" for i in range(n)).encode()


@pytest.fixture
def small_threshold(settings):
    settings.QUESTION_IMPORT_BACKGROUND_FROM = 5


def _preview(client, n: int) -> QuestionImport:
    upload = SimpleUploadedFile("bank.gift", _gift(n))
    response = client.post(reverse("assessments:import"), {"file": upload, "format": "gift"})
    assert response.status_code == 302
    return QuestionImport.objects.get()


def test_large_file_is_imported_in_the_background_with_progress(
    client_for, trainer, sales_a, small_threshold, django_capture_on_commit_callbacks
):
    client = client_for(trainer)
    pending = _preview(client, 7)
    url = reverse("assessments:import_preview", args=[pending.pk])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    assert len(queued) == 1 and Question.objects.count() == 0  # nothing written in the request
    pending.refresh_from_db()
    job = pending.job
    assert job.status == Job.Status.PENDING and job.total == 7 and job.owner == trainer
    page = client.get(url).content.decode()
    assert 'data-testid="job-progress"' in page and 'data-testid="confirm-import"' not in page
    # A second confirmation while it runs imports nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert not Question.objects.exists()
    queued[0]()  # the worker runs the task (eager in tests)
    job.refresh_from_db()
    pending.refresh_from_db()
    assert job.status == Job.Status.DONE and job.done == 7 and job.result["imported"] == 7
    assert pending.imported_count == 7 and Question.objects.count() == 7
    done_page = client.get(url).content.decode()
    assert "alert-success" in done_page and 'data-testid="confirm-import"' not in done_page
    # The progress partial is the owner's only.
    assert client_for(sales_a).get(reverse("job_progress", args=[job.pk])).status_code == 404


def test_small_file_is_still_imported_at_once(client_for, trainer, small_threshold):
    client = client_for(trainer)
    pending = _preview(client, 4)
    response = client.post(reverse("assessments:import_preview", args=[pending.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("assessments:questions")
    pending.refresh_from_db()
    assert pending.imported_count == 4 and pending.job is None and Question.objects.count() == 4


def test_failed_background_import_leaves_nothing(client_for, trainer, small_threshold):
    client = client_for(trainer)
    pending = _preview(client, 120)
    job = services.import_commit(pending=pending, user=trainer, valid_only=False)
    real = services.question_create
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 75:  # in the second chunk: the first one is already committed
            raise RuntimeError("disk full")
        return real(**kwargs)

    with mock.patch.object(services, "question_create", side_effect=flaky):
        with pytest.raises(RuntimeError):
            services.import_run(import_id=pending.pk, job_id=job.pk)
    job.refresh_from_db()
    pending.refresh_from_db()
    assert job.status == Job.Status.FAILED and "disk full" in job.error
    assert not Question.objects.exists() and not QuestionVersion.objects.exists()
    assert pending.imported_count is None
    page = client.get(reverse("assessments:import_preview", args=[pending.pk])).content.decode()
    assert 'data-job-status="failed"' in page


def test_errors_still_block_a_large_file(client_for, trainer, small_threshold):
    from django.core.exceptions import ValidationError

    client = client_for(trainer)
    upload = SimpleUploadedFile("bank.gift", _gift(6) + b"\n\n::bad:: {=A ~B ~C")
    client.post(reverse("assessments:import"), {"file": upload, "format": "gift"})
    pending = QuestionImport.objects.get()
    assert pending.errors
    with pytest.raises(ValidationError):
        services.import_commit(pending=pending, user=trainer, valid_only=False)
    assert Job.objects.count() == 0
    job = services.import_commit(pending=pending, user=trainer, valid_only=True)
    assert isinstance(job, Job) and job.total == len(pending.parsed)


def test_api_large_import_answers_202_with_the_job(
    api_for, trainer, sales_a, small_threshold, django_capture_on_commit_callbacks
):
    api = api_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/questions/import/",
            {"file": SimpleUploadedFile("bank.gift", _gift(8)), "format": "gift"},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["parsed"] == 8 and body["imported"] == 0 and body["job"]
    job = api.get(f"/api/v1/jobs/{body['job']}/").json()
    assert job["status"] == "done" and job["done"] == 8 and job["result"]["imported"] == 8
    assert Question.objects.count() == 8
    assert api_for(sales_a).get(f"/api/v1/jobs/{body['job']}/").status_code == 404
    dry = api.post(
        "/api/v1/questions/import/",
        {"file": SimpleUploadedFile("bank.gift", _gift(8)), "format": "gift", "dry_run": "true"},
        format="multipart",
    )
    assert dry.status_code == 200 and dry.json()["job"] is None and Question.objects.count() == 8
