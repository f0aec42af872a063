"""What keeps the scan and the dispatch fast at scale: the overdue rule is one statement whatever the number of weeks
and enrollments, and a batch of e-mails goes through one mail connection (a broken one is dropped, not reused)."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings

from learning.models import Enrollment
from notifications import rules, services
from notifications.models import Notification
from tests.factories import UserFactory
from tests.learning.factories import CourseFactory
from tests.notifications.conftest import local
from tests.notifications.factories import make_notification

pytestmark = pytest.mark.django_db
TUESDAY = local(2026, 11, 24, 10)


class ConnectionCountingBackend:
    """Delivers to the locmem outbox; counts connections. A send while `fail_next` is set raises, as SMTP does."""

    opened = 0
    closed = 0
    sends_per_connection: list = []
    fail_next = 0

    def __init__(self, alias=None, **kwargs):
        self.connection = None

    def open(self):
        if self.connection is None:
            type(self).opened += 1
            self.connection = []
            type(self).sends_per_connection.append(self.connection)
            return True
        return False

    def close(self):
        if self.connection is not None:
            type(self).closed += 1
            self.connection = None

    def send_messages(self, messages):
        if type(self).fail_next:
            type(self).fail_next -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        created = self.open()
        self.connection.extend(messages)
        mail.outbox.extend(messages)
        if created:
            self.close()
        return len(messages)


COUNTING = {"default": {"BACKEND": "tests.notifications.test_scale.ConnectionCountingBackend"}}


@pytest.fixture
def counting():
    cls = ConnectionCountingBackend
    cls.opened = cls.closed = cls.fail_next = 0
    cls.sends_per_connection = []
    with override_settings(MAILERS=COUNTING):
        yield cls


def test_a_batch_of_emails_goes_through_one_connection(counting, mailoutbox):
    people = UserFactory.create_batch(6)
    for person in people:
        make_notification(person, subject="batch", now=TUESDAY)
    result = services.dispatch_batch(now=TUESDAY)
    assert result.sent == 6 and len(mailoutbox) == 6
    assert counting.opened == 1 and counting.closed == 1
    assert [len(sent) for sent in counting.sends_per_connection] == [6]


def test_a_broken_connection_is_dropped_and_the_rest_of_the_batch_still_goes(counting, mailoutbox):
    people = UserFactory.create_batch(4)
    for person in people:
        make_notification(person, subject="flaky", now=TUESDAY)
    counting.fail_next = 1
    result = services.dispatch_batch(now=TUESDAY)
    assert result.retrying == 1 and result.sent == 3 and len(mailoutbox) == 3
    assert counting.opened == counting.closed  # nothing left open
    failed = Notification.objects.get(status=Notification.Status.PENDING)
    assert "SMTPServerDisconnected" in failed.last_error


def test_overdue_rule_is_one_statement_over_every_week(django_assert_max_num_queries):
    """Enrollments 1, 8, 15 ... days past due (weekly reminders) and some that do not fire; one INSERT ... SELECT."""
    course = CourseFactory()
    people = UserFactory.create_batch(30)
    today = TUESDAY.date()
    firing = {}
    for i, person in enumerate(people):
        days = 1 + 7 * (i % 10) if i % 3 else 2 + i % 5  # every third one is 2-6 days late: no reminder that day
        e = Enrollment.objects.create(user=person, course=course, due_date=today - dt.timedelta(days=days))
        if i % 3:
            firing[f"learning.enrollment:{e.pk}"] = f"w{(days - 1) // 7}:{e.due_date.isoformat()}"
    connection.features.supports_json_field  # noqa: B018 - SQLite probes it once per connection (SELECT JSON(...))
    with django_assert_max_num_queries(6):
        rules.run_rule("overdue", now=TUESDAY)
    rows = dict(Notification.objects.filter(kind="overdue").values_list("subject", "occasion"))
    assert rows == firing
    sample = Notification.objects.filter(kind="overdue").first()
    assert sample.context["title"] == course.title and sample.context["due_date"] in sample.occasion
    rules.run_rule("overdue", now=TUESDAY)  # replay: nothing new
    assert Notification.objects.filter(kind="overdue").count() == len(firing)
