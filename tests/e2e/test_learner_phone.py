"""The learner's pages on a 390 px phone (issue 19): nothing pushes the page sideways (the certificate's verify URL
wraps), and the completion panel says what is left with its rows folded away until asked for."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import TrainingPlan
from learning import hooks
from learning import services as learning_services
from learning.models import Certificate
from learning.requirements import Requirement, RequirementState
from tests.courses.plan_factories import PlanFactory, SessionFactory
from tests.learning.factories import course_with_lessons

pytestmark = pytest.mark.django_db(transaction=True)

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _quiz_row(*, enrollment):
    return [
        Requirement(
            kind="quiz",
            title="期末测验（销售基本功与客户异议处理综合考核）",
            state=RequirementState.STUCK,
            detail="最好成绩 55%，及格线 80%，剩余 0 次",
            help_text="已无次数，请联系 张老师",
            order=20,
            extra={"request_url": "/quizzes/1/request-attempt/"},
        )
    ]


def _not_yet(*, enrollment):
    return False


@pytest.fixture
def learner_world(sales_a, trainer):
    finished = course_with_lessons(2, owners=[trainer], title="倾听与提问")
    learning_services.enrollment_create(user=sales_a, course=finished, enrolled_by=trainer)
    for item in finished.items.all():
        learning_services.lesson_complete(user=sales_a, lesson_id=item.lesson_id)
    cert = Certificate.objects.get(user=sales_a, course=finished)

    plan = PlanFactory(
        status=TrainingPlan.Status.PUBLISHED, start_date=timezone.localdate(), title="新人训练营（华东区第三期）"
    )
    SessionFactory(plan=plan, day=1, title="产品知识与竞品对比：一次讲清楚", room="总部 3 楼 301 会议室")
    learning_services.enrollment_create(user=sales_a, plan=plan)

    held = course_with_lessons(2, owners=[trainer], title="处理客户异议")
    learning_services.enrollment_create(
        user=sales_a, course=held, enrolled_by=trainer, due_date=timezone.localdate() + dt.timedelta(days=3)
    )
    hooks.completion_requirement.register(_not_yet)
    hooks.completion_requirement_rows.register(_quiz_row)
    try:
        for item in held.items.all():
            learning_services.lesson_complete(user=sales_a, lesson_id=item.lesson_id)
        yield {"cert": cert, "held": held, "plan": plan}
    finally:
        hooks.completion_requirement_rows.unregister(_quiz_row)
        hooks.completion_requirement.unregister(_not_yet)


def test_learner_pages_fit_a_phone(page, login, screenshot, sales_a, learner_world):
    login(sales_a.username)
    page.set_viewport_size({"width": 390, "height": 844})
    cert, held = learner_world["cert"], learner_world["held"]
    last_lesson = held.items.order_by("-order").first().lesson_id
    for name, url in [
        ("my-learning", "/my/"),
        ("certificate", f"/certificates/{cert.code}/"),
        ("verify", f"/certificates/verify/{cert.code}/"),
        ("course", f"/catalogue/{held.id}/"),
        ("player", f"/learn/{held.id}/{last_lesson}/"),
        ("plan", f"/plans/{learner_world['plan'].id}/"),
    ]:
        page.goto(url)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{url} scrolls sideways on a 390 px phone"
        screenshot(name)


def test_the_verify_url_wraps_inside_the_certificate(page, login, sales_a, learner_world):
    login(sales_a.username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/certificates/{learner_world['cert'].code}/")
    frame = page.get_by_test_id("certificate").bounding_box()
    link = page.get_by_test_id("verify-url").bounding_box()
    assert link["x"] + link["width"] <= frame["x"] + frame["width"]


def test_the_completion_panel_on_a_phone_says_what_is_left_and_folds_its_rows(page, login, sales_a, learner_world):
    login(sales_a.username)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/catalogue/{learner_world['held'].id}/")
    summary = page.get_by_test_id("completion-summary")
    assert "已无次数，请联系 张老师" in summary.inner_text()
    rows = page.get_by_test_id("completion-rows")
    assert not rows.is_visible()
    page.get_by_test_id("completion-toggle").click()
    rows.wait_for(state="visible")
    assert page.get_by_test_id("requirement-request").is_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


def test_the_completion_panel_rows_show_on_a_desktop(page, login, sales_a, learner_world):
    login(sales_a.username)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/catalogue/{learner_world['held'].id}/")
    assert page.get_by_test_id("completion-rows").is_visible()
    assert not page.get_by_test_id("completion-toggle").is_visible()
