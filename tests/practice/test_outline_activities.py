"""Role plays as course activities: the course outline lists the scenarios the course requires and offers 添加陪练,
which opens the description form; once saved, the new scenario is required in that course (for a course the trainer
may edit; another's course is ignored)."""

import pytest
from django.urls import reverse

from courses import hooks as courses_hooks
from courses.models import Course
from practice import selectors
from practice.models import Scenario, ScenarioRequirement
from tests.factories import make_trainer
from tests.practice.factories import ScenarioFactory
from tests.practice.test_scenario_brief import NEW, post_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(trainer):
    course = Course.objects.create(title="异议处理")
    course.owners.add(trainer)
    return course


def test_the_outline_lists_the_required_role_plays_and_offers_a_new_one(client_for, trainer, course):
    scenario = ScenarioFactory(title="电缆报价", created_by=trainer, status=Scenario.Status.PUBLISHED)
    ScenarioRequirement.objects.create(scenario=scenario, course=course)
    page = client_for(trainer).get(reverse("courses:outline", args=[course.pk]))
    assert page.status_code == 200
    assert "电缆报价" in page.text and reverse("practice:scenario_edit", args=[scenario.pk]) in page.text
    assert f"{NEW}?course={course.pk}" in page.text  # 添加陪练


def test_the_provider_is_two_queries_and_links_others_scenarios_to_their_start_page(
    trainer, course, django_assert_max_num_queries
):
    mine = ScenarioFactory(title="我的", created_by=trainer)
    theirs = ScenarioFactory(title="别人的", created_by=make_trainer(username="t-other"))
    for scenario in (mine, theirs):
        ScenarioRequirement.objects.create(scenario=scenario, course=course)
    with django_assert_max_num_queries(2):  # the role, then the rows
        rows = selectors.course_outline_scenarios(user=trainer, course=course)
    urls = {row["title"]: row["url"] for row in rows}
    assert urls == {
        "我的": reverse("practice:scenario_edit", args=[mine.pk]),
        "别人的": reverse("practice:start", args=[theirs.pk]),
    }
    assert all(row["state"] for row in rows)


def test_a_salesperson_gets_no_activities_or_buttons(sales_a, course):
    assert selectors.course_outline_scenarios(user=sales_a, course=course) == []
    assert selectors.course_outline_scenario_actions(user=sales_a, course=course) == []


def test_a_scenario_made_from_the_outline_is_required_in_that_course(client_for, trainer, course):
    client = client_for(trainer)
    form = client.get(f"{NEW}?course={course.pk}")
    assert 'data-testid="for-course"' in form.text and "异议处理" in form.text
    assert f'name="for_course" value="{course.pk}"' in form.text  # the form posts to the plain address
    response = client.post(NEW, {**post_values(), "for_course": course.pk})
    assert response.status_code == 302
    scenario = Scenario.objects.get(code="brief-made")
    assert ScenarioRequirement.objects.filter(scenario=scenario, course=course).exists()


@pytest.mark.parametrize("raw", ["other", "abc", "99999999999999999999999", ""])
def test_a_course_the_trainer_may_not_edit_is_ignored(client_for, trainer, raw):
    other = Course.objects.create(title="别人的课")
    other.owners.add(make_trainer(username="t-owner"))
    value = other.pk if raw == "other" else raw
    client = client_for(trainer)
    assert 'data-testid="for-course"' not in client.get(f"{NEW}?course={value}").text
    assert client.post(NEW, {**post_values(), "for_course": value}).status_code == 302
    assert not ScenarioRequirement.objects.exists()


def test_both_apps_fill_the_outline_hooks():
    names = {f"{fn.__module__}.{fn.__name__}" for fn in courses_hooks.course_outline_activities.functions}
    assert names == {"assessments.selectors.course_outline_quizzes", "practice.selectors.course_outline_scenarios"}
