"""lms.api.authentication.TokenAuthentication: DRF's token header and errors, the user read in one statement."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lms.api.authentication import TokenAuthentication


def _api(key: str | None) -> APIClient:
    api = APIClient()
    if key is not None:
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


@pytest.mark.django_db
def test_a_valid_token_authenticates_its_user_in_one_query(sales_a):
    token = Token.objects.create(user=sales_a)
    user, auth = TokenAuthentication().authenticate_credentials(token.key)
    assert user == sales_a and user.username == "sales_a" and user.display_name == "张三"
    assert isinstance(auth, Token) and auth.key == token.key and auth.user == sales_a
    with CaptureQueriesContext(connection) as queries:
        TokenAuthentication().authenticate_credentials(token.key)
    assert len(queries) == 1
    response = _api(token.key).get("/api/v1/me/")
    assert response.status_code == 200 and response.json()["username"] == "sales_a"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "Token nope",
        "Token ",
        "Token a b",
        "Token " + "x" * 500,
        "Token \x00abc",
        "Token " + "张三".encode().decode("latin-1"),
    ],
)
def test_bad_tokens_are_refused_with_the_error_shape(sales_a, header):
    Token.objects.create(user=sales_a)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get("/api/v1/me/")
    # 403, not 401: session authentication comes first and sends no WWW-Authenticate challenge (DRF's rule).
    assert response.status_code == 403
    assert response.json()["error"]["code"] in {"authentication_failed", "not_authenticated"}


@pytest.mark.django_db
def test_an_inactive_users_token_is_refused(sales_a):
    token = Token.objects.create(user=sales_a)
    sales_a.is_active = False
    sales_a.save(update_fields=["is_active"])
    response = _api(token.key).get("/api/v1/me/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "authentication_failed"
    assert response.json()["error"]["message"] in {"User inactive or deleted.", "用户未激活或者已删除。"}


@pytest.mark.django_db
def test_a_deleted_token_no_longer_works(sales_a):
    token = Token.objects.create(user=sales_a)
    assert _api(token.key).get("/api/v1/me/").status_code == 200
    token.delete()
    assert _api(token.key).get("/api/v1/me/").status_code == 403
