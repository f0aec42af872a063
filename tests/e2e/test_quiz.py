"""A salesperson takes a timed quiz in Chromium; a trainer imports a GIFT file through the preview."""

import pytest

from assessments.models import Attempt, Question, Quiz
from tests.assessments import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def test_salesperson_takes_timed_quiz_reloads_and_submits(page, login, screenshot, sales_a, trainer):
    qbank = f.bank()
    quiz = f.quiz(
        trainer,
        [f.single(qbank), f.multiple(qbank), f.short(qbank)],
        time_limit_minutes=20,
        review_policy=Quiz.Review.AFTER_SUBMIT,
        review_shows_answers=False,
        takers=[sales_a],
    )
    login(sales_a.username)
    page.goto(f"/quizzes/{quiz.id}/")
    page.get_by_test_id("start-quiz").click()
    page.wait_for_url("**/attempts/*/")
    assert page.locator("#quiz-timer").count() == 1
    attempt = Attempt.objects.get(user=sales_a)
    items = {i.version.qtype: i for i in attempt.items.select_related("version")}

    page.locator(f"#q-{items['single'].id}-B").check()
    page.get_by_test_id("saved").wait_for()
    page.locator(f"#q-{items['multiple'].id}-A").check()
    page.locator(f"#q-{items['multiple'].id}-B").check()
    page.locator(f"#q-{items['short'].id}").fill("Strength")
    with page.expect_response(lambda r: r.url.endswith("/save/") and "Strength" in (r.request.post_data or "")):
        page.locator(f"#q-{items['short'].id}").blur()
    screenshot("answering")

    page.reload()
    assert page.locator(f"#q-{items['single'].id}-B").is_checked()
    assert page.locator(f"#q-{items['multiple'].id}-A").is_checked()
    assert page.locator(f"#q-{items['multiple'].id}-B").is_checked()
    assert page.locator(f"#q-{items['short'].id}").input_value() == "Strength"

    # The summary before the final submit (no browser confirm any more): all answered, then submit.
    page.get_by_test_id("review-quiz").click()
    page.wait_for_url("**/review/")
    page.get_by_test_id("answered-count").wait_for()
    page.get_by_test_id("submit-quiz").click()
    page.get_by_test_id("result-summary").wait_for()
    summary = page.get_by_test_id("result-summary").inner_text()
    assert "3" in summary and "100" in summary
    body = page.content()
    assert f.EXPLAIN not in body and f.ACCEPT not in body  # review without answers
    assert page.get_by_test_id("review-item").count() == 3
    screenshot("result")
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.passed
    errors = [text for kind, text in page.console_messages if kind == "error"]
    assert errors == []


GIFT = """// 示例题库
$CATEGORY: sales-skills

::开场::电话预约时开场最重要的是？ {
  =说明来意和对客户的价值
  ~介绍全部产品
}

::判断::沉默代表同意。{F}

坏题没有答案块
"""


def test_trainer_imports_gift_through_the_preview(page, login, screenshot, trainer, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(GIFT, encoding="utf-8")
    login(trainer.username)
    page.goto("/questions/import/")
    assert page.get_by_test_id("template-link").count() == 1
    page.locator("input[type=file]").set_input_files(str(path))
    page.locator("select[name=format]").select_option("gift")
    page.get_by_test_id("preview-import").click()
    page.get_by_test_id("import-summary").wait_for()
    assert page.get_by_test_id("preview-row").count() == 2
    errors = page.get_by_test_id("import-errors").inner_text()
    assert "11" in errors
    screenshot("preview")
    page.get_by_test_id("confirm-import").click()
    page.wait_for_load_state()
    assert Question.objects.count() == 0  # errors remain and the trainer did not choose "valid only"
    page.get_by_label("只导入").or_(page.get_by_label("Import the valid questions only")).check()
    page.get_by_test_id("confirm-import").click()
    page.wait_for_url("**/questions/")
    assert Question.objects.count() == 2
    assert "电话预约时开场最重要的是" in page.content()
    screenshot("imported")


def test_result_page_shows_grading_and_refreshes_itself_when_graded(page, login, screenshot, sales_a, trainer):
    """The grading task is held back (no worker yet): the page says so and polls; once graded it reloads itself."""
    from unittest import mock

    from playwright.sync_api import expect

    from assessments import services, tasks

    qbank = f.bank()
    quiz = f.quiz(trainer, [f.single(qbank)], review_policy=Quiz.Review.AFTER_SUBMIT, takers=[sales_a])
    login(sales_a.username)
    page.goto(f"/quizzes/{quiz.id}/")
    page.get_by_test_id("start-quiz").click()
    page.wait_for_url("**/attempts/*/")
    attempt = Attempt.objects.get(user=sales_a)
    item = attempt.items.get()
    page.locator(f"#q-{item.id}-B").check()
    page.get_by_test_id("saved").wait_for()
    with mock.patch.object(tasks.grade_submitted_attempt, "apply_async") as queued:
        page.get_by_test_id("review-quiz").click()
        page.get_by_test_id("submit-quiz").click()
        expect(page.get_by_test_id("grading")).to_be_visible()
    queued.assert_called_once()
    assert "正在评分" in page.get_by_test_id("grading").inner_text()
    assert "评分中" in page.locator("main").inner_text()
    screenshot("grading")
    services.attempt_grade_submitted(attempt_id=attempt.id)  # the worker runs it
    expect(page.get_by_test_id("grading")).to_have_count(0, timeout=10000)
    expect(page.get_by_test_id("result-summary")).to_contain_text("100")
    screenshot("graded")
    errors = [text for kind, text in page.console_messages if kind == "error"]
    assert errors == []
