"""Issue 20's journey, in zh, without the admin: a trainer writes a lesson in the rich-text editor, builds a course
around it, adds the final quiz from the outline (fixed questions picked from the bank plus a random rule, with the
matching count shown as they type), previews it as a learner (nothing recorded), publishes it, adds a role play
from the same outline (described in a form, tried as a learner would, counted nowhere), publishes the course,
enrols a team and assigns the quiz to it with a due date. The learner then sees all three as requirements.

Screenshots (test-artifacts/): test_trainer_builds_previews_publishes_and_assigns_a_course-<step>.png."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from assessments.models import Attempt, Quiz, QuizAssignment
from courses.models import Course, Lesson
from learning.models import Enrollment
from practice.models import PracticeSession, Scenario, ScenarioRequirement
from tests.assessments import factories as qf

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def question_bank(trainer):
    bank = qf.bank("电话邀约题库")
    bank.owners.add(trainer)
    for i in range(4):
        qf.single(bank, stem=f"电话邀约第 {i + 1} 步应该做什么？", category="sales-skills", author=trainer)
    for _ in range(3):
        qf.truefalse(bank, category="time-territory")
    return bank


def test_trainer_builds_previews_publishes_and_assigns_a_course(
    page, login, screenshot, trainer, team_a, sales_a, question_bank
):
    login(trainer.username)

    # 1. A lesson written in the editor: bold text reaches the page as <strong>
    page.goto("/lessons/new/")
    page.locator("input[name=title]").fill("电话邀约的开场白")
    editor = page.locator(".ql-editor")
    editor.click()
    page.keyboard.type("先说明来意，")
    page.keyboard.press("Control+B")
    page.keyboard.type("再约时间")
    page.locator("form[data-toggle-fields] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/lessons/\d+/$"))  # the lesson's preview
    lesson = Lesson.objects.get(title="电话邀约的开场白")
    expect(page.get_by_test_id("lesson-body").locator("strong")).to_have_text("再约时间")
    screenshot("lesson-preview")

    # 2. The course around it
    page.goto("/courses/new/")
    page.locator("input[name=title]").fill("电话邀约实战")
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/outline/$"))
    course = Course.objects.get(title="电话邀约实战")
    page.locator("#module-title").fill("第一章 开场")
    page.locator("#module-title").press("Enter")
    select = page.locator("select[name=lesson]").first
    select.wait_for()
    select.select_option(value=str(lesson.pk))
    page.locator(".item-list").first.locator("xpath=..").get_by_role("button", name="添加").click()
    page.locator(".item-list li").first.wait_for()

    # 3. The final quiz from the outline: two fixed questions and a random rule
    page.get_by_test_id("outline-add-action").filter(has_text="期末测验").click()
    page.wait_for_url(re.compile(r"/quizzes/new/\?course="))
    page.locator("#id_title").fill("电话邀约结业测验")
    page.locator("#id_mode").select_option("mixed")
    page.locator("#pick-q").fill("电话邀约")
    results = page.get_by_test_id("picker-question")
    expect(results).to_have_count(4)
    results.nth(0).locator(".pick-add").click()
    results.nth(1).locator(".pick-add").click()
    expect(page.get_by_test_id("chosen-list").locator("li")).to_have_count(2)
    rule = page.get_by_test_id("rule-row").first
    rule.locator("select[name$=category]").select_option(label="时间和销售区域管理")
    rule.locator("input[name$=count]").fill("5")
    expect(rule.locator(".rule-count .text-danger")).to_contain_text("3")  # only 3 match: in red as they type
    rule.locator("input[name$=count]").fill("2")
    expect(rule.locator(".rule-count .text-danger")).to_have_count(0)
    expect(rule.locator(".rule-count")).to_contain_text("3")
    screenshot("quiz-builder")
    page.get_by_test_id("save-quiz").click()
    page.wait_for_load_state()
    quiz = Quiz.objects.get(title="电话邀约结业测验")
    assert quiz.course_id == course.pk and quiz.is_final and quiz.status == Quiz.Status.DRAFT
    assert quiz.quiz_questions.count() == 2 and quiz.rules.get().count == 2

    # ...previewed as a learner, a draft too, recording nothing
    page.goto(f"/quizzes/{quiz.pk}/preview/")
    expect(page.get_by_test_id("preview-banner")).to_be_visible()
    expect(page.locator("[data-testid=preview-form] fieldset")).to_have_count(4)
    page.get_by_test_id("preview-check-button").click()
    expect(page.get_by_test_id("preview-result")).to_be_visible()
    assert not Attempt.objects.exists()
    screenshot("quiz-preview")

    # ...and published
    page.goto(f"/quizzes/{quiz.pk}/edit/")
    page.locator("#id_status").select_option("published")
    page.get_by_test_id("save-quiz").click()
    page.wait_for_load_state()
    quiz.refresh_from_db()
    assert quiz.status == Quiz.Status.PUBLISHED

    # 4. A role play from the same outline, described in a form, tried, published
    page.goto(f"/courses/{course.pk}/outline/")
    expect(page.get_by_test_id("outline-activity")).to_contain_text(["电话邀约结业测验"])
    page.get_by_test_id("outline-add-action").filter(has_text="陪练").click()
    expect(page.get_by_test_id("for-course")).to_contain_text("电话邀约实战")
    page.locator("#id_title").fill("约见面的电话")
    page.locator("#id_code").fill("call-for-meeting")
    page.locator("#id_persona_role").fill("忙碌的采购经理")
    page.locator("#id_situation").fill("你第一次给这位采购经理打电话，想约一次见面。")
    page.locator("#id_goal").fill("约到见面时间")
    page.locator("#bf-brief-opening").fill("喂，哪位？我在开会。")
    page.locator("#bf-brief-objections-0-says").fill("我们已经有供应商了。")
    page.locator("#bf-brief-objections-0-answer").fill("请求十五分钟对比一下方案")
    page.locator("#bf-brief-key_points-0-point").fill("提出具体的见面时间")
    page.get_by_test_id("brief-save").click()
    page.wait_for_url(re.compile(r"/practice/manage/\d+/$"))
    scenario = Scenario.objects.get(code="call-for-meeting")
    assert ScenarioRequirement.objects.filter(scenario=scenario, course=course).exists()
    page.get_by_test_id("try-scenario").click()  # the learner's view, counted nowhere
    expect(page.get_by_test_id("trial-badge")).to_be_visible()
    expect(page.get_by_test_id("transcript")).to_contain_text("我在开会")
    page.get_by_test_id("reply-text").fill("您好，我是做电缆的小王，想约您十五分钟。")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("turn-customer")).to_have_count(2)
    assert PracticeSession.objects.get(user=trainer).is_trial
    screenshot("scenario-trial")
    page.goto(f"/practice/manage/{scenario.pk}/")
    page.locator("#id_status").select_option("published")
    page.get_by_test_id("brief-save").click()
    page.wait_for_url(re.compile(r"/practice/manage/\d+/$"))
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.PUBLISHED

    # 5. The course published, the team enrolled, the quiz assigned with a due date
    page.goto(f"/courses/{course.pk}/outline/")
    expect(page.get_by_test_id("outline-activity")).to_have_count(2)
    screenshot("outline")
    page.get_by_role("button", name="发布").click()
    page.wait_for_load_state()
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED
    page.goto(f"/enrollments/new/?course={course.pk}")
    page.locator("input[name=who][value=team]").check()
    page.locator("select[name=team]").select_option(str(team_a.pk))
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert Enrollment.objects.filter(course=course, user=sales_a).exists()
    page.goto(f"/quizzes/{quiz.pk}/")
    form = page.get_by_test_id("quiz-assign")
    form.locator("input[name=who][value=team]").check()
    form.locator("select[name=team]").select_option(str(team_a.pk))
    due = dt.date.today() + dt.timedelta(days=14)
    form.locator("input[name=due_date]").fill(due.isoformat())
    form.get_by_test_id("assign-quiz").click()
    page.wait_for_load_state()
    assert QuizAssignment.objects.get(quiz=quiz, user=sales_a).due_date == due
    screenshot("assigned")
    assert [m for m in page.console_messages if m[0] == "error"] == []

    # 6. The salesperson sees the lesson, the final quiz and the role play as what the course asks
    page.context.clear_cookies()
    login(sales_a.username)
    page.goto(f"/catalogue/{course.pk}/")
    panel = page.get_by_test_id("completion-panel")
    expect(panel).to_contain_text("电话邀约的开场白")
    expect(panel).to_contain_text("电话邀约结业测验")
    expect(panel).to_contain_text("约见面的电话")
    screenshot("learner-requirements")
