"""The learner's to-do list (`todo_for_learner`, for the home page) and "我的培训计划" on my learning (issue 19):
every entry is one click from doing it, and a plan's sessions link to their card on the plan page."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from courses.models import Course, TrainingPlan
from learning import selectors, services
from tests.courses.plan_factories import PlanFactory, SessionFactory
from tests.learning.factories import CourseFactory, course_with_lessons


@pytest.fixture
def today():
    return timezone.localdate()


def _published_plan(start, **kwargs):
    return PlanFactory(status=TrainingPlan.Status.PUBLISHED, start_date=start, **kwargs)


# --- todo_for_learner ---


def test_todo_lists_open_courses_and_near_sessions_overdue_first(sales_a, trainer, today):
    late = course_with_lessons(5, owners=[trainer], title="逾期课")
    soon = course_with_lessons(2, owners=[trainer], title="下周课")
    undated = course_with_lessons(1, owners=[trainer], title="无期限课")
    done = course_with_lessons(1, owners=[trainer], title="已完成课")
    draft = course_with_lessons(1, owners=[trainer], title="草稿课")
    e_late, _ = services.enrollment_create(user=sales_a, course=late, due_date=today - dt.timedelta(days=2))
    services.enrollment_create(user=sales_a, course=soon, due_date=today + dt.timedelta(days=7))
    services.enrollment_create(user=sales_a, course=undated)
    services.enrollment_create(user=sales_a, course=done)
    services.enrollment_create(user=sales_a, course=draft)
    Course.objects.filter(id=draft.id).update(status=Course.Status.DRAFT)
    for item in late.items.order_by("order")[:3]:
        services.lesson_complete(user=sales_a, lesson_id=item.lesson_id)
    services.lesson_complete(user=sales_a, lesson_id=done.items.get().lesson_id)

    plan = _published_plan(today - dt.timedelta(days=1), title="新人训练营")
    in_window = SessionFactory(plan=plan, day=4, title="异议处理", room="301")  # in 2 days
    SessionFactory(plan=plan, day=1, title="昨天的课")  # past
    far = _published_plan(today + dt.timedelta(days=20))
    SessionFactory(plan=far, day=1, title="太远的课")
    draft_plan = PlanFactory(status=TrainingPlan.Status.DRAFT, start_date=today)
    SessionFactory(plan=draft_plan, day=1, title="草稿计划的课")
    for p in (plan, far, draft_plan):
        services.enrollment_create(user=sales_a, plan=p)

    with translation.override("en"):
        todo = selectors.todo_for_learner(user=sales_a, today=today)
    assert [t["title"] for t in todo] == ["逾期课", "新人训练营 · day 4", "下周课", "无期限课"]
    first = todo[0]
    assert first == {
        "kind": "course",
        "title": "逾期课",
        "due": e_late.due_date,
        "overdue": True,
        "url": f"/my/courses/{late.id}/continue/",
        "detail": "3/5 lessons done",
    }
    session = todo[1]
    assert session["kind"] == "session" and session["overdue"] is False
    assert session["due"] == today + dt.timedelta(days=2)
    assert session["url"] == f"/plans/{plan.id}/#session-{in_window.id}"
    assert "异议处理" in session["detail"] and "09:00–10:30" in session["detail"] and "301" in session["detail"]


def test_todo_of_someone_else_is_not_mine(sales_a, sales_b, trainer, today):
    course = course_with_lessons(1, owners=[trainer])
    services.enrollment_create(user=sales_b, course=course)
    assert selectors.todo_for_learner(user=sales_a, today=today) == []


def test_todo_says_when_lessons_are_done_but_the_course_is_not(sales_a, trainer, today):
    from learning import hooks

    def not_yet(*, enrollment):
        return False

    course = course_with_lessons(1, owners=[trainer], title="差测验")
    services.enrollment_create(user=sales_a, course=course)
    hooks.completion_requirement.register(not_yet)
    try:
        services.lesson_complete(user=sales_a, lesson_id=course.items.get().lesson_id)
    finally:
        hooks.completion_requirement.unregister(not_yet)
    with translation.override("en"):
        (entry,) = selectors.todo_for_learner(user=sales_a, today=today)
    assert entry["detail"] == "All lessons done; other requirements are left"


def test_todo_query_budget_whatever_the_count(sales_a, today, django_assert_max_num_queries):
    courses = CourseFactory.create_batch(30)
    services.enroll_users(user_ids=[sales_a.id], course=courses[0])
    for c in courses[1:]:
        services.enroll_users(user_ids=[sales_a.id], course=c)
    for _ in range(5):
        plan = _published_plan(today)
        SessionFactory.create_batch(3, plan=plan, day=2)
        services.enrollment_create(user=sales_a, plan=plan)
    with django_assert_max_num_queries(4):
        todo = selectors.todo_for_learner(user=sales_a, today=today)
    assert len(todo) == 30 + 5  # one entry per plan day (three sessions each)


# --- my training plans on my learning ---


def test_my_plans_link_the_plan_and_each_session_card(client_for, sales_a, trainer, today):
    course = course_with_lessons(1, owners=[trainer], title="计划里的课")
    plan = _published_plan(today, title="新人训练营")
    with_course = SessionFactory(plan=plan, day=1, title="产品知识", course=course)
    plain = SessionFactory(plan=plan, day=2, title="角色扮演")
    services.enrollment_create(user=sales_a, plan=plan)
    client = client_for(sales_a)
    html = client.get("/my/").content.decode()
    assert f'href="/plans/{plan.id}/" data-testid="plan-link"' in html
    assert f'href="/plans/{plan.id}/#session-{plain.id}" data-testid="session-link"' in html
    assert f'href="/my/courses/{course.id}/continue/" data-testid="session-course"' in html
    # The link is no dead end: the learner may open the plan page, and the card carries the anchor.
    page = client.get(f"/plans/{plan.id}/")
    assert page.status_code == 200
    assert f'id="session-{with_course.id}"' in page.content.decode()


def test_a_draft_plan_is_listed_without_a_link(client_for, sales_a, today):
    plan = PlanFactory(status=TrainingPlan.Status.DRAFT, start_date=today, title="还没发布")
    SessionFactory(plan=plan, day=1, title="草稿日程")
    services.enrollment_create(user=sales_a, plan=plan)
    client = client_for(sales_a)
    html = client.get("/my/").content.decode()
    assert "还没发布" in html and f'href="/plans/{plan.id}/"' not in html and "草稿日程" not in html
    assert client.get(f"/plans/{plan.id}/").status_code == 404


def test_a_plan_i_am_not_in_is_not_listed_and_its_page_is_404(client_for, sales_a, sales_b, today):
    plan = _published_plan(today, title="别人的计划")
    services.enrollment_create(user=sales_b, plan=plan)
    client = client_for(sales_a)
    assert "别人的计划" not in client.get("/my/").content.decode()
    assert client.get(f"/plans/{plan.id}/").status_code == 404


def test_my_learning_with_plans_query_budget(client_for, sales_a, today, django_assert_max_num_queries):
    for _ in range(15):
        plan = _published_plan(today)
        SessionFactory.create_batch(8, plan=plan, day=3)
        services.enrollment_create(user=sales_a, plan=plan)
    client = client_for(sales_a)
    with django_assert_max_num_queries(12):
        response = client.get("/my/")
    html = response.content.decode()
    assert html.count('data-testid="plan-link"') == 15
    assert html.count('data-testid="session-link"') == 15 * 5  # the next five of each, then "see the whole schedule"


def test_a_six_day_plan_shows_its_next_days_not_each_session(sales_a, today):
    plan = _published_plan(today, title="六天训练营")
    for day in range(1, 7):
        for n in range(4):
            SessionFactory(plan=plan, day=day, title=f"第{day}天第{n}节", room="一号培训室")
    services.enrollment_create(user=sales_a, plan=plan)
    with translation.override("zh-hans"):
        todo = selectors.todo_for_learner(user=sales_a, today=today)
    sessions = [t for t in todo if t["kind"] == "session"]
    assert len(sessions) == selectors.TODO_PLAN_DAYS
    assert [t["due"] for t in sessions] == [today + dt.timedelta(days=n) for n in range(selectors.TODO_PLAN_DAYS)]
    assert "4" in sessions[0]["detail"] and "第1天第0节" in sessions[0]["detail"] and "…" in sessions[0]["detail"]
    assert sessions[0]["detail"].count("一号培训室") == 1
