"""Login throttling, sessions (rotation, idle timeout, log out everywhere), CSRF, CSP header, audit log,
anonymisation."""

import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lms.audit import AuditAction, audit_log_record
from lms.models import AuditLog
from lms.security import IDLE_SESSION_KEY
from tests.factories import PASSWORD, make_salesperson
from trainees.services import person_anonymise, user_set_roles

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def low_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


def _fail(client, username, n=1, ip="10.0.0.1"):
    for _ in range(n):
        client.post(LOGIN, {"username": username, "password": "wrong"}, REMOTE_ADDR=ip)


# --- throttling -------------------------------------------------------------------------------------------------


def test_configured_limits():
    assert settings.AXES_FAILURE_LIMIT == 100
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 3600
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


def test_account_locks_after_the_limit_with_a_clear_message(client, sales_a, low_limit):
    _fail(client, sales_a.username, 3)
    # Even the right password is refused now, from any IP.
    response = client.post(LOGIN, {"username": sales_a.username, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert "login-locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_ip_locks_after_the_limit_across_accounts(client, sales_a, sales_b, low_limit):
    for name in ("x1", "x2", "x3"):
        _fail(client, name, 1, ip="10.0.0.7")
    response = client.post(LOGIN, {"username": sales_b.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 429
    response = client.post(LOGIN, {"username": sales_b.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 302


def test_below_the_limit_a_wrong_password_is_a_normal_form_error(client, sales_a, low_limit):
    _fail(client, sales_a.username, 2)
    response = client.post(LOGIN, {"username": sales_a.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302


def test_api_token_answers_429_in_the_error_shape(sales_a, low_limit):
    api = APIClient()
    for _ in range(2):
        assert api.post(TOKEN, {"username": sales_a.username, "password": "bad"}).status_code == 401
    # The failure that reaches the limit already answers 429; so does every later attempt, right password or not.
    assert api.post(TOKEN, {"username": sales_a.username, "password": "bad"}).status_code == 429
    response = api.post(TOKEN, {"username": sales_a.username, "password": PASSWORD})
    assert response.status_code == 429
    body = response.json()
    assert body["error"]["code"] == "too_many_login_attempts"
    assert body["error"]["message"]
    assert body["error"]["fields"] == {}
    assert not Token.objects.filter(user=sales_a).exists()


@pytest.mark.parametrize("path", [LOGIN, TOKEN])
def test_an_overlong_username_is_a_failed_login_and_still_counted(client, path, low_limit, db):
    """A name longer than any account's (the API fuzzer sent 400 characters) is an ordinary failure, counted
    under its first 150 characters: never a database error on axes' 255-character column."""
    name = "长" * 400
    for _ in range(2):
        response = client.post(path, {"username": name, "password": "bad"}, REMOTE_ADDR="10.0.0.3")
        assert response.status_code in (200, 401)
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "长" * 150
    assert attempt.failures_since_start == 2
    response = client.post(path, {"username": name, "password": "bad"}, REMOTE_ADDR="10.0.0.4")
    assert response.status_code == 429


def test_admin_action_resets_the_lockout(client, sales_a, admin_user, low_limit):
    _fail(client, sales_a.username, 3)
    assert AccessAttempt.objects.filter(username=sales_a.username).exists()
    admin = Client()
    admin.force_login(admin_user)
    response = admin.post(
        reverse("admin:trainees_user_changelist"),
        {"action": "reset_login_lockout", "_selected_action": [sales_a.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=sales_a.username).exists()
    assert AuditLog.objects.filter(action=AuditAction.LOCKOUT_RESET, object_id=str(sales_a.pk)).exists()
    response = Client().post(LOGIN, {"username": sales_a.username, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302


def test_deleting_access_attempts_in_the_axes_admin_also_resets(client, sales_a, admin_user, low_limit):
    _fail(client, sales_a.username, 3)
    admin = Client()
    admin.force_login(admin_user)
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert Client().post(LOGIN, {"username": sales_a.username, "password": PASSWORD}).status_code == 302


# --- sessions ---------------------------------------------------------------------------------------------------


def test_session_key_is_rotated_at_login(client, sales_a):
    session = client.session
    session["before"] = 1
    session.save()
    before = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = before
    assert client.post(LOGIN, {"username": sales_a.username, "password": PASSWORD}).status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_production_cookie_flags():
    import subprocess
    import sys

    from tests.lms.test_deploy import ROOT, _clean_env

    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_IDLE_SECONDS)"
    )
    env = _clean_env(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY="k" * 30 + "Zq81-x_" * 6,
        ALLOWED_HOSTS="lms.example.com",
        SESSION_IDLE_SECONDS="3600",
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "Lax", "True", "3600"]


def test_idle_session_is_logged_out(client, sales_a, settings):
    client.force_login(sales_a)
    assert client.get("/").status_code == 200
    session = client.session
    session[IDLE_SESSION_KEY] = int(time.time()) - settings.SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_recent_session_stays_and_is_not_written_every_request(client, sales_a):
    client.force_login(sales_a)
    client.get("/")
    last = client.session[IDLE_SESSION_KEY]
    assert client.get("/").status_code == 200
    assert client.session[IDLE_SESSION_KEY] == last


def test_log_out_everywhere_ends_every_session_and_token(sales_a):
    first, second = Client(), Client()
    assert first.login(username=sales_a.username, password=PASSWORD)
    assert second.login(username=sales_a.username, password=PASSWORD)
    Token.objects.create(user=sales_a)
    other = make_salesperson(None, username="other_one")
    third = Client()
    third.force_login(other)

    assert first.get(reverse("account:index")).status_code == 200
    response = first.post(reverse("account:logout-everywhere"))
    assert response.status_code == 302
    assert second.get("/").status_code == 302
    assert first.get("/").status_code == 302
    assert not Token.objects.filter(user=sales_a).exists()
    assert third.get("/").status_code == 200  # other people keep their sessions
    assert AuditLog.objects.filter(action=AuditAction.LOGOUT_EVERYWHERE, actor=sales_a).exists()


def test_a_password_change_ends_the_api_tokens(sales_a, trainer):
    """Issue 18: an API token survived a password change."""
    api = APIClient()
    key = api.post("/api/v1/auth/token/", {"username": sales_a.username, "password": PASSWORD}).json()["token"]
    other_key = Token.objects.create(user=trainer).key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/practice/sessions/").status_code == 200
    browser = Client()
    assert browser.login(username=sales_a.username, password=PASSWORD)
    new = "another-Pass-2026"
    response = browser.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert api.get("/api/v1/practice/sessions/").status_code in (401, 403)  # the old token is unknown now
    assert not Token.objects.filter(user=sales_a).exists()
    assert Token.objects.filter(key=other_key).exists()  # other people's tokens stay
    sales_a.refresh_from_db()
    sales_a.display_name = "改名"
    sales_a.save()  # a save without a new password ends nothing
    fresh = Token.objects.create(user=sales_a)
    sales_a.save()
    assert Token.objects.filter(key=fresh.key).exists()


def test_account_page_needs_login(client):
    assert client.get(reverse("account:index")).status_code == 302
    assert client.post(reverse("account:logout-everywhere")).status_code == 302
    assert client.get(reverse("account:logout-everywhere")).status_code in (302, 405)


# --- CSRF -------------------------------------------------------------------------------------------------------


def test_pages_refuse_unsafe_requests_without_csrf_token(sales_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_a)
    assert client.post(reverse("account:logout-everywhere")).status_code == 403
    assert client.post(reverse("logout")).status_code == 403
    assert client.get("/").status_code == 200
    page = client.get(reverse("account:index"))
    token = page.context["csrf_token"]
    assert client.post(reverse("account:logout-everywhere"), {"csrfmiddlewaretoken": str(token)}).status_code == 302


def test_login_form_refuses_a_post_without_csrf_token(sales_a):
    client = Client(enforce_csrf_checks=True)
    assert client.post(LOGIN, {"username": sales_a.username, "password": PASSWORD}).status_code == 403


def test_api_with_session_auth_needs_csrf_token_but_token_auth_does_not(trainer):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(trainer)
    response = api.post("/api/v1/people/import/", {}, format="multipart")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]
    token = Token.objects.create(user=trainer)
    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.post("/api/v1/people/import/", {}, format="multipart").status_code == 400


# --- CSP header -------------------------------------------------------------------------------------------------


def test_every_page_has_the_csp_header_with_a_fresh_nonce(client, sales_a):
    client.force_login(sales_a)
    one, two = client.get("/"), client.get(LOGIN)
    policy = one["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy  # plus 'nonce-...' on pages whose template uses {{ csp_nonce }}
    assert "Content-Security-Policy" in two
    html = one.content.decode()
    assert '<meta name="htmx-config"' in html and '"includeIndicatorStyles": false' in html
    assert "<script>" not in html and "hx-on" not in html


def test_csp_header_on_the_api_and_docs(client, trainer):
    client.force_login(trainer)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    nonce = docs["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in docs.content.decode()
    assert "Content-Security-Policy" in client.get("/api/schema/")


# --- audit log --------------------------------------------------------------------------------------------------


def test_login_logout_and_failed_login_are_audited(client, sales_a):
    client.post(LOGIN, {"username": sales_a.username, "password": "nope"}, HTTP_USER_AGENT="pytest-agent")
    failed = AuditLog.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.details == {"username": sales_a.username}
    assert failed.ip_address == "127.0.0.1"
    assert failed.user_agent == "pytest-agent"
    client.post(LOGIN, {"username": sales_a.username, "password": PASSWORD})
    assert AuditLog.objects.filter(action=AuditAction.LOGIN, actor=sales_a).count() == 1
    client.post(reverse("logout"))
    assert AuditLog.objects.filter(action=AuditAction.LOGOUT, actor=sales_a).count() == 1


def test_role_changes_and_imports_are_audited(trainer, sales_a):
    user_set_roles(user=sales_a, roles={"salesperson", "manager"}, actor=trainer)
    entry = AuditLog.objects.get(action=AuditAction.ROLES_CHANGED, object_id=str(sales_a.pk), actor=trainer)
    assert entry.actor == trainer
    assert entry.details == {"from": ["salesperson"], "to": ["manager", "salesperson"]}
    user_set_roles(user=sales_a, roles={"salesperson", "manager"}, actor=trainer)  # no change: no entry
    assert (
        AuditLog.objects.filter(action=AuditAction.ROLES_CHANGED, object_id=str(sales_a.pk), actor=trainer).count() == 1
    )

    api = APIClient()
    api.force_authenticate(trainer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = "employee_no,display_name,email,team,roles,manager_employee_no\nS900,新人九,,总部/一组,,\n".encode()
    response = api.post(
        "/api/v1/people/import/", {"file": SimpleUploadedFile("p.csv", csv, "text/csv")}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    entry = AuditLog.objects.get(action=AuditAction.PEOPLE_IMPORT)
    assert entry.actor == trainer and entry.details["created"] == 1


def test_audit_log_record_for_other_apps(sales_a, trainer, rf):
    request = rf.post("/x", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="ua")
    entry = audit_log_record(
        actor=trainer, action=AuditAction.SCORE_OVERRIDE, obj=sales_a, details={"to": 75}, request=request
    )
    assert (entry.object_type, entry.object_id, entry.ip_address) == ("trainees.user", str(sales_a.pk), "203.0.113.9")
    assert entry.details == {"to": 75}


def test_audit_log_admin_is_read_only(admin_user, sales_a):
    entry = audit_log_record(actor=sales_a, action="x.test")
    client = Client()
    client.force_login(admin_user)
    assert client.get(reverse("admin:lms_auditlog_changelist") + "?action=x.test").status_code == 200
    assert client.get(reverse("admin:lms_auditlog_add")).status_code == 403
    assert client.get(reverse("admin:lms_auditlog_delete", args=[entry.pk])).status_code == 403
    response = client.post(reverse("admin:lms_auditlog_change", args=[entry.pk]), {"action": "changed"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.action == "x.test"


def test_audit_log_admin_is_hidden_from_non_staff(client_for, manager_a):
    assert client_for(manager_a).get(reverse("admin:lms_auditlog_changelist")).status_code == 302


# --- anonymisation ----------------------------------------------------------------------------------------------


def test_person_anonymise_keeps_history_rows(admin_user, sales_a):
    from lms.models import UserSession

    sales_a.phone = "13800000000"
    sales_a.email = "zhang@example.com"
    sales_a.employee_no = "E123"
    sales_a.save()
    c = Client()
    assert c.login(username=sales_a.username, password=PASSWORD)
    audit_log_record(actor=sales_a, action="x.history", obj=sales_a)
    team_id = sales_a.team_id

    person_anonymise(person=sales_a, actor=admin_user)
    sales_a.refresh_from_db()
    anon = f"anon-{sales_a.pk}"
    assert (sales_a.username, sales_a.display_name, sales_a.employee_no) == (anon, anon, anon)
    assert (sales_a.email, sales_a.phone, sales_a.first_name, sales_a.last_name) == ("", "", "", "")
    assert not sales_a.is_active and not sales_a.has_usable_password()
    assert sales_a.team_id == team_id  # aggregates by team stay right
    assert not UserSession.objects.filter(user=sales_a).exists()
    assert c.get("/").status_code == 302
    history = AuditLog.objects.get(action="x.history")
    assert history.actor_id == sales_a.pk and history.actor_repr == anon and history.object_repr == anon
    assert AuditLog.objects.filter(action=AuditAction.PERSON_ANONYMISED, object_id=str(sales_a.pk)).exists()
    assert "张三" not in str(list(AuditLog.objects.values_list("actor_repr", "object_repr", "details")))


def test_anonymise_admin_action_asks_for_confirmation(admin_user, sales_a):
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:trainees_user_changelist")
    data = {"action": "anonymise_people", "_selected_action": [sales_a.pk, admin_user.pk]}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "张三" in response.content.decode()
    sales_a.refresh_from_db()
    assert sales_a.is_active  # nothing happened yet
    response = client.post(url, {**data, "confirm": "yes"})
    assert response.status_code == 302
    sales_a.refresh_from_db()
    admin_user.refresh_from_db()
    assert sales_a.username == f"anon-{sales_a.pk}" and not sales_a.is_active
    assert admin_user.is_active and admin_user.username == "root"  # never yourself


def test_role_change_in_the_admin_is_audited(admin_user, sales_a):
    from django.contrib.auth.models import Group

    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:trainees_user_change", args=[sales_a.pk])
    form = client.get(url).context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in ("password", "groups", "user_permissions")
    }
    data.update(
        {
            "username": sales_a.username,
            "groups": [g.pk for g in Group.objects.filter(name__in=["salesperson", "manager"])],
            "date_joined_0": sales_a.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": sales_a.date_joined.strftime("%H:%M:%S"),
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    if data.get("team") is not None:
        data["team"] = sales_a.team_id
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditLog.objects.get(action=AuditAction.ROLES_CHANGED, actor=admin_user)
    assert entry.details == {"from": ["salesperson"], "to": ["manager", "salesperson"], "via": "admin"}
