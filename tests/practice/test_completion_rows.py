"""The course completion panel's practice rows (issue 19): one per role play the course requires, with the best
result against the pass mark in words, a state and the way to practise it; through learning's hook too."""

import pytest
from django.urls import reverse
from django.utils import translation

from courses.models import Course
from learning import hooks as learning_hooks
from learning.models import Enrollment
from learning.requirements import RequirementState
from practice import selectors
from practice.models import PracticeSession, Scenario
from practice.services import requirement_add
from tests.practice.cards import finished_session
from tests.practice.conftest import GOOD_REPLIES
from tests.practice.factories import ScenarioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    return Course.objects.create(title="异议处理")


@pytest.fixture
def enrollment(sales_a, course):
    return Enrollment.objects.create(user=sales_a, course=course)


def _rows(enrollment):
    # English: the Chinese (最好成绩 62 分，及格 70 分 / 尚未练习) comes with the catalogue, from /tmp/i18n_practice.json
    with translation.override("en"):
        return selectors.required_practice_requirement_rows(enrollment=enrollment)


def test_no_required_role_play_no_rows(enrollment):
    assert _rows(enrollment) == []


def test_rows_say_the_state_the_best_result_and_the_way_to_practise(
    enrollment, course, sales_a, scenarios, too_expensive, play
):
    hotel = scenarios["hotel-banquet-enquiry"]
    b2b = scenarios["b2b-decision-maker"]
    for scenario in (too_expensive, hotel, b2b):
        requirement_add(scenario=scenario, course=course)
    play(sales_a, too_expensive, GOOD_REPLIES)  # passed
    failed = play(sales_a, hotel, ["随便说说"])  # tried, not passed
    play(sales_a, b2b, GOOD_REPLIES, is_trial=True)  # a trial counts nowhere
    rows = {r.title: r for r in _rows(enrollment)}
    assert set(rows) == {too_expensive.title, hotel.title, b2b.title}
    assert {r.kind for r in rows.values()} == {"practice"} and {r.order for r in rows.values()} == {30}

    done = rows[too_expensive.title]
    best = PracticeSession.objects.filter(scenario=too_expensive).get().score
    assert done.state == RequirementState.DONE and done.met
    assert done.detail == f"Best score {best}, pass mark {too_expensive.pass_mark}"

    tried = rows[hotel.title]
    assert tried.state == RequirementState.FAILED and not tried.met
    assert tried.detail == f"Best score {failed.score}, pass mark {hotel.pass_mark}"
    assert tried.action_url == reverse("practice:start", args=[hotel.id]) and tried.action_label

    untouched = rows[b2b.title]
    assert untouched.state == RequirementState.TODO
    assert untouched.detail == f"Not practised yet; pass mark {b2b.pass_mark}"
    assert untouched.action_url == reverse("practice:start", args=[b2b.id])


def test_a_required_scenario_taken_offline_is_stuck_with_a_word_on_whom_to_ask(enrollment, course, sales_a):
    draft = ScenarioFactory(status=Scenario.Status.DRAFT)
    requirement_add(scenario=draft, course=course)
    [row] = _rows(enrollment)
    assert row.state == RequirementState.STUCK and row.action_url == "" and row.help_text


def test_another_persons_results_do_not_count(enrollment, course, sales_b, too_expensive, play):
    requirement_add(scenario=too_expensive, course=course)
    play(sales_b, too_expensive, GOOD_REPLIES)
    [row] = _rows(enrollment)
    assert row.state == RequirementState.TODO


def test_a_plan_enrollment_has_no_rows_here(sales_a, too_expensive):
    from courses.models import TrainingPlan

    plan = TrainingPlan.objects.create(title="六日培训")
    requirement_add(scenario=too_expensive, plan=plan, day=4)
    assert _rows(Enrollment.objects.create(user=sales_a, plan=plan)) == []


def test_the_rows_take_two_queries_whatever_the_number_of_scenarios(
    enrollment, course, sales_a, django_assert_num_queries
):
    for i in range(12):
        scenario = ScenarioFactory(code=f"req-{i}")
        requirement_add(scenario=scenario, course=course)
        finished_session(user=sales_a, scenario=scenario)
    with django_assert_num_queries(2):
        rows = _rows(enrollment)
    assert len(rows) == 12


def test_registered_on_learnings_completion_rows_hook(enrollment, course, too_expensive):
    assert selectors.required_practice_requirement_rows in learning_hooks.completion_requirement_rows.functions
    requirement_add(scenario=too_expensive, course=course)
    with translation.override("en"):
        rows = [
            row for result in learning_hooks.completion_requirement_rows.call(enrollment=enrollment) for row in result
        ]
    practice_rows = [r for r in rows if r.kind == "practice"]
    assert [r.title for r in practice_rows] == [too_expensive.title]


def test_the_start_link_shows_the_brief_and_a_start_button(client_for, sales_a, too_expensive):
    page = client_for(sales_a).get(reverse("practice:start", args=[too_expensive.id]))
    assert page.status_code == 200
    assert 'data-testid="scenario-brief"' in page.text and 'data-testid="start"' in page.text
    assert not PracticeSession.objects.exists()  # a GET starts nothing


def test_the_start_link_of_a_draft_is_a_404_for_a_salesperson(client_for, sales_a):
    draft = ScenarioFactory(status=Scenario.Status.DRAFT)
    assert client_for(sales_a).get(reverse("practice:start", args=[draft.id])).status_code == 404
