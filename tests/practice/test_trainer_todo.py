"""The trainer's home: practice of their scenarios waiting for review (issue 19). No review flag exists, so these
are the sessions that failed in the last 7 days and that nobody has coached yet."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from practice import selectors, services
from practice.models import PracticeSession
from tests.factories import make_salesperson, make_trainer
from tests.practice.cards import CARD
from tests.practice.cards import finished_session as card_session
from tests.practice.factories import ScenarioFactory

pytestmark = pytest.mark.django_db

FAILED = {**CARD, "overall": 40, "passed": False}
PASSED = {**CARD, "overall": 90, "passed": True}


def finished_session(**kwargs) -> PracticeSession:
    session = card_session(**kwargs)
    PracticeSession.objects.filter(pk=session.pk).update(finished_at=timezone.now())
    return session


def test_failed_uncoached_sessions_of_the_trainers_scenarios_this_week(trainer, sales_a, sales_b, manager_a):
    mine = ScenarioFactory(created_by=trainer, title="我的场景")
    theirs = ScenarioFactory(created_by=make_trainer(username="other_t"), title="别人的场景")
    waiting = finished_session(user=sales_a, scenario=mine, card=FAILED)
    finished_session(user=sales_b, scenario=mine, card=PASSED)  # passed: nothing to review
    finished_session(user=sales_b, scenario=theirs, card=FAILED)  # not their scenario
    old = finished_session(user=sales_b, scenario=mine, card=FAILED)
    PracticeSession.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    coached = finished_session(user=sales_b, scenario=mine, card=FAILED)
    services.comment_add(session=coached, author=manager_a, body="已点评")
    finished_session(user=sales_b, scenario=mine, card=FAILED, is_trial=True)  # a trial counts nowhere
    finished_session(user=trainer, scenario=mine, card=FAILED)  # their own practice
    rows = selectors.todo_for_trainer(user=trainer)
    assert rows == [
        {
            "title": "我的场景",
            "who": "张三",
            "when": PracticeSession.objects.get(pk=waiting.pk).finished_at,
            "url": reverse("practice:session", args=[waiting.id]),
        }
    ]


def test_a_corrected_session_is_no_longer_waiting(trainer, sales_a, manager_a):
    session = finished_session(user=sales_a, scenario=ScenarioFactory(created_by=trainer), card=FAILED)
    assert len(selectors.todo_for_trainer(user=trainer)) == 1
    services.score_override(session=session, author=trainer, changes={"close": {"score": 20, "reason": "没约"}})
    assert selectors.todo_for_trainer(user=trainer) == []


def test_not_a_trainer_gets_nothing(sales_a, manager_a):
    scenario = ScenarioFactory(created_by=manager_a)
    finished_session(user=sales_a, scenario=scenario, card=FAILED)
    assert selectors.todo_for_trainer(user=manager_a) == []
    assert selectors.todo_for_trainer(user=sales_a) == []


def test_the_list_is_newest_first_bounded_and_two_queries(trainer, team_a, django_assert_num_queries):
    scenario = ScenarioFactory(created_by=trainer)
    now = timezone.now()
    for i in range(25):
        person = make_salesperson(team_a, username=f"p{i}")
        session = finished_session(user=person, scenario=scenario, card=FAILED)
        PracticeSession.objects.filter(pk=session.pk).update(finished_at=now - timedelta(minutes=i))
    with django_assert_num_queries(2):  # the user's roles, the sessions
        rows = selectors.todo_for_trainer(user=trainer)
    assert len(rows) == 20
    assert [r["when"] for r in rows] == sorted((r["when"] for r in rows), reverse=True)
