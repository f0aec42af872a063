"""Outages: the database down answers 503 with a message (pages and API), the broker down never fails a user's
action (the task waits in lms.DeferredTask and goes out once when the broker is back), /healthz says 503."""

import socket

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import path
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView

from learning.models import Enrollment
from lms.celery import app as celery_app
from lms.deferred import enqueue, relay_deferred
from lms.models import DeferredTask, Job
from lms.outage import DatabaseUnavailableMiddleware, is_database_outage, server_error
from lms.tasks import relay_deferred_tasks
from notifications.models import Notification
from tests.factories import make_salesperson
from tests.learning.factories import course_with_lessons

ZH_MESSAGE = "暂时无法连接数据库"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_down(db):
    """Every query fails as it does while PostgreSQL restarts (undone before the test database is cleaned up)."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.MonkeyPatch.context() as patch:

        def arm():
            patch.setattr(CursorWrapper, "execute", refuse)
            patch.setattr(CursorWrapper, "executemany", refuse)

        yield arm


@pytest.fixture
def broker_down(db):
    """Tasks really go to a broker (not eager) and the broker is a closed port on 127.0.0.1."""
    conf = celery_app.conf
    saved = {"task_always_eager": conf.task_always_eager, "broker_url": conf.broker_url}
    conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{_closed_port()}/0")
    yield conf
    conf.update(saved)


def broker_back(conf):
    """The broker is back: in tests, "sent" means run in process (eager), so the work itself is checked."""
    conf.update(task_always_eager=True)


# --- the database down ---------------------------------------------------------------------------------------------


def test_a_page_answers_503_with_a_translated_message_when_the_database_is_down(client_for, sales_a, database_down):
    client = client_for(sales_a)
    client.raise_request_exception = False
    database_down()
    response = client.get("/my/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.content.decode()
    assert ZH_MESSAGE in body and "<html" in body
    assert "Traceback" not in body


def test_english_message(client_for, sales_a, database_down):
    client = client_for(sales_a)
    client.raise_request_exception = False
    client.cookies["django_language"] = "en"
    database_down()
    response = client.get("/my/")
    assert response.status_code == 503
    assert "The database cannot be reached right now" in response.content.decode()


def test_the_api_answers_503_in_the_error_shape_when_the_database_is_down(sales_a, database_down):
    token = Token.objects.create(user=sales_a)
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token.key}")
    database_down()
    response = client.get("/api/v1/me/learning/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "service_unavailable"
    assert ZH_MESSAGE in error["message"]
    assert error["fields"] == {}


def test_the_login_page_answers_503_for_anonymous_people(db, database_down):
    client = Client(raise_request_exception=False)
    database_down()
    response = client.post("/accounts/login/", {"username": "sales01", "password": "x"})
    assert response.status_code == 503


class _Boom(APIView):
    permission_classes = []
    authentication_classes = []

    def get(self, request):
        raise OperationalError("connection refused")

    def post(self, request):
        raise OperationalError("connection refused")


def _page_boom(request):
    raise OperationalError("terminating connection due to administrator command")


def _other_boom(request):
    raise ValueError("a bug, not an outage")


urlpatterns = [
    path("boom/", _page_boom),
    path("other/", _other_boom),
    path("api/v1/boom/", _Boom.as_view()),
]
handler500 = server_error


@pytest.mark.urls("tests.lms.test_outage")
def test_a_view_raising_a_database_error_is_a_503_page_and_api_error(db):
    client = Client()  # the middleware answers: no exception escapes, so the test client would not re-raise
    page = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 503 and ZH_MESSAGE in page.content.decode()
    api = client.post("/api/v1/boom/", {}, content_type="application/json")
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "service_unavailable"


@pytest.mark.urls("tests.lms.test_outage")
def test_any_other_error_stays_a_500(db):
    client = Client(raise_request_exception=False)
    response = client.get("/other/")
    assert response.status_code == 500
    assert ZH_MESSAGE not in response.content.decode()


def test_is_database_outage_follows_wrapped_errors():
    try:
        try:
            raise OperationalError("gone")
        except OperationalError as inner:
            raise RuntimeError("while rendering") from inner
    except RuntimeError as outer:
        assert is_database_outage(outer)
    assert not is_database_outage(ValueError("x"))
    assert not is_database_outage(None)
    assert DatabaseUnavailableMiddleware(lambda r: None).process_exception(None, ValueError("x")) is None


def test_connections_are_health_checked_so_the_app_reconnects_after_a_restart(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


# --- the broker down ------------------------------------------------------------------------------------------------


def test_enrolling_a_person_succeeds_with_the_broker_down_and_the_notice_is_sent_later(
    client_for, trainer, sales_a, broker_down, django_capture_on_commit_callbacks
):
    course = course_with_lessons(3, owners=[trainer])
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/enrollments/new/", {"course": course.id, "who": "person", "person": sales_a.username})
    assert response.status_code == 302
    assert Enrollment.objects.filter(user=sales_a, course=course).exists()
    # The "new learning task" notice waits in the outbox for the periodic dispatch.
    notice = Notification.objects.get(recipient=sales_a)
    assert notice.status in (Notification.Status.PENDING, Notification.Status.DIGEST)


def test_a_bulk_enrollment_is_kept_while_the_broker_is_down_and_runs_once_when_it_is_back(
    client_for, trainer, team_a, settings, broker_down, django_capture_on_commit_callbacks
):
    settings.ENROLLMENT_SYNC_LIMIT = 2
    people = [make_salesperson(team_a) for _ in range(4)]
    course = course_with_lessons(3, owners=[trainer])
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/enrollments/new/", {"course": course.id, "who": "team", "team": team_a.id})
    assert response.status_code == 302
    job = Job.objects.get(kind="enrollment")
    assert job.status == Job.Status.PENDING
    kept = DeferredTask.objects.get()
    assert kept.name == "learning.tasks.enroll_bulk" and kept.kwargs["job_id"] == job.id
    assert "Error" in kept.error

    assert relay_deferred() == 0  # still down: nothing lost, nothing sent
    assert DeferredTask.objects.count() == 1

    broker_back(broker_down)
    assert relay_deferred_tasks.apply().get() == 1
    assert relay_deferred() == 0  # sent once
    assert not DeferredTask.objects.exists()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert Enrollment.objects.filter(course=course, user__in=people).count() == len(people)


def test_enqueue_reports_a_sent_task_and_keeps_nothing(db, monkeypatch):
    calls = []
    monkeypatch.setattr("lms.deferred._publish", lambda name, args, kwargs: calls.append((name, args, kwargs)))
    assert enqueue(relay_deferred_tasks.name, kwargs={}) is True
    assert calls == [("lms.tasks.relay_deferred_tasks", [], {})]
    assert not DeferredTask.objects.exists()


def test_healthz_answers_503_when_the_broker_is_down(client, db, broker_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"].startswith("error")
    assert body["checks"]["database"] == "ok"


def test_healthz_answers_503_when_the_database_is_down(db, database_down):
    client = Client(raise_request_exception=False)
    database_down()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("error")
