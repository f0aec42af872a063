import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "persona,visible,hidden",
    [
        ("trainer", ["trainees:people", "trainees:import"], []),
        ("manager_a", ["trainees:people"], ["trainees:import"]),
        ("sales_a", [], ["trainees:people", "trainees:import"]),
    ],
)
def test_each_role_sees_its_navigation(request, page, login, screenshot, persona, visible, hidden):
    user = request.getfixturevalue(persona)
    login(user.username)
    nav = page.get_by_test_id("main-nav")
    for name in visible:
        assert nav.locator(f"[data-nav='{name}']").count() == 1, name
    for name in hidden:
        assert nav.locator(f"[data-nav='{name}']").count() == 0, name
    screenshot(persona)


def test_language_switcher_changes_the_ui(page, login, manager_a):
    login(manager_a.username)
    assert page.locator("[data-nav='trainees:people']").inner_text() == "人员"
    with page.expect_navigation():
        page.get_by_label("语言").select_option("en")
    assert page.locator("[data-nav='trainees:people']").inner_text() == "People"
    assert page.locator("html").get_attribute("lang") == "en"


def test_wrong_password_shows_a_message(page, login, sales_a):
    login(sales_a.username, "wrong")
    assert page.get_by_role("alert").count() >= 1
    assert "/accounts/login/" in page.url
    # The message is linked to both fields for screen readers.
    for field in ("#id_username", "#id_password"):
        assert page.locator(field).get_attribute("aria-describedby") == "login-error"
        assert page.locator(field).get_attribute("aria-invalid") == "true"
