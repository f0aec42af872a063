"""Readable mail in development (issue 19): the local mailbox page over the file backend, the decoding, and the
console backend printing text instead of base64 MIME."""

import io
import os
import subprocess
import sys

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers
from django.test import override_settings
from django.urls import reverse

from lms.mail import ReadableConsoleBackend, mailbox_messages, readable_message

SUBJECT = "欢迎使用销售培训管理平台：请设置密码"
BODY = "张三，您好：\n请打开以下链接设置密码。"


@pytest.fixture
def file_mailer(tmp_path):
    config = {"default": {"BACKEND": "django.core.mail.backends.filebased.EmailBackend", "OPTIONS": {"file_path": str(tmp_path)}}}  # fmt: skip
    with override_settings(MAILERS=config):
        yield tmp_path


def _send(**kwargs):
    message = EmailMessage(subject=kwargs.get("subject", SUBJECT), body=kwargs.get("body", BODY), to=kwargs.get("to", ["zhang@example.com"]))  # fmt: skip
    message.send()


def test_the_stored_message_really_is_base64(file_mailer):
    _send()
    raw = next(file_mailer.glob("*.log")).read_bytes()
    assert SUBJECT.encode() not in raw  # what the page is for: the stored headers are encoded words
    assert b"=?utf-8?b?" in raw.lower()


def test_staff_read_a_chinese_message_decoded(client_for, admin_user, file_mailer):
    _send()
    response = client_for(admin_user).get(reverse("local-mailbox"))
    assert response.status_code == 200
    assert SUBJECT in response.text
    assert "张三，您好：" in response.text
    assert "zhang@example.com" in response.text


def test_newest_first_across_files(client_for, admin_user, file_mailer):
    _send(subject="第一封")
    (first,) = file_mailer.glob("*.log")
    os.utime(first, (1, 1))  # written long ago
    _send(subject="第二封")
    subjects = [m.subject for m in mailbox_messages(folder=file_mailer)]
    assert subjects.index("第二封") < subjects.index("第一封")


def test_several_messages_in_one_file_newest_first(file_mailer):
    connection = mailers.default
    connection.send_messages([EmailMessage(subject=f"第{i}封", body="正文", to=["a@example.com"]) for i in range(3)])
    assert len(list(file_mailer.glob("*.log"))) == 1
    assert [m.subject for m in mailbox_messages(folder=file_mailer)] == ["第2封", "第1封", "第0封"]


def test_html_is_never_rendered(client_for, admin_user, file_mailer):
    message = EmailMultiAlternatives(subject="HTML", body="", to=["a@example.com"])
    message.attach_alternative('<p>你好</p><script>alert("x")</script><img src=x onerror=alert(1)>', "text/html")
    message.body = None
    message.send()
    response = client_for(admin_user).get(reverse("local-mailbox"))
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "onerror" not in response.text


def test_html_only_message_shows_its_text():
    raw = (
        b"Subject: =?utf-8?b?5rWL6K+V?=\nTo: a@example.com\nMIME-Version: 1.0\n"
        b'Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: base64\n\n'
        + __import__("base64").b64encode("<p>你好<b>世界</b></p>".encode())
        + b"\n"
    )
    message = readable_message(raw)
    assert message.subject == "测试"
    assert message.text == "你好世界" and message.from_html


def test_gbk_charset_is_decoded():
    raw = (
        b"Subject: =?gbk?b?" + __import__("base64").b64encode("提醒".encode("gbk")) + b"?=\nTo: a@example.com\n"
        b'MIME-Version: 1.0\nContent-Type: text/plain; charset="gbk"\nContent-Transfer-Encoding: 8bit\n\n'
        + "课程即将到期".encode("gbk")
        + b"\n"
    )
    message = readable_message(raw)
    assert (message.subject, message.text) == ("提醒", "课程即将到期")


def test_a_damaged_charset_does_not_break_the_page(client_for, admin_user, file_mailer):
    (file_mailer / "broken.log").write_bytes(
        b'Subject: x\nContent-Type: text/plain; charset="no-such-charset"\n\nabc\xff\n' + b"-" * 79 + b"\n"
    )
    response = client_for(admin_user).get(reverse("local-mailbox"))
    assert response.status_code == 200 and "abc" in response.text


@pytest.mark.parametrize("persona", ["trainer", "manager_a", "sales_a"])
def test_non_staff_get_404(client_for, request, persona, file_mailer):
    _send()
    response = client_for(request.getfixturevalue(persona)).get(reverse("local-mailbox"))
    assert response.status_code == 404
    assert "张三" not in response.text


def test_anonymous_get_404(client, file_mailer):
    assert client.get(reverse("local-mailbox")).status_code == 404


@pytest.mark.parametrize(
    "backend", ["django.core.mail.backends.locmem.EmailBackend", "lms.mail.ReadableConsoleBackend"]
)
def test_404_when_mail_is_not_the_file_backend(client_for, admin_user, backend):
    with override_settings(MAILERS={"default": {"BACKEND": backend}}):
        assert client_for(admin_user).get(reverse("local-mailbox")).status_code == 404


def test_mailbox_is_paginated(client_for, admin_user, file_mailer):
    mailers.default.send_messages([EmailMessage(subject=f"邮件{i:02d}", body="正文", to=["a@example.com"]) for i in range(25)])  # fmt: skip
    c = client_for(admin_user)
    first = c.get(reverse("local-mailbox")).text
    assert "邮件24" in first and "邮件04" not in first
    assert "邮件04" in c.get(reverse("local-mailbox"), {"page": 2}).text


def test_console_backend_prints_decoded_text():
    stream = io.StringIO()
    backend = ReadableConsoleBackend(stream=stream)
    backend.send_messages([EmailMessage(subject=SUBJECT, body=BODY, to=["zhang@example.com"])])
    out = stream.getvalue()
    assert f"Subject: {SUBJECT}" in out
    assert "张三，您好：" in out
    assert "Content-Transfer-Encoding" not in out


def test_local_settings_write_mail_to_var_mail_unless_email_url():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.MAILERS['default']['BACKEND'], s.MAILERS['default'].get('OPTIONS', {}).get('file_path', ''))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "DATABASE_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "lms.settings.local"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    backend, path = out.split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend" and path.endswith("var/mail")
    env["EMAIL_URL"] = "console://"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert out.split()[0] == "lms.mail.ReadableConsoleBackend"


def test_page_decodes_a_chinese_base64_message(client_for, admin_user, file_mailer):
    import base64

    raw = (
        b"Subject: =?utf-8?b?" + base64.b64encode("逾期提醒".encode()) + b"?=\nFrom: lms@localhost\n"
        b"To: =?utf-8?b?" + base64.b64encode("李四".encode()) + b"?= <li@example.com>\n"
        b"Date: Mon, 07 Dec 2026 09:30:00 +0800\nMIME-Version: 1.0\n"
        b'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: base64\n\n'
        + base64.encodebytes("《产品知识》已逾期，请尽快完成。".encode())
    )
    (file_mailer / "20261207-093000-1.log").write_bytes(raw + b"\n" + b"-" * 79 + b"\n")
    text = client_for(admin_user).get(reverse("local-mailbox")).text
    assert "逾期提醒" in text and "李四 &lt;li@example.com&gt;" in text
    assert "《产品知识》已逾期，请尽快完成。" in text


def test_account_page_links_the_mailbox_for_staff_only(client_for, admin_user, trainer, file_mailer):
    assert reverse("local-mailbox") in client_for(admin_user).get(reverse("account:index")).text
    assert reverse("local-mailbox") not in client_for(trainer).get(reverse("account:index")).text
