"""The manager's to-do list for the home page: overdue people, weakest categories and recent role plays of their
own teams only, from the precomputed figures, in a few queries whatever the team size."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Category
from dashboards import selectors
from dashboards.models import PersonCategoryScore
from dashboards.services import stats_repair
from learning.models import Enrollment
from practice.models import CoachingComment, PracticeSession
from tests.factories import make_salesperson
from tests.learning.factories import CourseFactory
from tests.practice.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


def _late(user, course, days):
    return Enrollment.objects.create(
        user=user, course=course, status=Enrollment.Status.OVERDUE, due_date=timezone.localdate() - timedelta(days=days)
    )


def _session(user, scenario, minutes_ago, **kw):
    return PracticeSession.objects.create(
        user=user,
        scenario=scenario,
        status=PracticeSession.Status.FINISHED,
        score=kw.pop("score", 70),
        passed=kw.pop("passed", True),
        finished_at=timezone.now() - timedelta(minutes=minutes_ago),
        **kw,
    )


@pytest.fixture
def world(team_a, sub_team_a, team_b, sales_b):
    course = CourseFactory(title="大客户开发")
    other = CourseFactory(title="产品知识")
    people = [make_salesperson(team_a, display_name=f"甲{i}") for i in range(4)]
    people += [make_salesperson(sub_team_a, display_name=f"乙{i}") for i in range(4)]
    for i, p in enumerate(people):
        _late(p, course, days=i + 1)
        _late(p, other, days=i + 20)  # each person's worst item is this one: listed once per person
    _late(sales_b, course, days=90)  # another team's: never listed
    cats = {c.code: c for c in Category.objects.all()}
    scores = [("product", 30), ("market", 50), ("company", 80), ("product", 40)]
    for p, (code, score) in zip(people[:4], scores, strict=True):
        PersonCategoryScore.objects.create(user=p, category=cats[code], attempts=2, score_sum=2 * score)
    PersonCategoryScore.objects.create(user=sales_b, category=cats["competition"], attempts=5, score_sum=5)
    scenario = ScenarioFactory(title="价格异议")
    sessions = [_session(p, scenario, minutes_ago=i) for i, p in enumerate(people)]
    CoachingComment.objects.create(session=sessions[0], author=people[1], body="不错")
    _session(sales_b, scenario, minutes_ago=0)
    _session(people[0], scenario, minutes_ago=0, is_trial=True)
    stats_repair()
    return {"people": people, "sessions": sessions, "course": course}


def test_todo_lists_the_managers_overdue_people_weak_areas_and_recent_practice(
    manager_a, world, django_assert_max_num_queries
):
    manager_a = type(manager_a).objects.get(id=manager_a.id)  # nothing cached from the fixtures
    with django_assert_max_num_queries(6):
        todo = selectors.todo_for_manager(user=manager_a, today=timezone.localdate())
    people = world["people"]
    assert todo["overdue"]["count"] == 8
    rows = todo["overdue"]["people"]
    assert [r["name"] for r in rows] == ["乙3", "乙2", "乙1", "乙0", "甲3"]  # most overdue first, once each
    assert rows[0] == {
        "person_id": people[7].id,
        "name": "乙3",
        "course": "产品知识",
        "days_overdue": 27,
        "url": reverse("dashboards:person", args=[people[7].id]),
    }
    weak = todo["weak_areas"]
    assert [(w["code"], w["avg_score"]) for w in weak] == [("product", 35.0), ("market", 50.0), ("company", 80.0)]
    assert weak[0]["people"] == 2
    home = reverse("dashboards:home")
    team_a_id = people[0].team_id
    assert weak[0]["url"] == f"{home}?team={team_a_id}#weak-category-product"  # below the threshold: its row
    assert weak[2]["url"] == f"{home}?team={team_a_id}#team-weak-title"
    practice = todo["practice"]
    assert [p["session_id"] for p in practice] == [s.id for s in world["sessions"][:5]]  # newest first, no trial
    assert practice[0]["reviewed"] is True and practice[1]["reviewed"] is False
    assert practice[0]["url"] == reverse("practice:session", args=[world["sessions"][0].id])


def test_todo_costs_the_same_few_queries_for_a_bigger_team(manager_a, team_a, world, django_assert_max_num_queries):
    course = world["course"]
    scenario = ScenarioFactory()
    for i in range(40):
        person = make_salesperson(team_a)
        _late(person, course, days=1)
        _session(person, scenario, minutes_ago=100 + i)
    manager_a = type(manager_a).objects.get(id=manager_a.id)
    with django_assert_max_num_queries(6):
        todo = selectors.todo_for_manager(user=manager_a)
    assert len(todo["overdue"]["people"]) == 5 and len(todo["practice"]) == 5


def test_todo_is_empty_for_people_who_manage_nothing(sales_a, manager_b, world):
    assert selectors.todo_for_manager(user=sales_a) == {
        "overdue": {"count": 0, "people": []},
        "weak_areas": [],
        "practice": [],
        "teams": [],
    }
    other = selectors.todo_for_manager(user=manager_b)
    names = {r["name"] for r in other["overdue"]["people"]}
    assert names == {"李四"}  # manager_b sees their own team only
    assert {w["code"] for w in other["weak_areas"]} == {"competition"}
    assert all(p["person"] == "李四" for p in other["practice"])


def test_todo_for_an_admin_covers_every_root_team(admin_user, world):
    todo = selectors.todo_for_manager(user=admin_user)
    assert todo["overdue"]["count"] == 9
    assert todo["overdue"]["people"][0]["name"] == "李四"
