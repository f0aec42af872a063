"""The to-do home (lms.todo) and the grouped menu (lms.navigation)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services as quiz_services
from courses.models import TrainingPlan
from lms import todo
from lms.jobs import job_create
from lms.models import Job
from lms.navigation import FLAT_MENU_MAX, nav_items_for, nav_menu
from tests.assessments import factories as qf
from tests.factories import make_trainer
from trainees.models import PeopleImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def qbank(db):
    return qf.bank()


def _sections(response) -> dict[str, dict]:
    return {s["key"]: s for s in response.context["sections"]}


def test_each_role_sees_its_own_sections(client_for, sales_a, trainer, manager_a):
    assert list(_sections(client_for(sales_a).get("/"))) == ["learn"]
    assert list(_sections(client_for(trainer).get("/"))) == ["teach"]
    assert list(_sections(client_for(manager_a).get("/"))) == ["team_overdue", "team_weak", "team_practice"]


def test_an_empty_section_says_so(client_for, sales_a):
    page = client_for(sales_a).get("/")
    assert page.status_code == 200
    assert _sections(page)["learn"]["items"] == []
    assert "没有待办" in page.text or "Nothing is due" in page.text or str(todo.SECTIONS["learn"][1]) in page.text


def test_anonymous_visitors_are_sent_to_log_in(client):
    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


def test_items_are_merged_across_apps_overdue_first_then_by_due_date(client_for, sales_a):
    def one(*, user, today):
        return [
            todo.TodoItem(section="learn", title="B later", url="/b/", due=today + dt.timedelta(days=9)),
            todo.TodoItem(section="learn", title="No date", url="/n/"),
        ]

    def two(*, user, today):
        return [
            todo.TodoItem(section="learn", title="A soon", url="/a/", due=today + dt.timedelta(days=1)),
            todo.TodoItem(section="learn", title="Late", url="/l/", due=today - dt.timedelta(days=3), overdue=True),
        ]

    todo.home_todo.register(one)
    todo.home_todo.register(two)
    try:
        page = client_for(sales_a).get("/")
    finally:
        todo.home_todo.unregister(one)
        todo.home_todo.unregister(two)
    learn = _sections(page)["learn"]
    assert [i.title for i in learn["items"]] == ["Late", "A soon", "B later", "No date"]
    assert learn["overdue"] == 1
    assert 'href="/l/"' in page.text and "todo-overdue" in page.text


def test_a_long_section_shows_its_first_items_and_counts_the_rest(client_for, sales_a):
    def many(*, user, today):
        return [todo.TodoItem(section="learn", title=f"T{i:02d}", url=f"/t/{i}/") for i in range(12)]

    todo.home_todo.register(many)
    try:
        learn = _sections(client_for(sales_a).get("/"))["learn"]
    finally:
        todo.home_todo.unregister(many)
    assert len(learn["items"]) == todo.SECTION_LIMIT
    assert learn["hidden"] == 12 - todo.SECTION_LIMIT
    assert learn["more_url"] == reverse("learning:my_learning")


def test_a_trainer_sees_plans_starting_soon_but_not_others_plans(client_for, trainer):
    today = timezone.localdate()
    mine = TrainingPlan.objects.create(title="我的六天计划", start_date=today + dt.timedelta(days=3))
    mine.owners.add(trainer)
    later = TrainingPlan.objects.create(title="两个月后", start_date=today + dt.timedelta(days=60))
    later.owners.add(trainer)
    other = TrainingPlan.objects.create(title="别人的计划", start_date=today + dt.timedelta(days=2))
    other.owners.add(make_trainer())
    items = _sections(client_for(trainer).get("/"))["teach"]["items"]
    assert [i.title for i in items] == ["我的六天计划"]
    assert items[0].url == reverse("courses:plan_detail", args=[mine.pk])
    assert items[0].due == mine.start_date
    # A draft says it still needs publishing.
    assert "草稿" in items[0].detail or "draft" in items[0].detail


def test_a_trainer_sees_the_answers_waiting_for_grading(client_for, api_for, trainer, qbank, sales_a):
    quiz = qf.quiz(trainer, [qf.essay(qbank)], takers=[sales_a])
    api = api_for(sales_a)
    attempt = api.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    essay = attempt["items"][0]
    api.patch(f"/api/v1/attempts/{attempt['id']}/answers/", {"seq": 1, "answers": {str(essay["id"]): "我的回答"}})
    assert api.post(f"/api/v1/attempts/{attempt['id']}/submit/").status_code == 200
    items = _sections(client_for(trainer).get("/"))["teach"]["items"]
    grading = [i for i in items if i.url == reverse("assessments:grading")]
    assert len(grading) == 1 and "1" in grading[0].title
    # Another trainer has nothing to grade.
    other = make_trainer()
    assert not [i for i in _sections(client_for(other).get("/"))["teach"]["items"] if i.url == grading[0].url]


def test_a_salesperson_sees_the_attempt_left_open(client_for, trainer, qbank, sales_a, sales_b):
    quiz = qf.quiz(trainer, [qf.single(qbank)], takers=[sales_a, sales_b], time_limit_minutes=30)
    attempt = quiz_services.attempt_start(quiz=quiz, user=sales_a)
    attempt_url = reverse("assessments:attempt", args=[attempt.pk])
    items = _sections(client_for(sales_a).get("/"))["learn"]["items"]
    assert [i.url for i in items].count(attempt_url) == 1
    assert attempt_url not in [i.url for i in _sections(client_for(sales_b).get("/"))["learn"]["items"]]


def test_unconfirmed_imports_and_failed_work_are_on_the_owners_home(client_for, trainer):
    PeopleImport.objects.create(owner=trainer, filename="华东区名单.csv", content=b"x")
    job = job_create(kind="question_import", owner=trainer, total=3)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED)
    items = _sections(client_for(trainer).get("/"))["teach"]["items"]
    titles = [str(i.title) for i in items]
    assert "华东区名单.csv" in titles
    failed = [i for i in items if i.url == reverse("assessments:import")]
    assert len(failed) == 1
    other = make_trainer()
    assert _sections(client_for(other).get("/"))["teach"]["items"] == []


def test_the_home_runs_a_bounded_number_of_queries(client_for, trainer, qbank, sales_a, django_assert_max_num_queries):
    today = timezone.localdate()
    for n in range(15):
        plan = TrainingPlan.objects.create(title=f"计划{n}", start_date=today + dt.timedelta(days=n % 10))
        plan.owners.add(trainer)
        PeopleImport.objects.create(owner=trainer, filename=f"f{n}.csv", content=b"x")
    client = client_for(trainer)
    with django_assert_max_num_queries(16):
        page = client.get("/")
    assert page.status_code == 200 and len(_sections(page)["teach"]["items"]) == todo.SECTION_LIMIT


# ---------------------------------------------------------------------------------------------------------------
# The menu


def _item(url, group, order=50):
    return {"label": url, "href": f"/{url}/", "url": url, "order": order, "group": group}


def test_a_few_items_stand_flat_and_many_are_grouped_in_order():
    few = [_item(f"i{n}", "learning") for n in range(FLAT_MENU_MAX)] + [_item("bell", "account")]
    menu = nav_menu(few, "/i2/x/")
    assert len(menu["flat"]) == FLAT_MENU_MAX and not menu["groups"]
    assert [i["url"] for i in menu["account"]] == ["bell"]
    assert [i["active"] for i in menu["flat"]] == [n == 2 for n in range(FLAT_MENU_MAX)]

    many = [_item("admin", "administration"), _item("plans", "teaching")] + [
        _item(f"l{n}", "learning") for n in range(FLAT_MENU_MAX)
    ]
    menu = nav_menu(many, "/plans/3/")
    assert not menu["flat"]
    assert [g["key"] for g in menu["groups"]] == ["learning", "teaching", "administration"]
    assert [g["active"] for g in menu["groups"]] == [False, True, False]


def test_the_longest_matching_item_is_the_current_one():
    items = [_item("dashboard", "managing"), {**_item("x", "managing"), "href": "/dashboard/courses/"}]
    menu = nav_menu(items, "/dashboard/courses/")
    assert [i["active"] for i in menu["flat"]] == [False, True]


def test_each_role_gets_its_groups(trainer, sales_a, admin_user):
    trainer_items = nav_items_for(trainer)
    plans = next(i for i in trainer_items if i["url"] == "courses:plan_list")
    assert plans["group"] == "teaching"
    assert next(i for i in nav_items_for(sales_a) if i["url"] == "courses:plan_list")["group"] == "learning"
    assert len([i for i in nav_items_for(sales_a) if i["group"] != "account"]) <= FLAT_MENU_MAX
    assert any(i["url"] == "admin" for i in nav_items_for(admin_user))
    assert not any(i["url"] == "admin" for i in trainer_items)


def test_the_zh_empty_choice_is_translated(client_for, trainer):
    from django.db.models import fields
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(fields.BLANK_CHOICE_LABEL) != "- Select an option -"


# ---------------------------------------------------------------------------------------------------------------
# The learner's and the manager's items, from the apps above


def test_the_learner_sees_courses_overdue_first_and_assigned_role_plays(client_for, sales_a, sales_b, manager_a):
    from learning.models import Enrollment
    from practice import demo
    from practice.models import PracticeAssignment, Scenario

    today = timezone.localdate()
    late = qf.course("逾期的课程")
    soon = qf.course("下周截止的课程")
    Enrollment.objects.create(user=sales_a, course=late, due_date=today - dt.timedelta(days=2), status="overdue")
    Enrollment.objects.create(user=sales_a, course=soon, due_date=today + dt.timedelta(days=7))
    demo.seed()
    scenario = Scenario.objects.filter(status=Scenario.Status.PUBLISHED).first()
    PracticeAssignment.objects.create(
        user=sales_a, scenario=scenario, due_date=today + dt.timedelta(days=3), assigned_by=manager_a
    )
    items = _sections(client_for(sales_a).get("/"))["learn"]["items"]
    assert [str(i.title) for i in items] == ["逾期的课程", scenario.title, "下周截止的课程"]
    assert items[0].overdue and not items[1].overdue
    assert items[1].url.endswith(f"#scenario-{scenario.pk}")
    assert _sections(client_for(sales_b).get("/"))["learn"]["items"] == []


def test_the_manager_sees_their_overdue_people_and_not_others(client_for, sales_a, sales_b, manager_a, manager_b):
    from learning.models import Enrollment

    today = timezone.localdate()
    course = qf.course("客户拜访")
    for person in (sales_a, sales_b):
        Enrollment.objects.create(user=person, course=course, due_date=today - dt.timedelta(days=4), status="overdue")
    overdue_a = _sections(client_for(manager_a).get("/"))["team_overdue"]["items"]
    assert [str(i.title) for i in overdue_a] == [sales_a.display_name]
    assert "4" in overdue_a[0].detail and overdue_a[0].url == reverse("dashboards:person", args=[sales_a.pk])
    overdue_b = _sections(client_for(manager_b).get("/"))["team_overdue"]["items"]
    assert [str(i.title) for i in overdue_b] == [sales_b.display_name]
