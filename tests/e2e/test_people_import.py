"""Journey: an administrator imports people, with their manager, through the browser preview (upload, errors,
corrected file, confirm). A trainer's import may not name managers (tests/trainees/test_import_api.py)."""

import pytest

from trainees.models import User

pytestmark = pytest.mark.django_db(transaction=True)

BAD = "工号,姓名,邮箱,团队,角色,经理工号\nE2E01,赵一,not-an-email,华东区/杭州/一组,销售,\nE2E02,钱二,,华东区/杭州/一组,boss,\n"
GOOD = (
    "工号,姓名,邮箱,团队,角色,经理工号\n"
    "E2E00,孙经理,sun@example.com,华东区/杭州/一组,经理,\n"
    "E2E01,赵一,zhao@example.com,华东区/杭州/一组,销售,E2E00\n"
    "E2E02,钱二,qian@example.com,华东区/杭州/一组,销售,E2E00\n"
)


def _upload(page, name: str, text: str, encoding: str = "utf-8"):
    page.locator("#id_file").set_input_files({"name": name, "mimeType": "text/csv", "buffer": text.encode(encoding)})
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_load_state()


def test_admin_imports_people_through_the_preview(page, login, screenshot, admin_user):
    login(admin_user.username)
    page.locator("[data-nav-group=administration] > a").click()  # the admin's menu is grouped
    page.locator("[data-nav='trainees:import']").click()
    page.wait_for_load_state()
    assert page.locator("#id_file").is_visible()
    screenshot("upload")

    _upload(page, "bad.csv", BAD)
    errors = page.get_by_test_id("import-errors")
    assert errors.is_visible()
    assert "not-an-email" in errors.inner_text() and "boss" in errors.inner_text()
    assert page.locator("form[action$='/confirm/']").count() == 0
    screenshot("errors")

    _upload(page, "good.csv", GOOD, encoding="gbk")  # what Excel in China saves
    rows = page.get_by_test_id("import-rows")
    assert "孙经理" in rows.inner_text() and "华东区/杭州/一组" in rows.inner_text()
    screenshot("preview")
    assert not User.objects.filter(employee_no="E2E01").exists()

    page.locator("form[action$='/confirm/'] button[type=submit]").click()
    page.wait_for_load_state()
    result = page.get_by_test_id("import-result")
    for name in ("孙经理", "赵一", "钱二"):
        assert name in result.inner_text()
    screenshot("done")
    assert User.objects.filter(employee_no__startswith="E2E").count() == 3
    assert list(User.objects.get(employee_no="E2E00").managed_teams.values_list("full_name", flat=True)) == [
        "华东区/杭州/一组"
    ]


def test_a_file_that_is_not_csv_is_refused_next_to_the_field(page, login, trainer):
    login(trainer.username)
    page.goto("/people/import/")
    page.locator("#id_file").set_input_files(
        {"name": "people.xlsx", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04zip"}
    )
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_load_state()
    field = page.locator("#id_file")
    assert field.get_attribute("aria-invalid") == "true"
    assert "id_file_error" in field.get_attribute("aria-describedby")
    assert page.locator("#id_file_error").is_visible()
