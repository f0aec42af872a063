"""试一试: a trainer plays their own scenario. The trial is shown to them (badge, scorecard with the numbers) and counts
nowhere: statistics, history counts, team and manager lists, dashboards, requirements, calibration."""

import pytest
from django.urls import reverse

from courses.models import Category, Course, TrainingPlan
from dashboards.models import PersonCategoryScore
from dashboards.services import stats_refresh_mastery
from learning.models import Enrollment
from practice import hooks, selectors
from practice.models import PracticeSession, Scenario, ScoreOverride
from practice.services import requirement_add, session_finish, session_reply, session_start
from tests.factories import make_trainer
from tests.practice.cards import finished_session
from tests.practice.conftest import GOOD_REPLIES

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"practice:{name}", args=args)


@pytest.fixture
def coach(team_a):
    """A trainer who is also in team A (so manager A would see their real practice)."""
    return make_trainer(team=team_a, username="coach")


@pytest.fixture
def trial(coach, too_expensive, play):
    """The trainer's finished trial of the scenario, passed."""
    session = play(coach, too_expensive, GOOD_REPLIES, finish=False, is_trial=True)
    assert session.is_trial and session.is_finished and session.passed
    return session


# --- starting it ----------------------------------------------------------------------------------------


def test_the_edit_page_offers_try_it_to_trainers(client_for, trainer, too_expensive):
    page = client_for(trainer).get(url("scenario_edit", too_expensive.id))
    assert 'data-testid="try-scenario"' in page.text
    assert url("scenario_try", too_expensive.id) in page.text
    assert 'data-testid="try-' + too_expensive.code + '"' in client_for(trainer).get(url("manage")).text


def test_try_it_starts_a_trial_and_resumes_the_open_one(client_for, trainer, too_expensive):
    client = client_for(trainer)
    response = client.post(url("scenario_try", too_expensive.id))
    session = PracticeSession.objects.get(user=trainer)
    assert response.url == url("session", session.id)
    assert session.is_trial
    page = client.get(response.url)
    assert 'data-testid="trial-badge"' in page.text and 'data-testid="reply-text"' in page.text
    client.post(url("scenario_try", too_expensive.id))
    assert PracticeSession.objects.filter(user=trainer).count() == 1  # the open trial is resumed


def test_a_trainer_tries_a_draft(client_for, trainer, too_expensive):
    too_expensive.status = Scenario.Status.DRAFT
    too_expensive.save()
    assert client_for(trainer).post(url("scenario_try", too_expensive.id)).status_code == 302
    assert PracticeSession.objects.get(user=trainer).is_trial


@pytest.mark.parametrize("persona", ["sales_a", "manager_a"])
def test_try_it_is_for_those_who_may_edit_the_scenario(request, client_for, too_expensive, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.post(url("scenario_try", too_expensive.id)).status_code == 404
    assert not PracticeSession.objects.exists()


def test_try_it_needs_post_and_an_existing_scenario(client_for, trainer, too_expensive):
    client = client_for(trainer)
    assert client.get(url("scenario_try", too_expensive.id)).status_code == 405
    assert client.post(url("scenario_try", 999999)).status_code == 404


def test_the_trial_scorecard_shows_the_badge_and_the_numbers(client_for, trainer, too_expensive):
    session = finished_session(user=trainer, scenario=too_expensive, is_trial=True)
    page = client_for(trainer).get(url("session", session.id)).text
    assert 'data-testid="trial-badge"' in page
    assert 'data-testid="score-numbers"' in page and 'data-testid="customer-trace"' in page
    assert url("scenario_try", too_expensive.id) in page  # "try again" stays a trial


def test_history_lists_the_trial_with_its_badge_but_does_not_count_it(client_for, coach, trial):
    page = client_for(coach).get(url("history")).text
    assert url("session", trial.id) in page and 'data-testid="trial-badge"' in page
    assert selectors.best_scores(user=coach) == []


def test_the_api_marks_trials(api_for, coach, trial):
    rows = api_for(coach).get("/api/v1/practice/sessions/").json()
    assert [(r["id"], r["is_trial"]) for r in rows] == [(trial.id, True)]
    detail = api_for(coach).get(f"/api/v1/practice/sessions/{trial.id}/").json()
    assert detail["is_trial"] is True and detail["numbers_visible"] is True


# --- counted nowhere ------------------------------------------------------------------------------------


def test_a_trial_is_not_in_the_managers_lists_nor_open_to_them(client_for, api_for, manager_a, coach, trial, play):
    real = play(coach, trial.scenario, GOOD_REPLIES[:1])  # the same trainer practising for real is counted
    team = client_for(manager_a).get(url("team")).text
    assert url("session", real.id) in team and url("session", trial.id) not in team
    rows = selectors.team_summary(user=manager_a)
    assert [(r["sessions"], r["finished"]) for r in rows] == [(1, 1)]
    assert client_for(manager_a).get(url("session", trial.id)).status_code == 404
    assert api_for(manager_a).get(f"/api/v1/practice/sessions/{trial.id}/").status_code == 404


def test_an_admin_does_not_see_trials_in_team_lists(admin_user, trial):
    assert trial.id not in set(selectors.team_sessions(user=admin_user).values_list("id", flat=True))


def test_a_trial_is_not_in_the_scenario_statistics(client_for, trainer, trial):
    assert selectors.scenario_stats(scenario_ids=[trial.scenario_id]) == {}
    manage = client_for(trainer).get(url("manage")).text
    row = manage.split(trial.scenario.title)[1].split("</tr>")[0]
    assert "<td>0</td>" in row


def test_a_trial_is_not_in_mastery(coach, trial):
    assert selectors.mastery(user_ids=[coach.id]) == []


def test_a_trial_does_not_meet_a_requirement_nor_complete_a_course_or_plan(
    coach, too_expensive, play, django_capture_on_commit_callbacks
):
    course = Course.objects.create(title="异议处理", status="published")
    plan = TrainingPlan.objects.create(title="六日培训")
    requirement_add(scenario=too_expensive, course=course)
    requirement_add(scenario=too_expensive, plan=plan, day=4)
    enrollment = Enrollment.objects.create(user=coach, course=course, progress=100)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        session = session_start(user=coach, scenario=too_expensive, is_trial=True)
        for text in GOOD_REPLIES:
            session.refresh_from_db()
            if not session.is_finished:
                session_reply(session=session, text=text)
    session.refresh_from_db()
    assert session.passed and session.is_trial
    assert callbacks == []  # no course or plan refresh, no dashboards hook queued
    assert selectors.required_scenarios_passed(coach.id, course.id) is False
    assert selectors.plan_required_scenarios_passed(coach.id, plan.id, day=4) is False
    enrollment.refresh_from_db()
    assert enrollment.status != Enrollment.Status.COMPLETED


def test_a_trial_never_reaches_the_dashboards(monkeypatch, coach, django_capture_on_commit_callbacks):
    from tests.practice.factories import ScenarioFactory, SessionFactory

    calls = []
    monkeypatch.setattr(hooks.session_scored, "call", lambda **kw: calls.append(kw))
    product = Category.objects.get(code="product")
    session = SessionFactory(user=coach, scenario=ScenarioFactory(category=product), is_trial=True)
    with django_capture_on_commit_callbacks(execute=True):
        session_finish(session=session)
    assert calls == []
    assert not PersonCategoryScore.objects.filter(user=coach).exists()
    stats_refresh_mastery(user_ids=[coach.id])  # the hourly repair does not count it either
    assert not PersonCategoryScore.objects.filter(user=coach).exists()


def test_the_dashboards_repair_counts_real_sessions_but_not_trials(coach, too_expensive):
    product = Category.objects.get(code="product")
    too_expensive.category = product
    too_expensive.save()
    finished_session(user=coach, scenario=too_expensive, is_trial=True)
    real = finished_session(user=coach, scenario=too_expensive)
    stats_refresh_mastery(user_ids=[coach.id])
    score = PersonCategoryScore.objects.get(user=coach, category=product)
    assert (score.attempts, score.score_sum) == (1, real.score)


def test_a_trial_is_not_in_the_calibration(client_for, trainer, manager_a, coach, trial):
    ScoreOverride.objects.create(session=trial, author=manager_a, score=10, scorer_score=trial.score, passed=False,
                                 reason="试练")  # fmt: skip
    assert selectors.override_agreement()["count"] == 0
    page = client_for(trainer).get(url("calibration")).text
    assert "试练" not in page
