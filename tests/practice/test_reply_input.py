"""Bad input to a reply, on the page (htmx and without JavaScript) and in the API: a clear message in the project's
error shape, never a 500, and the conversation loses no turn (the session stays answerable)."""

import json

import pytest
from django.urls import reverse

from practice.services import session_start
from tests.practice.conftest import GOOD_REPLIES

pytestmark = pytest.mark.django_db

BAD = {
    "empty": ("", "Type what you would say"),
    "whitespace": (" \n\t\u3000 ", "Type what you would say"),
    "too long": ("长" * 10_000, "under 1000 characters"),
    "emoji only": ("😀😀😀", "The customer needs words"),
    "punctuation only": ("？！…", "The customer needs words"),
    "NUL": ("您好\x00，我是小王", "NUL character"),
}
SURROGATE = ("\ud800", "broken character")


@pytest.fixture
def session(sales_a, too_expensive):
    return session_start(user=sales_a, scenario=too_expensive)


def _still_answerable(session, send):
    assert session.turns.count() == 1
    session.refresh_from_db()
    assert session.status == "in_progress" and session.trainee_turns == 0 and session.pending_index is None
    send(GOOD_REPLIES[0])
    assert session.turns.count() == 3


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_reply_on_the_page_with_htmx_says_why_and_loses_nothing(client_for, sales_a, session, case):
    text, message = BAD[case]
    client = client_for(sales_a)
    client.cookies["django_language"] = "en"
    post = lambda t: client.post(reverse("practice:reply", args=[session.id]), {"text": t}, HTTP_HX_REQUEST="true")  # noqa: E731
    response = post(text)
    assert response.status_code == 200 and response["X-Practice-Error"] == "1"
    assert message in response.text and 'role="alert"' in response.text
    _still_answerable(session, post)


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_reply_without_javascript_shows_the_conversation_again(client_for, sales_a, session, case):
    text, message = BAD[case]
    client = client_for(sales_a)
    client.cookies["django_language"] = "en"
    post = lambda t: client.post(reverse("practice:reply", args=[session.id]), {"text": t})  # noqa: E731
    response = post(text)
    assert response.status_code == 422
    assert message in response.text and 'data-testid="reply-text"' in response.text
    assert "\x00" not in response.text
    if case == "emoji only":
        assert "😀😀😀</textarea>" in response.text  # what was typed is kept
    _still_answerable(session, post)


@pytest.mark.parametrize("case", [*BAD, "surrogate"])
def test_a_bad_reply_in_the_api_is_a_field_error(api_for, sales_a, session, case):
    text, message = SURROGATE if case == "surrogate" else BAD[case]
    api = api_for(sales_a)
    url = f"/api/v1/practice/sessions/{session.id}/turns/"
    # json.dumps writes the lone surrogate as the escape "\ud800", as a client would send it
    response = api.post(
        url, data=json.dumps({"text": text}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and any(message in m for m in error["fields"]["text"])
    _still_answerable(session, lambda t: api.post(url, {"text": t}, format="json"))


def test_a_lone_surrogate_in_the_page_form_is_refused_too(client_for, sales_a, session):
    from practice.services import _clean_reply

    with pytest.raises(Exception) as exc:
        _clean_reply("您好\udfff")
    assert "broken character" in str(exc.value) or "字符" in str(exc.value)
    assert session.turns.count() == 1


def test_the_message_is_in_chinese_by_default(client_for, sales_a, session):
    response = client_for(sales_a).post(
        reverse("practice:reply", args=[session.id]), {"text": "😀"}, HTTP_HX_REQUEST="true"
    )
    assert "客户需要" in response.text


@pytest.mark.parametrize("text", ["OK", "好", "8点", "Ok 👍", "１２３"])
def test_short_replies_with_words_are_accepted(client_for, sales_a, session, text):
    response = client_for(sales_a).post(
        reverse("practice:reply", args=[session.id]), {"text": text}, HTTP_HX_REQUEST="true"
    )
    assert "X-Practice-Error" not in response
    assert session.turns.count() == 3


def test_the_schema_documents_the_reply_limit(api_for, admin_user):
    schema = api_for(admin_user).get("/api/schema/?format=json").json()
    turn_in = schema["components"]["schemas"]["TurnInRequest"]
    assert turn_in["properties"]["text"]["maxLength"] == 1000
