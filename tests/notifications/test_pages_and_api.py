"""The notification centre, preferences, unsubscribe, the e-mail itself, the admin and the API."""

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import translation

from notifications import services
from notifications.models import Notification, NotificationPreference
from notifications.tokens import unsubscribe_token
from tests.factories import UserFactory
from tests.notifications.factories import make_notification

pytestmark = pytest.mark.django_db
Status = Notification.Status


# --- centre --------------------------------------------------------------------------------------------------------


def test_centre_lists_only_my_notifications(client_for, sales_a, sales_b):
    mine = make_notification(sales_a, kind="welcome")
    theirs = make_notification(sales_b, kind="test")
    page = client_for(sales_a).get(reverse("notifications:list"))
    assert page.status_code == 200
    assert f'id="notification-{mine.id}"' in page.text
    assert f'id="notification-{theirs.id}"' not in page.text


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_nav_shows_the_unread_badge(client_for, sales_a):
    for subject in "abc":
        make_notification(sales_a, subject=subject)
    page = client_for(sales_a).get(reverse("home"))
    assert 'id="nav-unread-badge"' in page.text and 'data-count="3"' in page.text


def test_centre_query_count_does_not_grow(client_for, sales_a, django_assert_max_num_queries):
    services.notify_many(specs=[services.Spec(recipient_id=sales_a.id, kind="test", subject=str(i)) for i in range(60)])
    c = client_for(sales_a)
    with django_assert_max_num_queries(8):
        response = c.get(reverse("notifications:list"))
    assert response.status_code == 200 and response.text.count("data-unread=") == 25
    assert c.get(reverse("notifications:list") + "?page=3").text.count("data-unread=") == 10


def test_mark_read_with_htmx_updates_row_and_badge(client_for, sales_a):
    n = make_notification(sales_a)
    make_notification(sales_a, subject="other")
    response = client_for(sales_a).post(reverse("notifications:read", args=[n.id]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-unread="0"' in response.text
    assert 'hx-swap-oob="true"' in response.text and 'data-count="1"' in response.text
    n.refresh_from_db()
    assert n.read_at is not None


def test_cannot_mark_someone_elses_notification(client_for, sales_a, sales_b):
    theirs = make_notification(sales_b)
    assert client_for(sales_a).post(reverse("notifications:read", args=[theirs.id])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client_for, sales_a, sales_b):
    for subject in "ab":
        make_notification(sales_a, subject=subject)
    theirs = make_notification(sales_b)
    response = client_for(sales_a).post(reverse("notifications:read-all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=sales_a, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_needs_post(client_for, sales_a):
    n = make_notification(sales_a)
    assert client_for(sales_a).get(reverse("notifications:read", args=[n.id])).status_code == 405


# --- preferences page ----------------------------------------------------------------------------------------------


def test_preferences_page_saves_choices(client_for, sales_a):
    c = client_for(sales_a)
    assert c.get(reverse("notifications:preferences")).status_code == 200
    data = {
        "overdue-in_app": "on",
        "overdue-email": "digest",
        "welcome-email": "off",
        "due_soon-in_app": "on",
        "due_soon-email": "immediate",
    }
    response = c.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=sales_a, kind="overdue").email == "digest"
    welcome = NotificationPreference.objects.get(user=sales_a, kind="welcome")
    assert welcome.email == "off" and welcome.in_app is False


def test_preferences_page_refuses_a_bad_mode_and_writes_nothing(client_for, sales_a):
    response = client_for(sales_a).post(
        reverse("notifications:preferences"), {"overdue-email": "hourly", "welcome-email": "off"}
    )
    assert response.status_code == 400
    assert "Choose one of" in response.text or "选择" in response.text
    assert not NotificationPreference.objects.filter(user=sales_a).exists()


def test_test_notification_is_a_user_action_that_fills_the_outbox(client_for, sales_a):
    response = client_for(sales_a).post(reverse("notifications:test"))
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=sales_a, kind="test").count() == 1


# --- the e-mail: language, both parts, unsubscribe -----------------------------------------------------------------


@pytest.mark.parametrize(
    "language,subject,greeting",
    [("en", "Welcome to the sales-training platform", "Hello"), ("zh-hans", "欢迎使用销售培训平台", "您好")],
)
def test_email_is_in_the_recipients_language(day_time, mailoutbox, language, subject, greeting):
    user = UserFactory(language=language)
    with translation.override("en" if language == "zh-hans" else "zh-hans"):  # not the request's language
        make_notification(user, kind="welcome", now=day_time)
        services.dispatch_all(now=day_time)
    message = mailoutbox[0]
    assert message.subject == subject
    assert greeting in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and greeting in html


def test_every_email_carries_a_one_click_unsubscribe(sales_a, day_time, mailoutbox):
    make_notification(sales_a, now=day_time)
    services.dispatch_all(now=day_time)
    message = mailoutbox[0]
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body and url in message.alternatives[0][0]
    assert "/notifications/unsubscribe/" in url


def test_unsubscribe_link_confirms_then_turns_email_off_without_login(client, sales_a, day_time):
    pending = make_notification(sales_a, kind="overdue", now=day_time)
    token = unsubscribe_token(user_id=sales_a.id, kind="overdue")
    url = reverse("notifications:unsubscribe", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and not NotificationPreference.objects.exists()  # GET changes nothing
    done = client.post(url)
    assert done.status_code == 200 and 'data-testid="unsubscribed"' in done.text
    assert NotificationPreference.objects.get(user=sales_a, kind="overdue").email == "off"
    pending.refresh_from_db()
    assert pending.status == Status.SKIPPED_PREFERENCE
    assert client.post(url).status_code == 200  # twice is fine


def test_tampered_unsubscribe_token_is_refused(client, sales_a, sales_b):
    token = unsubscribe_token(user_id=sales_a.id, kind="overdue")
    payload, _sep, signature = token.rpartition(":")
    forged_for_b = signing.dumps({"u": sales_b.id, "k": "overdue"}, salt="wrong-salt", compress=True)
    for bad in (token[:-2] + "xx", payload + ":" + signature[::-1], forged_for_b, "garbage"):
        response = client.post(reverse("notifications:unsubscribe", args=[bad]))
        assert response.status_code == 404
    assert not NotificationPreference.objects.exists()


def test_unsubscribe_links_sent_before_the_apps_were_layered_still_work(client, sales_a):
    """E-mails already sent carry tokens signed when this code was trainees.notifications: the salt stays."""
    old = signing.dumps({"u": sales_a.id, "k": "overdue"}, salt="trainees.notifications.unsubscribe", compress=True)
    assert client.post(reverse("notifications:unsubscribe", args=[old])).status_code == 200
    assert NotificationPreference.objects.get(user=sales_a, kind="overdue").email == "off"


def test_a_token_only_ever_acts_on_its_own_person(client, sales_a, sales_b):
    token = unsubscribe_token(user_id=sales_a.id, kind="overdue")
    client.force_login(sales_b)  # someone else clicking it
    client.post(reverse("notifications:unsubscribe", args=[token]))
    assert list(NotificationPreference.objects.values_list("user_id", flat=True)) == [sales_a.id]


# --- admin ---------------------------------------------------------------------------------------------------------


def test_admin_lists_notifications_with_status_filters(client_for, admin_user, sales_a, django_assert_max_num_queries):
    failed = make_notification(sales_a, subject="f", status=Status.FAILED, last_error="SMTPException: down")
    make_notification(sales_a, subject="s", status=Status.SENT)
    c = client_for(admin_user)
    url = reverse("admin:notifications_notification_changelist")
    with django_assert_max_num_queries(15):
        response = c.get(url + "?status__exact=failed")
    assert response.status_code == 200
    assert f"/{failed.id}/change/" in response.text
    assert c.get(url + "?q=sales_a").status_code == 200
    assert c.get(url + "?waiting=deferred").status_code == 200


def test_admin_is_not_for_salespeople(client_for, sales_a):
    response = client_for(sales_a).get(reverse("admin:notifications_notification_changelist"))
    assert response.status_code == 302


# --- API -----------------------------------------------------------------------------------------------------------


def test_api_lists_only_my_notifications(api_for, sales_a, sales_b):
    mine = make_notification(sales_a)
    make_notification(sales_b)
    data = api_for(sales_a).get("/api/v1/notifications/").json()
    assert [n["id"] for n in data["results"]] == [mine.id]
    assert data["results"][0]["title"] and data["results"][0]["unread"] is True


def test_salesperson_cannot_read_another_persons_notification(api_for, sales_a, sales_b):
    theirs = make_notification(sales_b)
    api = api_for(sales_a)
    response = api.get(f"/api/v1/notifications/{theirs.id}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api.post(f"/api/v1/notifications/{theirs.id}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_api_mark_read_unread_count_and_read_all(api_for, sales_a):
    a = make_notification(sales_a, subject="a")
    make_notification(sales_a, subject="b")
    api = api_for(sales_a)
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    assert api.post(f"/api/v1/notifications/{a.id}/read/").json()["unread"] is False
    assert api.get("/api/v1/notifications/?unread=1").json()["count"] == 1
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


def test_api_list_query_count_does_not_grow(api_for, sales_a, django_assert_max_num_queries):
    services.notify_many(specs=[services.Spec(recipient_id=sales_a.id, kind="test", subject=str(i)) for i in range(60)])
    with django_assert_max_num_queries(4):
        assert api_for(sales_a).get("/api/v1/notifications/").status_code == 200


def test_api_refuses_anonymous(api_for):
    assert api_for(None).get("/api/v1/notifications/").status_code in (401, 403)
    assert api_for(None).get("/api/v1/me/preferences/").status_code in (401, 403)


def test_api_preferences_get_and_put(api_for, sales_a):
    api = api_for(sales_a)
    prefs = api.get("/api/v1/me/preferences/").json()["preferences"]
    assert {"kind": "overdue", "in_app": True, "email": "immediate"}.items() <= next(
        p for p in prefs if p["kind"] == "overdue"
    ).items()
    response = api.put(
        "/api/v1/me/preferences/", {"preferences": [{"kind": "overdue", "in_app": False, "email": "digest"}]}
    )
    assert response.status_code == 200
    saved = NotificationPreference.objects.get(user=sales_a, kind="overdue")
    assert (saved.in_app, saved.email) == (False, "digest")


@pytest.mark.parametrize(
    "body,field",
    [
        ({"preferences": [{"kind": "nope", "email": "off"}]}, "kind"),
        ({"preferences": [{"kind": "overdue", "email": "hourly"}]}, "preferences"),
        ({"preferences": [{"kind": "daily_digest", "email": "off"}]}, "kind"),
        ({"preferences": []}, "preferences"),
        ({}, "preferences"),
    ],
)
def test_api_preferences_bad_input(api_for, sales_a, body, field):
    response = api_for(sales_a).put("/api/v1/me/preferences/", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not NotificationPreference.objects.exists()


def test_manager_digest_email_lists_overdue_and_lowest_scores(manager_a, day_time, mailoutbox):
    context = {
        "week": "2026-W48",
        "completion": 75,
        "overdue_count": 1,
        "overdue": [{"person": "张三", "title": "产品知识", "due_date": "2026-11-20"}],
        "lowest": [{"person": "李四", "score": 52.5}],
    }
    services.notify(
        recipient=manager_a,
        kind="manager_weekly_digest",
        subject="teams",
        occasion="2026-W48",
        context=context,
        now=day_time,
    )
    services.dispatch_all(now=day_time)
    body = mailoutbox[0].body
    assert "75%" in body and "张三" in body and "产品知识" in body and "李四" in body and "52.5" in body


def test_home_shows_the_badge_once_in_the_menu(client_for, sales_a):
    # The home lists the person's to-do and shortcuts to their pages; notifications stay in the menu, with the badge.
    make_notification(sales_a)
    page = client_for(sales_a).get(reverse("home")).text
    assert page.count('id="nav-unread-badge"') == 1
    assert page.count('data-count="1"') == 1 and "&lt;span" not in page
