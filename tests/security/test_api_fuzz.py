"""Schemathesis against our own OpenAPI schema, in process (WSGI, no server): every operation, as every role
(token auth) and anonymously, with all checks: no server error, every response matches the schema (status codes,
content types, bodies), bad input is rejected and good input accepted. Bounded: a few examples per operation."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import ignored_auth, positive_data_acceptance

from lms.wsgi import application
from tests.factories import TeamFactory, make_manager, make_salesperson, make_trainer

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# Every string field refuses a NUL character with a 400 (DRF's ProhibitNullCharactersValidator, and PostgreSQL
# cannot store one); the schema cannot say so, so the "valid input is accepted" check would flag it. Generate no
# NUL here; test_nul_characters_are_refused_cleanly checks the refusal on every kind of input.
schema.config.generation.update(allow_x00=False)

MAX_EXAMPLES = 10
ROLES = ["anonymous", "salesperson", "manager", "trainer", "admin"]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Schemathesis calls the WSGI app directly, which fires request_started/finished; like Django's test client,
    keep those from closing the test's database connection (on PostgreSQL that would end the test transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(django_user_model):
    team = TeamFactory(name="模糊组")
    other = TeamFactory(name="其他组")
    make_salesperson(other, username="fz_other", display_name="别人")
    users = {
        "salesperson": make_salesperson(team, username="fz_sales", display_name="模糊销售"),
        "manager": make_manager(team, username="fz_manager", display_name="模糊经理"),
        "trainer": make_trainer(username="fz_trainer", display_name="模糊培训"),
        "admin": django_user_model.objects.create_superuser("fz_admin", "fz@example.com", "pass-1234"),
    }
    return {role: Token.objects.create(user=user).key for role, user in users.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case, role, tokens):
    excluded = []
    headers = {}
    if role != "anonymous":
        headers = {"Authorization": f"Token {tokens[role]}"}
        # We pass a valid token ourselves, so schemathesis cannot tell it is the credential it should break:
        # the check then tampers with a cookie and sees our token succeed. Anonymous runs keep the check, and
        # test_every_operation_refuses_a_bad_token covers it explicitly.
        excluded.append(ignored_auth)
    if case.operation.label in CONTENT_CHECKED_OPERATIONS:
        excluded.append(positive_data_acceptance)
    case.call_and_validate(headers=headers, excluded_checks=excluded)


# Operations whose valid input cannot be described by the schema (a CSV file's content): any file is
# "schema-valid", and a bad CSV is rightly refused with 400 and a message per line. The question import takes a
# CSV/XLSX/JSON file in the same way (bad rows: 400 with a message per row).
# A lesson's uploaded video/file is checked by its content type (MP4/WebM/Ogg for video), which the schema's
# `format: binary` cannot say either.
# A plan names its teams by id: only teams in the trainer's reach exist for them, which no schema can list, so an
# unknown id is rightly a 400 on `teams`. A question's answer must name one of its own options (and choice
# questions need two or more), a rule across fields the schema cannot state. Quiet hours of one's own need a start and
# an end that differ (`mode: custom`), another such rule.
# Only the "schema-valid input must be accepted" check is lifted for these: server errors and response
# conformance are still checked.
CONTENT_CHECKED_OPERATIONS = {
    "POST /api/v1/people/import/",
    "POST /api/v1/questions/import/",
    "POST /api/v1/lessons/",
    "POST /api/v1/plans/",
    "POST /api/v1/questions/",
    "PUT /api/v1/me/preferences/",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/enrollments/", {"course": 1, "employee_nos": ["E\x001"]}),
        ("/api/v1/courses/", {"title": "课\x00程", "track": "essentials", "category": "product"}),
        ("/api/v1/auth/token/", {"username": "a\x00", "password": "b"}),
    ],
)
def test_nul_characters_are_refused_cleanly(path, body, tokens):
    from rest_framework.test import APIClient

    api = APIClient(HTTP_AUTHORIZATION=f"Token {tokens['admin']}")
    response = api.post(path, body, format="json")
    assert response.status_code in (400, 401)
    assert response.json()["error"]["code"] in ("invalid", "invalid_credentials")


@pytest.mark.django_db
def test_every_operation_refuses_a_bad_token(client):
    """Every operation except the token endpoint refuses an unknown token (error shape)."""
    import re

    from django.test import Client

    api = Client(HTTP_AUTHORIZATION="Token " + "0" * 40)
    checked = 0
    for operation in schema.get_all_operations():
        op = operation.ok()
        if op.path == "/api/v1/auth/token/":
            continue
        path = re.sub(r"\{[^}]+\}", "1", op.path)
        response = getattr(api, op.method.lower())(path)
        # 403 rather than 401 because session auth comes first (DRF answers 401 only when the first
        # authentication class names a WWW-Authenticate scheme); the schema documents both.
        assert response.status_code in (401, 403), (op.label, response.status_code)
        assert response.json()["error"]["code"] == "authentication_failed"
        checked += 1
    assert checked >= 5


def test_the_schemas_not_only_space_pattern_is_pythons_strip():
    """A required trimmed text field's schema pattern accepts exactly the characters DRF's trimming keeps (every
    code point: ECMAScript's \\S alone let "\\x85" through, which DRF trims to blank)."""
    import re

    from lms.api.schema import NOT_ONLY_SPACE

    pattern = re.compile(NOT_ONLY_SPACE)
    disagree = [hex(c) for c in range(0x110000) if chr(c).isspace() == bool(pattern.search(chr(c)))]
    assert disagree == []
