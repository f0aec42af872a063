"""The outbox: idempotent writes, quiet hours, preferences, digests, the daily cap, retries and leases."""

import datetime as dt
import smtplib
import socket

import pytest
from django.core import mail
from django.test import override_settings

from notifications import services
from notifications.models import EmailDaySlot, Notification, NotificationPreference
from tests.factories import UserFactory
from tests.notifications.conftest import local
from tests.notifications.factories import make_notification

Status = Notification.Status
pytestmark = pytest.mark.django_db


def dispatch(now):
    return services.dispatch_all(now=now)


def test_notify_is_idempotent_on_its_key(sales_a, day_time):
    first, created = services.notify(recipient=sales_a, kind="test", subject="x", occasion="2026-11-24", now=day_time)
    again, created_again = services.notify(
        recipient=sales_a, kind="test", subject="x", occasion="2026-11-24", now=day_time
    )
    assert created and not created_again
    assert first.pk == again.pk
    assert Notification.objects.count() == 1


def test_notify_many_inserts_a_set_once_even_when_replayed(day_time, django_assert_max_num_queries):
    users = UserFactory.create_batch(30)
    specs = [services.Spec(recipient_id=u.id, kind="test", subject="bulk") for u in users]
    with django_assert_max_num_queries(4):
        services.notify_many(specs=specs, now=day_time)
    services.notify_many(specs=specs, now=day_time)
    assert Notification.objects.filter(subject="bulk").count() == 30


def test_subject_key_of_a_model_instance(sales_a):
    assert services.subject_key(sales_a) == f"trainees.user:{sales_a.pk}"


def test_dispatch_sends_one_email_and_marks_it_sent(sales_a, day_time, mailoutbox):
    n = make_notification(sales_a, now=day_time)
    result = dispatch(day_time)
    assert result.sent == 1
    n.refresh_from_db()
    assert n.status == Status.SENT and n.sent_at == day_time and n.delivered_via == ["email"]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [sales_a.email]
    assert dispatch(day_time).claimed == 0
    assert len(mailoutbox) == 1


# --- quiet hours ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now,expected",
    [
        (local(2026, 11, 24, 21, 59), None),
        (local(2026, 11, 24, 22, 0), local(2026, 11, 25, 8, 0)),
        (local(2026, 11, 24, 23, 59, 59), local(2026, 11, 25, 8, 0)),
        (local(2026, 11, 25, 0, 0), local(2026, 11, 25, 8, 0)),
        (local(2026, 11, 25, 7, 59), local(2026, 11, 25, 8, 0)),
        (local(2026, 11, 25, 8, 0), None),
    ],
)
def test_quiet_hours_edges_in_shanghai(now, expected):
    assert services.quiet_until(now) == expected


def test_quiet_hours_defer_email_but_in_app_shows_at_once(client_for, sales_a, mailoutbox):
    night = local(2026, 11, 24, 23, 30)
    n = make_notification(sales_a, now=night)
    assert n.status == Status.PENDING and n.not_before == local(2026, 11, 25, 8, 0)
    assert dispatch(night).claimed == 0
    assert dispatch(local(2026, 11, 25, 7, 59)).claimed == 0
    assert mailoutbox == []
    assert n.title in client_for(sales_a).get("/notifications/").text
    assert dispatch(local(2026, 11, 25, 8, 0)).sent == 1
    assert len(mailoutbox) == 1


def test_rows_due_during_quiet_hours_wait_for_the_morning(sales_a, day_time, mailoutbox):
    n = make_notification(sales_a, now=day_time)
    result = dispatch(local(2026, 11, 24, 22, 30))
    assert result.deferred == 1 and result.sent == 0
    n.refresh_from_db()
    assert n.not_before == local(2026, 11, 25, 8, 0)
    assert mailoutbox == []


# --- preferences and digests ---------------------------------------------------------------------------------------


def test_email_off_is_skipped_by_preference(sales_a, day_time, mailoutbox):
    NotificationPreference.objects.create(user=sales_a, kind="test", email="off")
    n = make_notification(sales_a, now=day_time)
    assert n.status == Status.SKIPPED_PREFERENCE and n.show_in_app
    dispatch(day_time)
    assert mailoutbox == []


def test_in_app_off_hides_it_from_the_centre_but_emails(client_for, sales_a, day_time, mailoutbox):
    NotificationPreference.objects.create(user=sales_a, kind="test", in_app=False)
    n = make_notification(sales_a, now=day_time)
    assert not n.show_in_app
    assert f'id="notification-{n.id}"' not in client_for(sales_a).get("/notifications/").text
    dispatch(day_time)
    assert len(mailoutbox) == 1


def test_no_address_is_recorded_not_retried(day_time, mailoutbox):
    user = UserFactory(email="")
    n = make_notification(user, now=day_time)
    assert n.status == Status.SKIPPED_NO_ADDRESS
    assert dispatch(day_time).claimed == 0


def test_daily_digest_replaces_single_emails(sales_a, day_time, mailoutbox):
    for kind in ("test", "welcome"):
        NotificationPreference.objects.create(user=sales_a, kind=kind, email="digest")
    a = make_notification(sales_a, kind="test", now=day_time)
    b = make_notification(sales_a, kind="welcome", now=day_time)
    assert {a.status, b.status} == {Status.DIGEST}
    dispatch(day_time)
    assert mailoutbox == []

    morning = local(2026, 11, 25, 8, 5)
    assert services.build_daily_digests(now=morning) == 2
    assert services.build_daily_digests(now=morning) == 0  # beat firing twice: nothing more
    dispatch(morning)
    assert len(mailoutbox) == 1
    digest = Notification.objects.get(kind="daily_digest")
    assert digest.status == Status.SENT and not digest.show_in_app
    assert set(digest.digested.values_list("id", flat=True)) == {a.id, b.id}
    body = mailoutbox[0].body
    assert a.title in body and b.title in body


def test_a_second_digest_run_the_same_day_leaves_new_rows_for_tomorrow(sales_a, mailoutbox):
    NotificationPreference.objects.create(user=sales_a, kind="test", email="digest")
    make_notification(sales_a, subject="1", now=local(2026, 11, 24, 10))
    services.build_daily_digests(now=local(2026, 11, 25, 8, 5))
    late = make_notification(sales_a, subject="2", now=local(2026, 11, 25, 9))
    assert services.build_daily_digests(now=local(2026, 11, 25, 12)) == 0
    late.refresh_from_db()
    assert late.status == Status.DIGEST
    assert services.build_daily_digests(now=local(2026, 11, 26, 8, 5)) == 1


# --- at most one e-mail of a kind per person per local day --------------------------------------------------------


def test_several_of_one_kind_at_once_make_one_email(sales_a, day_time, mailoutbox):
    for subject in "abc":
        make_notification(sales_a, subject=subject, now=day_time)
    assert dispatch(day_time).sent == 3
    assert len(mailoutbox) == 1


def test_second_email_of_a_kind_the_same_day_waits_for_tomorrow(sales_a, mailoutbox):
    make_notification(sales_a, subject="a", now=local(2026, 11, 24, 9))
    dispatch(local(2026, 11, 24, 9))
    later = make_notification(sales_a, subject="b", now=local(2026, 11, 24, 15))
    result = dispatch(local(2026, 11, 24, 15))
    assert result.deferred == 1 and len(mailoutbox) == 1
    later.refresh_from_db()
    assert later.status == Status.PENDING and later.not_before == local(2026, 11, 25, 8, 0)
    assert later.attempts == 0
    dispatch(local(2026, 11, 25, 8, 0))
    assert len(mailoutbox) == 2


def test_daily_cap_cannot_be_bypassed_by_a_stale_row(sales_a):
    EmailDaySlot.objects.create(
        user=sales_a,
        kind="test",
        day=dt.date(2026, 11, 24),
        token="00000000-0000-0000-0000-000000000001",
        sent=True,
        claimed_at=local(2026, 11, 24, 9),
    )
    make_notification(sales_a, now=local(2026, 11, 24, 10))
    assert dispatch(local(2026, 11, 24, 13)).sent == 0


@override_settings(NOTIFICATIONS={"QUIET_HOURS": ("00:00", "00:00")})
def test_the_day_is_the_local_day_around_midnight(sales_a, mailoutbox):
    # 23:30 and 00:30 in Shanghai are two days, though both are the same UTC date (15:30 and 16:30 UTC).
    make_notification(sales_a, subject="a", now=local(2026, 11, 24, 23, 30))
    dispatch(local(2026, 11, 24, 23, 30))
    make_notification(sales_a, subject="b", now=local(2026, 11, 25, 0, 30))
    dispatch(local(2026, 11, 25, 0, 30))
    assert len(mailoutbox) == 2
    assert sorted(EmailDaySlot.objects.values_list("day", flat=True)) == [dt.date(2026, 11, 24), dt.date(2026, 11, 25)]


# --- failures, retries, leases -------------------------------------------------------------------------------------


class FlakyBackend:
    """Fails the first `failures` sends with an SMTP error, then delivers to the locmem outbox."""

    failures = 0
    calls = 0

    def __init__(self, alias=None, **kwargs):
        pass

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        mail.outbox.extend(messages)
        return len(messages)


FLAKY = {"default": {"BACKEND": "tests.notifications.test_outbox.FlakyBackend"}}


@pytest.fixture
def flaky():
    FlakyBackend.calls = 0
    FlakyBackend.failures = 0
    return FlakyBackend


@override_settings(MAILERS=FLAKY)
def test_smtp_failure_retries_with_backoff_then_sends_once(sales_a, day_time, flaky, mailoutbox):
    flaky.failures = 2
    n = make_notification(sales_a, now=day_time)
    assert dispatch(day_time).retrying == 1
    n.refresh_from_db()
    assert n.status == Status.PENDING and n.attempts == 1
    assert n.not_before == day_time + dt.timedelta(seconds=60)
    assert "SMTPServerDisconnected" in n.last_error
    assert dispatch(day_time + dt.timedelta(seconds=30)).claimed == 0  # not before its time
    t2 = day_time + dt.timedelta(seconds=60)
    dispatch(t2)
    n.refresh_from_db()
    assert n.attempts == 2 and n.not_before == t2 + dt.timedelta(seconds=120)  # exponential
    dispatch(t2 + dt.timedelta(seconds=120))
    n.refresh_from_db()
    assert n.status == Status.SENT and n.attempts == 3 and n.last_error == ""
    assert len(mailoutbox) == 1
    assert EmailDaySlot.objects.filter(user=sales_a, sent=True).count() == 1


@override_settings(MAILERS=FLAKY)
def test_smtp_down_ends_failed_with_the_reason(sales_a, day_time, flaky, mailoutbox):
    flaky.failures = 99
    n = make_notification(sales_a, now=day_time)
    now = day_time
    for _attempt in range(5):
        dispatch(now)
        now += dt.timedelta(hours=1)
    n.refresh_from_db()
    assert n.status == Status.FAILED and n.attempts == 5
    assert "SMTPServerDisconnected" in n.last_error
    assert dispatch(now).claimed == 0
    assert mailoutbox == []


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_a_real_smtp_socket_that_refuses_ends_failed(sales_a, day_time):
    refusing = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": _closed_port(), "timeout": 2},
        }
    }
    with override_settings(MAILERS=refusing, NOTIFICATIONS={"MAX_ATTEMPTS": 2}):
        n = make_notification(sales_a, now=day_time)
        dispatch(day_time)
        dispatch(day_time + dt.timedelta(hours=1))
    n.refresh_from_db()
    assert n.status == Status.FAILED
    assert "ConnectionRefusedError" in n.last_error


def test_backoff_never_exceeds_the_broker_visibility_timeout():
    with override_settings(
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CELERY_BROKER_TRANSPORT_OPTIONS={"visibility_timeout": 600},
        NOTIFICATIONS={"BACKOFF_MAX": 7200},
    ):
        assert services.backoff_seconds(20) == 540


def test_rows_of_a_worker_that_died_are_reclaimed_after_the_lease(sales_a, day_time, mailoutbox):
    n = make_notification(sales_a, now=day_time)
    # A worker claims the row and dies before sending.
    assert services.claim_batch(token=services.uuid.uuid4(), now=day_time, limit=10) == 1
    assert dispatch(day_time + dt.timedelta(seconds=60)).claimed == 0  # still leased
    assert mailoutbox == []
    dispatch(day_time + dt.timedelta(seconds=601))
    n.refresh_from_db()
    assert n.status == Status.SENT
    assert len(mailoutbox) == 1


def test_a_crashed_day_slot_is_taken_over_after_the_lease(sales_a, day_time, mailoutbox):
    make_notification(sales_a, now=day_time)
    token = services.uuid.uuid4()
    services.claim_batch(token=token, now=day_time, limit=10)
    # The dead worker had taken the day's slot too.
    EmailDaySlot.objects.create(user=sales_a, kind="test", day=day_time.date(), token=token, claimed_at=day_time)
    dispatch(day_time + dt.timedelta(seconds=601))
    assert len(mailoutbox) == 1


def test_claim_is_conditional_two_claims_never_share_a_row(sales_a, day_time):
    for subject in "abcdef":
        make_notification(sales_a, subject=subject, now=day_time)
    first = services.claim_batch(token=services.uuid.uuid4(), now=day_time, limit=4)
    second = services.claim_batch(token=services.uuid.uuid4(), now=day_time, limit=4)
    assert (first, second) == (4, 2)
    assert Notification.objects.values("claim_token").distinct().count() == 2


def _deadlock_once(monkeypatch, times=1):
    """The next `times` day-slot inserts fail as PostgreSQL reports a deadlock."""
    from django.db import OperationalError

    real = services._take_day_slots
    calls = {"n": 0}

    def take(**kwargs):
        calls["n"] += 1
        if calls["n"] <= times:
            raise OperationalError(
                "deadlock detected\nCONTEXT: while inserting index tuple in notifications_emaildayslot"
            )
        return real(**kwargs)

    monkeypatch.setattr(services, "_take_day_slots", take)
    return calls


def test_a_database_error_mid_batch_gives_the_batch_back(sales_a, day_time, monkeypatch, mailoutbox):
    from django.db import OperationalError

    n = make_notification(sales_a, now=day_time)
    _deadlock_once(monkeypatch)
    with pytest.raises(OperationalError):
        services.dispatch_batch(now=day_time)
    n.refresh_from_db()
    # Not left "sending" until the lease runs out: pending again, the failed claim not counted as an attempt.
    assert (n.status, n.claim_token, n.attempts) == (Status.PENDING, None, 0)
    assert not EmailDaySlot.objects.exists()
    assert dispatch(day_time).sent == 1
    assert len(mailoutbox) == 1


def test_dispatch_task_retries_on_a_deadlock_with_backoff(sales_a, day_time, monkeypatch, mailoutbox):
    from notifications import tasks

    make_notification(sales_a, now=day_time)
    calls = _deadlock_once(monkeypatch)
    countdowns = []
    real_retry = tasks.dispatch_notifications.retry

    def retry(*args, **kwargs):
        countdowns.append(kwargs["countdown"])
        return real_retry(*args, **kwargs)

    monkeypatch.setattr(tasks.dispatch_notifications, "retry", retry)
    # throw=False: as a worker does, the eager run turns the Retry into a new run instead of raising it.
    result = tasks.dispatch_notifications.apply(kwargs={"now": day_time.isoformat()}, throw=False)
    assert result.successful() and result.result["sent"] == 1
    assert calls["n"] == 2 and countdowns == [services.backoff_seconds(1)]  # the outbox's backoff: 60 s first
    assert len(mailoutbox) == 1
    assert Notification.objects.get().status == Status.SENT


@override_settings(NOTIFICATIONS={"MAX_ATTEMPTS": 2})
def test_dispatch_task_gives_up_after_the_last_try_and_leaves_rows_pending(sales_a, day_time, monkeypatch):
    from django.db import OperationalError

    from notifications import tasks

    n = make_notification(sales_a, now=day_time)
    calls = _deadlock_once(monkeypatch, times=99)
    from lms.celery import app as celery_app

    saved = celery_app.conf.task_eager_propagates
    celery_app.conf.update(task_eager_propagates=False)  # every eager retry run handled as in a worker
    try:
        result = tasks.dispatch_notifications.apply(kwargs={"now": day_time.isoformat()})
    finally:
        celery_app.conf.update(task_eager_propagates=saved)
    assert result.failed() and isinstance(result.result, OperationalError)
    assert calls["n"] == 3  # the first run and two retries
    n.refresh_from_db()
    assert n.status == Status.PENDING  # the periodic dispatch sends it later; nothing is lost


def test_an_smtp_error_is_not_a_task_retry(sales_a, day_time, monkeypatch):
    """Send failures are the rows' business (their own backoff); only database errors retry the task."""
    from notifications import tasks

    monkeypatch.setattr(tasks.dispatch_notifications, "retry", lambda *a, **k: pytest.fail("the task must not retry"))
    with override_settings(MAILERS=FLAKY):
        FlakyBackend.calls, FlakyBackend.failures = 0, 1
        make_notification(sales_a, now=day_time)
        result = tasks.dispatch_notifications.apply(kwargs={"now": day_time.isoformat()})
    assert result.successful() and result.result["retrying"] == 1


# --- the whole set in one statement -------------------------------------------------------------------------------


def _plan_users_in_sql(now):
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Cast, Concat

    from trainees.models import User

    return services.notify_from_query(
        source=User.objects.filter(username__startswith="q"),
        kind="due_soon",
        recipient="id",
        subject=Concat(Value("trainees.user:"), Cast("id", output_field=CharField())),
        occasion="d3:2026-11-27",
        context={"title": F("username"), "days": 3},
        now=now,
    )


@pytest.mark.parametrize(
    "now,quiet", [(local(2026, 11, 24, 10), None), (local(2026, 11, 24, 23), local(2026, 11, 25, 8))]
)
def test_notify_from_query_plans_like_notify(now, quiet, django_assert_max_num_queries):
    normal, off, digest, no_mail, hidden = (UserFactory(username=f"q{i}") for i in range(5))
    no_mail.email = ""
    no_mail.save(update_fields=["email"])
    NotificationPreference.objects.create(user=off, kind="due_soon", email="off")
    NotificationPreference.objects.create(user=digest, kind="due_soon", email="digest")
    NotificationPreference.objects.create(user=hidden, kind="due_soon", in_app=False)
    from django.db import connection

    assert connection.features.supports_json_field  # SQLite probes this once; not part of the plan
    # A read of the distinct quiet hours people chose, then one statement (on PostgreSQL preceded by SET LOCAL
    # jit = off, see notify_from_query).
    with django_assert_max_num_queries(3 if connection.vendor == "postgresql" else 2):
        assert _plan_users_in_sql(now) == 5
    assert _plan_users_in_sql(now) == 0  # replay: nothing written
    got = {n.recipient_id: n for n in Notification.objects.filter(kind="due_soon")}
    assert got[normal.id].status == Status.PENDING and got[normal.id].not_before == quiet
    assert got[off.id].status == Status.SKIPPED_PREFERENCE and got[off.id].not_before is None
    assert got[digest.id].status == Status.DIGEST
    assert got[no_mail.id].status == Status.SKIPPED_NO_ADDRESS
    assert not got[hidden.id].show_in_app and got[normal.id].show_in_app
    assert got[normal.id].context == {"title": "q0", "days": 3}
    assert got[normal.id].subject == f"trainees.user:{normal.id}"
    assert "q0" in got[normal.id].title
