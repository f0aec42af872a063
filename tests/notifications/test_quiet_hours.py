"""Per-person quiet hours: each person's e-mails wait for the end of THEIR quiet hours (Asia/Shanghai), in-app appears
at once, the site's hours are the default, and the choice is made on the preferences page or the API."""

import datetime as dt

import pytest
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse

from notifications import quiet, services
from notifications.models import EmailDaySlot, Notification, QuietHours
from tests.factories import UserFactory
from tests.notifications.conftest import local
from tests.notifications.factories import make_notification

Status = Notification.Status
pytestmark = pytest.mark.django_db

EVENING = (dt.time(20), dt.time(7))


def own_hours(user, start="20:00", end="07:00"):
    """Give `user` their own quiet hours (None, None: none at all)."""
    to_time = lambda v: None if v is None else dt.time.fromisoformat(v)  # noqa: E731
    return QuietHours.objects.create(user=user, start=to_time(start), end=to_time(end))


def recipients(mailoutbox) -> set[str]:
    return {address for m in mailoutbox for address in m.to}


# --- the clock arithmetic, around midnight -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now,expected",
    [
        (local(2026, 11, 24, 19, 59, 59), None),
        (local(2026, 11, 24, 20, 0), local(2026, 11, 25, 7, 0)),
        (local(2026, 11, 24, 23, 59, 59), local(2026, 11, 25, 7, 0)),
        (local(2026, 11, 25, 0, 0), local(2026, 11, 25, 7, 0)),
        (local(2026, 11, 25, 6, 59, 59), local(2026, 11, 25, 7, 0)),
        (local(2026, 11, 25, 7, 0), None),
        # Saturday night into Sunday, and the last day of a month into the next: nothing special (no DST in Shanghai).
        (local(2026, 11, 28, 21, 0), local(2026, 11, 29, 7, 0)),
        (local(2026, 11, 30, 23, 0), local(2026, 12, 1, 7, 0)),
    ],
)
def test_evening_quiet_hours_edges(now, expected):
    assert quiet.quiet_until(now, EVENING) == expected


@pytest.mark.parametrize(
    "now,expected",
    [
        (local(2026, 11, 24, 12, 59), None),
        (local(2026, 11, 24, 13, 0), local(2026, 11, 24, 14, 0)),
        (local(2026, 11, 24, 14, 0), None),
    ],
)
def test_a_window_inside_one_day(now, expected):
    assert quiet.quiet_until(now, (dt.time(13), dt.time(14))) == expected


def test_no_quiet_hours_is_never_quiet():
    assert quiet.quiet_until(local(2026, 11, 24, 23), None) is None
    assert quiet.quiet_until(local(2026, 11, 25, 3), None) is None


def test_next_morning_follows_the_persons_window():
    late = local(2026, 11, 24, 15)
    assert quiet.next_morning(late) == local(2026, 11, 25, 8)  # the site's 22:00-08:00
    assert quiet.next_morning(late, EVENING) == local(2026, 11, 25, 7)
    assert quiet.next_morning(late, None) == local(2026, 11, 25, 0)  # none: the next day starts at midnight
    assert quiet.next_morning(late, (dt.time(13), dt.time(14))) == local(2026, 11, 25, 0)


def test_a_site_window_with_equal_times_means_none(settings):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "QUIET_HOURS": ("00:00", "00:00")}
    assert quiet.site_window() is None
    assert quiet.quiet_until(local(2026, 11, 24, 23)) is None


# --- the dispatcher, set-based ------------------------------------------------------------------------------------


def test_no_quiet_hours_gets_mail_at_23_while_the_default_waits(client_for, mailoutbox):
    night_owl, default = UserFactory(), UserFactory()
    own_hours(night_owl, None, None)
    eleven = local(2026, 11, 24, 23)
    owl_n = make_notification(night_owl, now=eleven)
    default_n = make_notification(default, now=eleven)
    assert owl_n.not_before is None and default_n.not_before == local(2026, 11, 25, 8)

    result = services.dispatch_all(now=eleven)
    assert result.sent == 1 and recipients(mailoutbox) == {night_owl.email}
    # In-app appears at once for both, whatever their quiet hours.
    assert default_n.title in client_for(default).get(reverse("notifications:list")).text

    assert services.dispatch_all(now=local(2026, 11, 25, 7, 59)).sent == 0
    assert services.dispatch_all(now=local(2026, 11, 25, 8)).sent == 1
    assert recipients(mailoutbox) == {night_owl.email, default.email}


def test_evening_person_waits_from_20_to_07(mailoutbox):
    person = UserFactory()
    own_hours(person)
    n = make_notification(person, now=local(2026, 11, 24, 19, 0))  # planned before the evening, not yet sent
    assert n.not_before is None
    result = services.dispatch_all(now=local(2026, 11, 24, 20, 0))
    assert result.deferred == 1 and mailoutbox == []
    n.refresh_from_db()
    assert n.not_before == local(2026, 11, 25, 7, 0)
    assert services.dispatch_all(now=local(2026, 11, 25, 6, 59)).sent == 0
    assert services.dispatch_all(now=local(2026, 11, 25, 7, 0)).sent == 1
    assert len(mailoutbox) == 1


def test_at_21_the_evening_person_waits_but_the_default_gets_mail(mailoutbox):
    evening, default = UserFactory(), UserFactory()
    own_hours(evening)
    for person in (evening, default):
        make_notification(person, now=local(2026, 11, 24, 10))
    services.dispatch_all(now=local(2026, 11, 24, 21))
    assert recipients(mailoutbox) == {default.email}
    assert Notification.objects.get(recipient=evening).not_before == local(2026, 11, 25, 7)


def test_the_default_person_at_23_waits_until_08(mailoutbox):
    person = UserFactory()
    make_notification(person, now=local(2026, 11, 24, 10))
    assert services.dispatch_all(now=local(2026, 11, 24, 23)).deferred == 1
    assert Notification.objects.get().not_before == local(2026, 11, 25, 8)
    assert mailoutbox == []


def test_deferral_is_set_based_not_a_query_per_person(django_assert_max_num_queries, mailoutbox):
    # At 22:30: the window each person has -> when their e-mail may go.
    expected = {
        None: local(2026, 11, 25, 8),  # the site's default, 22:00-08:00
        ("20:00", "07:00"): local(2026, 11, 25, 7),
        ("21:30", "06:30"): local(2026, 11, 25, 6, 30),
        ("23:00", "09:00"): None,  # not quiet yet: sent now
        (None, None): None,  # no quiet hours
    }
    windows = list(expected)
    people = {}
    for i, person in enumerate(UserFactory.create_batch(40)):
        window = windows[i % len(windows)]
        if window is not None:
            own_hours(person, *window)
        people[person.id] = window
        make_notification(person, now=local(2026, 11, 24, 10))
    # The lease sweep, the distinct windows, one UPDATE for everyone in quiet hours, then claiming and sending one
    # row (about ten, savepoints included): a constant, where a query per person would be 40 more.
    with django_assert_max_num_queries(14):
        services.dispatch_batch(now=local(2026, 11, 24, 22, 30), limit=1)
    got = dict(Notification.objects.filter(status=Status.PENDING).values_list("recipient_id", "not_before"))
    for person_id, not_before in got.items():
        assert not_before == expected[people[person_id]], people[person_id]
    assert len(got) == 39  # one (not in quiet hours) was sent


def test_second_email_of_a_day_waits_for_the_persons_morning(mailoutbox):
    person = UserFactory()
    own_hours(person)
    EmailDaySlot.objects.create(
        user=person, kind="test", day=dt.date(2026, 11, 24), token=services.uuid.uuid4(), sent=True,
        claimed_at=local(2026, 11, 24, 9),
    )  # fmt: skip
    make_notification(person, now=local(2026, 11, 24, 10))
    assert services.dispatch_all(now=local(2026, 11, 24, 11)).deferred == 1
    assert Notification.objects.get().not_before == local(2026, 11, 25, 7)


# --- planning: notify, notify_many, notify_from_query, digests -----------------------------------------------------


def test_every_planner_holds_each_persons_email_to_their_own_hours(mailoutbox):
    night_owl, evening, default = (UserFactory(username=f"q{i}") for i in range(3))
    own_hours(night_owl, None, None)
    own_hours(evening)
    at = local(2026, 11, 24, 21)
    expected = {night_owl.id: None, evening.id: local(2026, 11, 25, 7), default.id: None}

    for person in (night_owl, evening, default):
        services.notify(recipient=person, kind="test", subject="one", now=at)
    services.notify_many(
        specs=[services.Spec(recipient_id=p.id, kind="test", subject="many") for p in (night_owl, evening, default)],
        now=at,
    )
    from trainees.models import User

    services.notify_from_query(
        source=User.objects.filter(username__startswith="q"),
        kind="due_soon",
        recipient="id",
        subject=Concat(Value("trainees.user:"), Cast("id", output_field=CharField())),
        occasion="d3",
        context={"title": F("username"), "days": 3},
        now=at,
    )
    for subject in ("one", "many"):
        got = dict(Notification.objects.filter(subject=subject).values_list("recipient_id", "not_before"))
        assert got == expected, subject
    got = dict(Notification.objects.filter(kind="due_soon").values_list("recipient_id", "not_before"))
    assert got == expected


def test_the_daily_digest_waits_for_each_persons_hours(mailoutbox):
    night_owl, evening = UserFactory(), UserFactory()
    own_hours(night_owl, None, None)
    own_hours(evening)
    for person in (night_owl, evening):
        services.preferences_update(user=person, items=[{"kind": "overdue", "email": "digest"}])
        services.notify(recipient=person, kind="overdue", subject="e", now=local(2026, 11, 24, 10))
    services.build_daily_digests(now=local(2026, 11, 24, 21))
    got = dict(Notification.objects.filter(kind="daily_digest").values_list("recipient_id", "not_before"))
    assert got == {night_owl.id: None, evening.id: local(2026, 11, 25, 7)}


def test_changing_ones_hours_redecides_held_emails(mailoutbox):
    import time_machine

    person = UserFactory()
    # The clock is frozen at the moment the e-mail is held: only e-mails held into the future are released.
    with time_machine.travel(local(2026, 11, 24, 23), tick=False):
        n = make_notification(person, now=local(2026, 11, 24, 23))
        assert n.not_before == local(2026, 11, 25, 8)
        services.preferences_update(user=person, quiet_hours={"mode": "none"})
    n.refresh_from_db()
    assert n.not_before is None  # the dispatcher decides again under the new hours


# --- choosing: the service, the page, the API ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "choice,field",
    [
        ({"mode": "custom", "start": "25:00", "end": "07:00"}, "quiet_start"),
        ({"mode": "custom", "start": "20:00", "end": "7am"}, "quiet_end"),
        ({"mode": "custom", "start": "", "end": "07:00"}, "quiet_start"),
        ({"mode": "custom", "start": "22:00", "end": "22:00"}, "quiet_end"),
        ({"mode": "custom"}, "quiet_start"),
        ({"mode": "sometimes"}, "quiet_mode"),
    ],
)
def test_bad_quiet_hours_are_refused_with_the_field(sales_a, choice, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.preferences_update(user=sales_a, items=[{"kind": "overdue", "email": "off"}], quiet_hours=choice)
    assert field in caught.value.message_dict
    assert not QuietHours.objects.exists()
    assert not sales_a.notification_preferences.exists()  # nothing half written


def test_default_none_and_custom_round_trip(sales_a):
    from notifications import selectors

    assert selectors.quiet_hours_for_user(user=sales_a) == {
        "mode": "default", "start": "22:00", "end": "08:00", "default_start": "22:00", "default_end": "08:00",
    }  # fmt: skip
    services.preferences_update(user=sales_a, quiet_hours={"mode": "custom", "start": "20:00", "end": "07:00"})
    assert selectors.quiet_hours_for_user(user=sales_a)["mode"] == "custom"
    assert QuietHours.objects.get(user=sales_a).start == dt.time(20)
    services.preferences_update(user=sales_a, quiet_hours={"mode": "none", "start": "20:00", "end": "07:00"})
    assert selectors.quiet_hours_for_user(user=sales_a) == {
        "mode": "none", "start": None, "end": None, "default_start": "22:00", "default_end": "08:00",
    }  # fmt: skip
    services.preferences_update(user=sales_a, quiet_hours={"mode": "default"})
    assert not QuietHours.objects.exists()


def test_the_database_refuses_equal_times(sales_a):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        QuietHours.objects.create(user=sales_a, start=dt.time(22), end=dt.time(22))
    with pytest.raises(IntegrityError), transaction.atomic():
        QuietHours.objects.create(user=sales_a, start=dt.time(22), end=None)


def _page_data(**quiet_fields):
    return {"overdue-email": "immediate", "overdue-in_app": "on", **quiet_fields}


def test_page_saves_own_quiet_hours(client_for, sales_a):
    c = client_for(sales_a)
    url = reverse("notifications:preferences")
    page = c.get(url).text
    assert 'name="quiet_mode"' in page and 'value="22:00"' in page
    response = c.post(url, _page_data(quiet_mode="custom", quiet_start="20:00", quiet_end="07:00"))
    assert response.status_code == 302
    row = QuietHours.objects.get(user=sales_a)
    assert (row.start, row.end) == (dt.time(20), dt.time(7))
    assert 'value="20:00"' in c.get(url).text
    assert c.post(url, _page_data(quiet_mode="none")).status_code == 302
    assert QuietHours.objects.get(user=sales_a).start is None


BAD_TIME = "Enter a time as HH:MM (00:00 to 23:59), for example 22:00."
NO_TIME = "Enter a time as HH:MM, or choose no quiet hours."
SAME_TIME = "The end must differ from the start. To get e-mails at any hour, choose “None”."


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"quiet_start": "20:00", "quiet_end": "20:00"}, SAME_TIME),
        ({"quiet_start": "8pm", "quiet_end": "07:00"}, BAD_TIME),
        ({"quiet_start": "", "quiet_end": "07:00"}, NO_TIME),
        ({"quiet_start": "20:00", "quiet_end": "x" * 500}, BAD_TIME),
    ],
)
def test_page_shows_a_bad_time_next_to_the_field_and_writes_nothing(client_for, sales_a, fields, message):
    from django.utils import translation

    response = client_for(sales_a).post(
        reverse("notifications:preferences"),
        _page_data(quiet_mode="custom", **fields) | {"overdue-email": "off"},
    )
    assert response.status_code == 400
    with translation.override("zh-hans"):
        chinese = translation.gettext(message)
    assert (message in response.text or chinese in response.text) and "invalid-feedback" in response.text
    assert not QuietHours.objects.exists() and not sales_a.notification_preferences.exists()


def test_page_in_chinese_explains_quiet_hours(client_for, sales_a):
    c = client_for(sales_a)  # Chinese is the site's language
    url = reverse("notifications:preferences")
    assert "免打扰时段" in c.get(url).text
    response = c.post(url, _page_data(quiet_mode="custom", quiet_start="20:00", quiet_end="20:00"))
    assert response.status_code == 400 and "结束时间必须与开始时间不同" in response.text


def test_page_needs_login(client):
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302


def test_api_reads_and_sets_quiet_hours(api_for, sales_a):
    api = api_for(sales_a)
    body = api.get("/api/v1/me/preferences/").json()
    assert body["quiet_hours"]["mode"] == "default" and body["quiet_hours"]["start"] == "22:00"
    response = api.put(
        "/api/v1/me/preferences/", {"quiet_hours": {"mode": "custom", "start": "20:00", "end": "07:00"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert {"mode": "custom", "start": "20:00", "end": "07:00"}.items() <= response.json()["quiet_hours"].items()
    assert len(response.json()["preferences"]) > 1  # the kinds were left as they were
    response = api.put("/api/v1/me/preferences/", {"quiet_hours": {"mode": "none"}}, format="json")
    assert response.json()["quiet_hours"]["mode"] == "none"


@pytest.mark.parametrize(
    "quiet_hours,field",
    [
        ({"mode": "custom", "start": "20:00", "end": "20:00"}, "quiet_end"),
        ({"mode": "custom", "start": "24:00", "end": "07:00"}, "quiet_hours.start"),
        ({"mode": "custom", "start": "", "end": "07:00"}, "quiet_hours.start"),
        ({"mode": "custom", "end": "07:00"}, "quiet_start"),
        ({"mode": "custom", "start": "20:00", "end": "07:00:00:00"}, "quiet_hours.end"),
        ({"mode": "custom", "start": 2000, "end": "07:00"}, "quiet_hours.start"),
        ({"mode": "later"}, "quiet_hours.mode"),
    ],
)
def test_api_refuses_bad_quiet_hours_with_the_error_shape(api_for, sales_a, quiet_hours, field):
    response = api_for(sales_a).put("/api/v1/me/preferences/", {"quiet_hours": quiet_hours}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error
    assert not QuietHours.objects.exists()


def test_api_quiet_hours_need_login(api_for):
    assert api_for(None).put(
        "/api/v1/me/preferences/", {"quiet_hours": {"mode": "none"}}, format="json"
    ).status_code in (
        401,
        403,
    )


# --- end to end with a frozen clock --------------------------------------------------------------------------------


def test_frozen_clock_just_before_and_after_midnight(client_for, mailoutbox):
    import time_machine

    night_owl, evening, default = UserFactory(), UserFactory(), UserFactory()
    own_hours(night_owl, None, None)
    own_hours(evening)
    with time_machine.travel(local(2026, 11, 24, 23, 59, 30), tick=False):
        for person in (night_owl, evening, default):
            assert client_for(person).post(reverse("notifications:test")).status_code == 302
        services.dispatch_all()
        assert recipients(mailoutbox) == {night_owl.email}
    with time_machine.travel(local(2026, 11, 25, 0, 0, 30), tick=False):
        services.dispatch_all()  # a new day, still quiet for both
        assert recipients(mailoutbox) == {night_owl.email}
        # In-app: there at once, whatever the hour.
        for person in (evening, default):
            assert Notification.objects.get(recipient=person).title in client_for(person).get("/notifications/").text
    with time_machine.travel(local(2026, 11, 25, 7, 0), tick=False):
        services.dispatch_all()
        assert recipients(mailoutbox) == {night_owl.email, evening.email}
    with time_machine.travel(local(2026, 11, 25, 8, 0), tick=False):
        services.dispatch_all()
        assert recipients(mailoutbox) == {night_owl.email, evening.email, default.email}


def test_admin_lists_own_quiet_hours(client_for, admin_user, sales_a, sales_b):
    own_hours(sales_a)
    own_hours(sales_b, None, None)
    c = client_for(admin_user)
    response = c.get(reverse("admin:notifications_quiethours_changelist"))
    assert response.status_code == 200 and str(sales_a) in response.text
    assert client_for(sales_a).get(reverse("admin:notifications_quiethours_changelist")).status_code == 302
