"""The schema says what the server does (issue 18, item 9): the red team found 409s of answer-save and submit
undocumented, `seq`/`answers` required but marked optional, a nullable team typed as a string, and session times
without their time zone. Each is checked here against a real response."""

import datetime as dt
import re

import pytest
import yaml
from rest_framework import serializers

from assessments.api import GradeIn
from courses.models import Session, TrainingPlan
from tests.assessments import factories as f
from tests.factories import make_salesperson
from tests.lms.test_public_surface import current_schema


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return yaml.safe_load(current_schema())


def _operation(schema, path, method):
    return schema["paths"][path][method]


def _component(schema, ref):
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/attempts/{id}/answers/", "patch"),
        ("/api/v1/attempts/{id}/submit/", "post"),
        ("/api/v1/quizzes/{id}/attempts/", "post"),
        ("/api/v1/grading/{id}/", "post"),
        ("/api/v1/plans/{id}/", "patch"),
        ("/api/v1/plans/{id}/", "delete"),
        ("/api/v1/plans/{id}/publish/", "post"),
        ("/api/v1/plans/{id}/sessions/", "post"),
        ("/api/v1/plans/{id}/sessions/{session_id}/", "patch"),
        ("/api/v1/plans/{id}/objectives/", "post"),
    ],
)
def test_conflicts_are_documented_with_the_error_body(schema, path, method):
    response = _operation(schema, path, method)["responses"]["409"]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_answers_body_requires_seq_and_answers(schema):
    body = _operation(schema, "/api/v1/attempts/{id}/answers/", "patch")["requestBody"]
    assert body["required"] is True
    component = _component(schema, body["content"]["application/json"]["schema"]["$ref"])
    assert set(component["required"]) == {"seq", "answers"}


def test_an_attempts_team_is_nullable_and_is_null_for_a_person_without_one(schema, trainer, api_for):
    component = schema["components"]["schemas"]["AttemptListOut"]
    assert component["properties"]["team"].get("nullable") is True
    loner = make_salesperson(None, username="no_team")
    quiz = f.quiz(trainer, [f.single(f.bank())], takers=[loner])
    api = api_for(loner)
    assert api.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").status_code == 201
    [row] = api.get("/api/v1/attempts/").json()["results"]
    assert row["team"] is None


def test_a_stale_save_and_a_second_submit_answer_the_documented_409(trainer, sales_a, api_for):
    quiz = f.quiz(trainer, [f.single(f.bank())], takers=[sales_a])
    api = api_for(sales_a)
    attempt = api.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    url = f"/api/v1/attempts/{attempt['id']}/"
    assert api.patch(f"{url}answers/", {"seq": 2, "answers": {}}, format="json").json() == {"seq": 2}
    stale = api.patch(f"{url}answers/", {"seq": 1, "answers": {}}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    assert api.post(f"{url}submit/").status_code == 200
    again = api.post(f"{url}submit/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_submitted"
    missing = api.patch(f"{url}answers/", {"answers": {}}, format="json")
    assert missing.status_code == 400 and "seq" in missing.json()["error"]["fields"]


def test_session_times_come_with_their_offset(schema, trainer, api_for):
    props = schema["components"]["schemas"]["SessionOut"]["properties"]
    assert props["starts_at"]["format"] == "date-time" and props["starts_at"]["nullable"] is True
    # A time of day without an offset is not an RFC 3339 "time" (schemathesis: '"09:00:00" is not a "time"').
    assert "format" not in props["start_time"] and re.fullmatch(props["start_time"]["pattern"], "09:00:00")
    plan = TrainingPlan.objects.create(title="六天计划", start_date=dt.date(2026, 12, 14))
    plan.owners.add(trainer)
    Session.objects.create(plan=plan, day=2, start_time=dt.time(9, 0), end_time=dt.time(10, 30), title="电话邀约")
    [session] = api_for(trainer).get(f"/api/v1/plans/{plan.pk}/sessions/").json()
    assert session["starts_at"] == "2026-12-15T09:00:00+08:00"
    assert session["ends_at"] == "2026-12-15T10:30:00+08:00"
    assert session["start_time"] == "09:00:00"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("5", True),
        ("5.", True),
        (".5", True),
        ("-1.25", True),
        ("123456.78", True),
        ("", False),
        ("-", False),
        (".", False),
    ],
)
def test_a_decimal_in_a_request_is_a_number_by_the_schema_as_by_the_server(schema, value, valid):
    """schemathesis sent a grade of "" (drf-spectacular's decimal pattern lets it through) and the server refused."""
    pattern = schema["components"]["schemas"]["GradeInRequest"]["properties"]["score"]["pattern"]
    assert bool(re.search(pattern, value)) is valid
    field: serializers.DecimalField = GradeIn().fields["score"]
    try:
        field.to_internal_value(value)
        accepted = True
    except serializers.ValidationError:
        accepted = False
    assert accepted is valid
