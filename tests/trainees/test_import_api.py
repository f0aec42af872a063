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


def test_admin_dry_run_then_import(api_for, admin_user, good_csv):
    api = api_for(admin_user)
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


def test_a_trainer_import_cannot_grant_roles_move_people_or_touch_other_staff(api_for, trainer, good_csv, admin_user):
    """Issue 18: a trainer's import gave themself the manager role of another team, and could change other trainers'
    and managers' roles and e-mails. Only salespeople, added or corrected, are a trainer's to import."""
    api = api_for(trainer)
    refused = _post(api, good_csv)
    assert refused.status_code == 400
    columns = {(row["line"], row["column"]) for row in refused.json()["error"]["rows"]}
    assert {(2, "roles"), (3, "manager_no"), (4, "manager_no"), (5, "roles")} <= columns
    assert not User.objects.filter(employee_no__in=["M100", "S101", "S102", "T100"]).exists()

    assert _post(api_for(admin_user), good_csv).status_code == 200  # an administrator may
    trainer.employee_no = "T1"
    trainer.save()
    for line in (
        f"{trainer.employee_no},我,me@example.com,华东区/上海/一组,manager,",  # themself a manager
        "M100,王经理,new-mail@example.com,华东区/上海/一组,,",  # a manager's e-mail
        "T100,周老师,zhou@example.com,总部/培训部,salesperson,",  # another trainer's roles
        "S101,张伟,zhangwei@example.com,华东区/上海/二组,,",  # a salesperson moved to another team
    ):
        assert _post(api, csv_bytes(line)).status_code == 400, line
    assert User.objects.get(employee_no="M100").email == "wang@example.com"
    assert User.objects.get(employee_no="S101").team.name == "一组"
    # what a trainer may: new salespeople, and corrections of a salesperson's name and e-mail
    ok = _post(
        api, csv_bytes("S201,新人,new@example.com,华东区/上海/一组,,", "S101,张伟伟,zw@example.com,华东区/上海/一组,,")
    )
    assert ok.status_code == 200, ok.json()
    assert User.objects.get(employee_no="S101").display_name == "张伟伟"
