"""The rule registry and scan task, the welcome rule, the webhook channel, and the broker being down."""

import datetime as dt
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.urls import reverse

from lms.celery import app as celery_app
from notifications import rules, services, tasks
from notifications.models import Notification
from notifications.services import Spec, notify_many
from tests.factories import UserFactory
from tests.notifications.factories import make_notification

pytestmark = pytest.mark.django_db
Status = Notification.Status


def every_user_daily(*, now, id_range=None):
    """A test-only rule: one "test" notification per active user per local day."""
    from trainees.models import User

    day = services.timezone.localtime(now).date().isoformat()
    ids = rules.in_range(User.objects.filter(is_active=True), id_range).values_list("id", flat=True)
    return notify_many(specs=(Spec(recipient_id=i, kind="test", subject="daily", occasion=day) for i in ids), now=now)


def test_builtin_rules_are_registered():
    assert "welcome_new_people" in rules.RULES


def test_scan_runs_every_registered_rule_once_per_key(isolated_rules, day_time, django_assert_max_num_queries):
    users = UserFactory.create_batch(12)
    rules.register_rule("every_user_daily", every_user_daily)
    with django_assert_max_num_queries(12):
        tasks.scan_due_reminders.delay(day_time.isoformat())
    tasks.scan_due_reminders.delay(day_time.isoformat())  # beat firing twice
    assert Notification.objects.filter(kind="test").count() == len(users)
    next_day = day_time + dt.timedelta(days=1)
    tasks.scan_due_reminders.delay(next_day.isoformat())
    assert Notification.objects.filter(kind="test").count() == 2 * len(users)


def test_not_yet_notified_makes_a_replay_plan_nothing(day_time):
    from trainees.models import User

    users = UserFactory.create_batch(5)

    def rule(*, now, id_range=None):
        todo = rules.not_yet_notified(User.objects.all(), kind="test", occasion="o", recipient="id")
        return notify_many(
            specs=[
                Spec(recipient_id=i, kind="test", subject=f"trainees.user:{i}", occasion="o")
                for i in todo.values_list("id", flat=True)
            ],
            now=now,
        )

    assert rule(now=day_time) == len(users)
    assert rule(now=day_time) == 0
    assert Notification.objects.filter(kind="test").count() == len(users)


def test_rule_groups_run_from_their_own_beat_task(isolated_rules, day_time):
    user = UserFactory()
    calls = []
    rules.register_rule("weekly", lambda *, now, id_range=None: calls.append(now) or 0, group="manager_weekly_digest")
    tasks.scan_due_reminders.delay(day_time.isoformat())
    assert calls == []
    tasks.send_manager_weekly_digests.delay(day_time.isoformat())
    assert calls == [day_time]
    assert user  # the rule ran with nothing to say


def test_large_sets_run_as_chunks_of_their_own(isolated_rules, day_time):
    users = UserFactory.create_batch(25)
    from trainees.models import User

    rule = rules.register_rule("every_user_daily", every_user_daily, chunk_source=lambda: User.objects.all())
    with override_settings(NOTIFICATIONS={"CHUNK_SIZE": 10}):
        chunks = rules.chunks_for(rule)
        assert len(chunks) >= 3
        tasks.scan_due_reminders.delay(day_time.isoformat())
    assert Notification.objects.filter(kind="test").count() == len(users)


def test_unknown_rule_chunk_is_skipped(isolated_rules):
    assert tasks.run_rule_chunk.delay("gone", 1, 10).get() == 0


def test_welcome_rule_greets_new_people_once(day_time):
    new = UserFactory()
    old = UserFactory()
    old.date_joined = day_time - dt.timedelta(days=30)
    old.save(update_fields=["date_joined"])
    rules.run_rule("welcome_new_people", now=day_time)
    rules.run_rule("welcome_new_people", now=day_time)
    assert list(Notification.objects.filter(kind="welcome").values_list("recipient_id", flat=True)) == [new.id]


def test_beat_schedule_is_declared_and_routed():
    from django.conf import settings

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["notifications-scan-due-reminders"]["task"] == "notifications.tasks.scan_due_reminders"
    assert settings.CELERY_TASK_ROUTES["notifications.tasks.scan_due_reminders"]["queue"] == "bulk"
    assert settings.CELERY_TASK_ROUTES["notifications.tasks.dispatch_notifications"]["queue"] == "send"
    assert tasks.dispatch_notifications.time_limit < settings.NOTIFICATIONS["LEASE_SECONDS"]
    weekly = schedule["notifications-manager-weekly-digest"]["schedule"]
    assert weekly.hour == {9} and weekly.minute == {0} and weekly.day_of_week == {1}


# --- webhook channel against a local stub server -------------------------------------------------------------------


class Stub(BaseHTTPRequestHandler):
    received: list = []
    fail_next = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).fail_next:
            type(self).fail_next -= 1
            self.send_response(500)
        else:
            type(self).received.append(json.loads(body))
            self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_server():
    Stub.received = []
    Stub.fail_next = 0
    server = HTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Stub
    server.shutdown()
    server.server_close()


def _webhook(url, enabled=True):
    return {
        "CHANNELS": {
            "wecom": {
                "CLASS": "notifications.channels.WebhookChannel",
                "URL": url,
                "ENABLED": enabled,
                "TIMEOUT": 3,
            }
        }
    }


def test_webhook_channel_is_off_by_default():
    from notifications.channels import pushed_channels

    assert [c.name for c in pushed_channels()] == ["email"]


def test_webhook_channel_posts_json_when_enabled(stub_server, sales_a, day_time, mailoutbox):
    url, stub = stub_server
    with override_settings(NOTIFICATIONS=_webhook(url)):
        make_notification(sales_a, kind="welcome", now=day_time)
        services.dispatch_all(now=day_time)
    assert len(mailoutbox) == 1
    (payload,) = stub.received
    assert payload["kind"] == "welcome" and payload["recipient"]["username"] == sales_a.username
    assert payload["items"][0]["title"] and payload["msgtype"] == "text"


def test_a_failed_webhook_is_retried_without_resending_the_email(stub_server, sales_a, day_time, mailoutbox):
    url, stub = stub_server
    stub.fail_next = 1
    with override_settings(NOTIFICATIONS=_webhook(url)):
        n = make_notification(sales_a, now=day_time)
        services.dispatch_all(now=day_time)
        n.refresh_from_db()
        assert n.status == Status.PENDING and n.delivered_via == ["email"] and "500" in n.last_error
        services.dispatch_all(now=day_time + dt.timedelta(minutes=5))
    n.refresh_from_db()
    assert n.status == Status.SENT and sorted(n.delivered_via) == ["email", "wecom"]
    assert len(mailoutbox) == 1 and len(stub.received) == 1


def test_disabled_webhook_is_not_called(stub_server, sales_a, day_time):
    url, stub = stub_server
    with override_settings(NOTIFICATIONS=_webhook(url, enabled=False)):
        make_notification(sales_a, now=day_time)
        services.dispatch_all(now=day_time)
    assert stub.received == []


# --- broker down ---------------------------------------------------------------------------------------------------


@pytest.fixture
def broker_down():
    """Point Celery at a port where nothing listens, and stop running tasks in process."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    saved = {"task_always_eager": celery_app.conf.task_always_eager, "broker_url": celery_app.conf.broker_url}
    celery_app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{port}/0")
    _fresh_pools()
    yield
    celery_app.conf.update(**saved)
    _fresh_pools()


def _fresh_pools():
    """Connections are pooled per broker URL: drop them so the next publish uses the current setting."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_enqueue_failure_is_caught_and_logged(broker_down, caplog):
    with caplog.at_level(logging.WARNING):
        assert services.enqueue_dispatch() is False
    assert "periodic dispatch will pick it up" in caplog.text


def test_user_action_succeeds_with_the_broker_down_and_mail_goes_out_later(
    broker_down, client_for, sales_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(sales_a).post(reverse("notifications:test"))
    assert response.status_code == 302
    n = Notification.objects.get(recipient=sales_a, kind="test")
    assert n.status == Status.PENDING and mailoutbox == []
    # Redis is back: the next periodic dispatch sends what waited.
    services.dispatch_all(
        now=n.created_at + dt.timedelta(minutes=1)
        if services.quiet_until(n.created_at) is None
        else services.quiet_until(n.created_at)
    )
    n.refresh_from_db()
    assert n.status == Status.SENT and len(mailoutbox) == 1


def test_system_check_reports_a_channel_class_that_does_not_import(settings):
    settings.NOTIFICATIONS = {"CHANNELS": {"wecom": {"CLASS": "trainees.notifications.channels.WebhookChannel"}}}
    with pytest.raises(SystemCheckError, match="notifications.E001"):
        call_command("check")
    settings.NOTIFICATIONS = {"CHANNELS": {"wecom": {"CLASS": "notifications.conf.get"}}}
    with pytest.raises(SystemCheckError, match="notifications.E002"):
        call_command("check")
    settings.NOTIFICATIONS = {"CHANNELS": {"wecom": {"CLASS": "notifications.channels.WebhookChannel", "URL": "x"}}}
    call_command("check")  # the built-in classes pass
