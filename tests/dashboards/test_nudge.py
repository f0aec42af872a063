"""The dashboard's one-click nudge goes through the notification outbox: one "overdue_nudge" per overdue person in
the manager's scope, in the same transaction, at most once a day (the outbox key), with preferences, quiet hours and
the reader's language applied like every notification."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from dashboards.models import Nudge
from dashboards.services import nudge_overdue
from learning.models import Enrollment
from notifications import services as notification_services
from notifications.models import Notification, NotificationPreference
from tests.factories import make_salesperson
from tests.learning.factories import CourseFactory

pytestmark = pytest.mark.django_db

NUDGE = reverse("dashboards:nudge")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TUESDAY = dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)  # outside quiet hours
Status = Notification.Status


def enroll(user, *, due, **fields):
    return Enrollment.objects.create(
        user=user, course=CourseFactory(title=f"课程-{user.username}"), due_date=due, **fields
    )


@pytest.fixture
def people(team_a, sub_team_a, team_b, sales_a, sales_b):
    """sales_a: two overdue tasks (one past due, one marked overdue) and one done; `sub`: one overdue, in the team
    below; `fine`: due tomorrow; `gone`: overdue but unenrolled; sales_b: overdue, in another manager's team."""
    today = TUESDAY.date()
    sub = make_salesperson(sub_team_a, username="sub_a", display_name="小新")
    fine = make_salesperson(team_a, username="fine_a", display_name="按时")
    gone = make_salesperson(team_a, username="gone_a", display_name="退课")
    enroll(sales_a, due=today - dt.timedelta(days=3))
    enroll(sales_a, due=None, status=Enrollment.Status.OVERDUE)
    enroll(sales_a, due=today - dt.timedelta(days=9), status=Enrollment.Status.COMPLETED)
    enroll(sub, due=today - dt.timedelta(days=1), status=Enrollment.Status.IN_PROGRESS)
    enroll(fine, due=today + dt.timedelta(days=1))
    enroll(gone, due=today - dt.timedelta(days=2), unenrolled_at=TUESDAY)
    enroll(sales_b, due=today - dt.timedelta(days=5))
    return {"sales_a": sales_a, "sub": sub, "fine": fine, "gone": gone, "sales_b": sales_b}


def nudges(**filters):
    return Notification.objects.filter(kind="overdue_nudge", **filters)


def click(client, data, at=TUESDAY):
    with time_machine.travel(at, tick=False):
        return client.post(NUDGE, data, follow=True)


def flash(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_one_click_writes_one_outbox_notification_per_overdue_person(
    client_for, manager_a, team_a, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = click(client_for(manager_a), {"team": team_a.id})
    assert response.status_code == 200
    rows = {n.recipient_id: n for n in nudges()}
    assert set(rows) == {people["sales_a"].id, people["sub"].id}
    mine = rows[people["sales_a"].id]
    assert mine.occasion == "2026-11-24" and mine.subject == f"user:{people['sales_a'].id}"
    assert mine.context["manager"] == manager_a.display_name and mine.context["count"] == 2
    assert {i["title"] for i in mine.context["items"]} == {"课程-sales_a"}
    assert mine.status == Status.PENDING and mine.not_before is None and mine.show_in_app
    assert mine.url == reverse("learning:my_learning")
    assert notification_services.enqueue_dispatch in callbacks  # sent once the click's transaction commits
    assert set(Nudge.objects.values_list("user_id", flat=True)) == {people["sales_a"].id, people["sub"].id}
    assert "2" in flash(response)


def test_second_click_the_same_day_sends_nothing_more(client_for, manager_a, team_a, people):
    client = client_for(manager_a)
    click(client, {"team": team_a.id})
    first = set(nudges().values_list("id", flat=True))
    response = click(client, {"team": team_a.id}, at=TUESDAY + dt.timedelta(hours=5))
    assert set(nudges().values_list("id", flat=True)) == first
    text = flash(response)
    assert "0" in text and "2" in text  # 0 reminded now, 2 already reminded today
    # The person page's button for someone already nudged: nothing more either.
    click(client, {"person": people["sub"].id}, at=TUESDAY + dt.timedelta(hours=6))
    assert nudges(recipient=people["sub"]).count() == 1


def test_the_next_day_nudges_again(client_for, manager_a, team_a, people):
    client = client_for(manager_a)
    click(client, {"team": team_a.id})
    click(client, {"team": team_a.id}, at=TUESDAY + dt.timedelta(days=1))
    assert sorted(nudges(recipient=people["sales_a"]).values_list("occasion", flat=True)) == [
        "2026-11-24",
        "2026-11-25",
    ]


def test_people_not_overdue_or_outside_scope_are_not_nudged(manager_a, people):
    """Even when the caller passes them: only `by`'s people who are overdue."""
    ids = [p.id for p in people.values()]
    with time_machine.travel(TUESDAY, tick=False):
        sent, message = nudge_overdue(user_ids=ids, by=manager_a)
    assert sent == 2
    assert set(nudges().values_list("recipient_id", flat=True)) == {people["sales_a"].id, people["sub"].id}
    assert not nudges(recipient__in=[people["fine"], people["gone"], people["sales_b"]]).exists()


def test_nobody_overdue_sends_nothing(client_for, manager_a, people):
    response = click(client_for(manager_a), {"person": people["fine"].id})
    assert not nudges().exists() and not Nudge.objects.exists()
    assert response.status_code == 200


def test_another_manager_cannot_nudge_out_of_scope(client_for, manager_b, team_a, people):
    assert client_for(manager_b).post(NUDGE, {"team": team_a.id}).status_code == 404
    assert client_for(manager_b).post(NUDGE, {"person": people["sales_a"].id}).status_code == 404
    assert not nudges().exists()


def test_preferences_are_respected(client_for, manager_a, team_a, people):
    NotificationPreference.objects.create(user=people["sales_a"], kind="overdue_nudge", in_app=False, email="off")
    NotificationPreference.objects.create(user=people["sub"], kind="overdue_nudge", in_app=True, email="digest")
    click(client_for(manager_a), {"team": team_a.id})
    off = nudges().get(recipient=people["sales_a"])
    assert off.status == Status.SKIPPED_PREFERENCE and not off.show_in_app
    assert nudges().get(recipient=people["sub"]).status == Status.DIGEST


def test_quiet_hours_hold_the_email_until_morning_but_show_it_at_once(client_for, manager_a, team_a, people):
    late = dt.datetime(2026, 11, 24, 23, 30, tzinfo=SHANGHAI)
    click(client_for(manager_a), {"team": team_a.id}, at=late)
    n = nudges().get(recipient=people["sales_a"])
    assert n.status == Status.PENDING and n.show_in_app
    assert n.not_before == dt.datetime(2026, 11, 25, 8, 0, tzinfo=SHANGHAI)


def test_email_goes_out_in_each_recipients_language(client_for, manager_a, team_a, people, mailoutbox):
    people["sales_a"].language = "en"
    people["sales_a"].save(update_fields=["language"])
    click(client_for(manager_a), {"team": team_a.id})
    with time_machine.travel(TUESDAY, tick=False):
        notification_services.dispatch_all()
    by_address = {m.to[0]: m for m in mailoutbox}
    english = by_address[people["sales_a"].email]
    chinese = by_address[people["sub"].email]
    assert "reminds you: 2 overdue" in english.subject
    assert manager_a.display_name in chinese.subject and "提醒" in chinese.subject
    assert "课程-sales_a" in english.body  # the overdue task is listed
    assert nudges(status=Status.SENT).count() == 2
    # A second click the same day, then a dispatch: still one e-mail each.
    click(client_for(manager_a), {"team": team_a.id}, at=TUESDAY + dt.timedelta(hours=1))
    with time_machine.travel(TUESDAY + dt.timedelta(hours=1), tick=False):
        notification_services.dispatch_all()
    assert len(mailoutbox) == 2


def test_nudge_page_queries_do_not_grow_with_the_team(
    client_for, manager_a, team_a, people, django_assert_max_num_queries
):
    for i in range(15):
        enroll(make_salesperson(team_a, username=f"late{i}"), due=TUESDAY.date() - dt.timedelta(days=2))
    client = client_for(manager_a)
    with time_machine.travel(TUESDAY, tick=False), django_assert_max_num_queries(40):
        client.post(NUDGE, {"team": team_a.id})
    assert nudges().count() == 17
