"""POST /api/v1/people/import/ (multipart `file`, `dry_run`)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.trainees.conftest import csv_bytes
from trainees.models import User

pytestmark = pytest.mark.django_db
URL = "/api/v1/people/import/"


def _post(api, content: bytes, headers: dict | None = None, **data):
    return api.post(
        URL,
        {"file": SimpleUploadedFile("p.csv", content, "text/csv"), **data},
        format="multipart",
        **(headers or {}),
    )


def test_url_name():
    assert reverse("api-people-import") == URL


def test_trainer_dry_run_then_import(api_for, trainer, good_csv):
    api = api_for(trainer)
    dry = _post(api, good_csv, dry_run="true")
    assert dry.status_code == 200, dry.json()
    assert dry.json()["dry_run"] is True and dry.json()["created"] == 4
    assert not User.objects.filter(employee_no="S101").exists()

    done = _post(api, good_csv)
    assert done.status_code == 200
    body = done.json()
    assert (body["created"], body["updated"], body["errors"]) == (4, 0, [])
    assert User.objects.filter(employee_no="S101").exists()
    again = _post(api, good_csv).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)


def test_invalid_rows_answer_400_in_the_error_shape_with_line_numbers(api_for, trainer):
    response = _post(api_for(trainer), csv_bytes("S1,张三,,华东区/一组,,", "S2,李四,bad,华东区/一组,,"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_import"
    assert error["rows"] == [{"line": 3, "column": "email", "message": error["rows"][0]["message"]}]
    assert error["fields"]["file"][0].startswith("第 3 行")  # Chinese by default
    english = _post(api_for(trainer), csv_bytes("S2,李四,bad,华东区/一组,,"), headers={"HTTP_ACCEPT_LANGUAGE": "en"})
    assert english.json()["error"]["fields"]["file"][0].startswith("line 2, email:")
    assert not User.objects.filter(employee_no="S1").exists()


def test_not_csv_and_missing_file(api_for, trainer):
    api = api_for(trainer)
    response = _post(api, b"PK\x03\x04zipzip")
    assert response.status_code == 400 and response.json()["error"]["rows"][0]["line"] == 0
    missing = api.post(URL, {}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()["error"]["fields"]


def test_huge_file_is_413(api_for, trainer, settings):
    settings.IMPORT_MAX_BYTES = 50
    response = _post(api_for(trainer), csv_bytes("S1,张三,,华东区/一组,,", "S2,李四,,华东区/一组,,"))
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_admin_may_import(api_for, admin_user, good_csv):
    assert _post(api_for(admin_user), good_csv).status_code == 200


@pytest.mark.parametrize("persona", ["sales_a", "manager_a"])
def test_salesperson_and_manager_are_refused(request, api_for, persona, good_csv):
    response = _post(api_for(request.getfixturevalue(persona)), good_csv)
    assert response.status_code == 403
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not User.objects.filter(employee_no="S101").exists()


def test_anonymous_is_refused(api_for, good_csv):
    assert _post(api_for(), good_csv).status_code in (401, 403)
