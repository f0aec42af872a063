"""A training plan's page shows its participants' progress on the linked courses and the final-day exam: owners
and session trainers see everyone, managers only their own people, others no section; bounded queries."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, Quiz
from courses.models import TrainingPlan
from dashboards.selectors import plan_participants
from learning.models import Enrollment
from tests.courses.plan_factories import PlanFactory, SessionFactory
from tests.dashboards.factories import add_people
from tests.factories import make_trainer
from tests.learning.factories import CourseFactory
from trainees.models import User

pytestmark = pytest.mark.django_db


def _plan(trainer, teams, courses):
    plan = PlanFactory(owners=[trainer], teams=teams, status=TrainingPlan.Status.PUBLISHED)
    for day, course in enumerate(courses, start=1):
        SessionFactory(plan=plan, day=day, course=course)
    exam = Quiz.objects.create(title="第六天考试", plan=plan, plan_day=6, status=Quiz.Status.PUBLISHED)
    Quiz.objects.create(title="第二天小测", plan=plan, plan_day=2, status=Quiz.Status.PUBLISHED)
    return plan, exam


def _enroll(plan, exam, courses, user_ids):
    now = timezone.now()
    Enrollment.objects.bulk_create([Enrollment(user_id=uid, plan=plan) for uid in user_ids])
    Enrollment.objects.bulk_create(
        [
            Enrollment(user_id=uid, course=c, via_plan=plan, progress=(uid * 7 + i * 13) % 101)
            for uid in user_ids
            for i, c in enumerate(courses)
            if (uid + i) % 3
        ],
        ignore_conflicts=True,
    )
    attempts = []
    for uid in user_ids:
        if uid % 2:
            attempts.append(
                Attempt(quiz=exam, user_id=uid, number=1, status="graded", started_at=now, percent=40, passed=False)
            )
            attempts.append(
                Attempt(quiz=exam, user_id=uid, number=2, status="graded", started_at=now, percent=85, passed=True)
            )
    Attempt.objects.bulk_create(attempts)


@pytest.fixture
def setup(trainer, team_a, team_b, sales_a, sales_b):
    courses = [CourseFactory(title=f"计划课程{i}") for i in range(3)]
    plan, exam = _plan(trainer, [team_a, team_b], courses)
    _enroll(plan, exam, courses, [sales_a.id, sales_b.id])
    return plan, exam, courses


def _section(client, plan):
    response = client.get(reverse("courses:plan_detail", args=[plan.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    if 'data-testid="plan-participants"' not in body:
        return None
    section = body[body.index('data-testid="plan-participants"') :]
    return section[: section.index("</section>")]


def test_owner_sees_every_participant_with_progress_and_exam(client_for, trainer, sales_a, sales_b, setup):
    plan, exam, courses = setup
    section = _section(client_for(trainer), plan)
    assert str(sales_a) in section and str(sales_b) in section
    assert all(c.title in section for c in courses) and exam.title in section
    data = plan_participants(user=trainer, plan=plan)
    assert data["exam"] == exam  # the final day's quiz, not day 2's
    by_person = {r["person"].id: r for r in data["rows"]}
    for uid in (sales_a.id, sales_b.id):
        row = by_person[uid]
        expected = {e.course_id: e.progress for e in Enrollment.objects.filter(user_id=uid, course__in=courses)}
        assert [e.progress if e else None for e in row["courses"]] == [expected.get(c.id) for c in courses]
        if uid % 2:
            assert row["exam"] == {"score": 85.0, "passed": True, "attempts": 2}
        else:
            assert row["exam"] is None


def test_session_trainer_sees_everyone(client_for, team_a, setup, sales_b):
    plan, _exam, _courses = setup
    other = make_trainer(username="trainer9")
    SessionFactory(plan=plan, day=5, trainer=other)
    assert str(sales_b) in _section(client_for(other), plan)


def test_manager_sees_only_own_people(client_for, manager_a, manager_b, sales_a, sales_b, setup):
    plan, _exam, _courses = setup
    mine = _section(client_for(manager_a), plan)
    assert str(sales_a) in mine and str(sales_b) not in mine
    theirs = _section(client_for(manager_b), plan)
    assert str(sales_b) in theirs and str(sales_a) not in theirs


def test_salesperson_and_outsiders_see_no_participants(client_for, sales_a, setup):
    plan, _exam, _courses = setup
    assert _section(client_for(sales_a), plan) is None
    outsider = make_trainer(username="trainer8")
    assert client_for(outsider).get(reverse("courses:plan_detail", args=[plan.pk])).status_code == 404
    assert plan_participants(user=AnonymousUser(), plan=plan) is None
    assert plan_participants(user=User(), plan=plan) is None  # unsaved: no id


def _count(client, plan):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("courses:plan_detail", args=[plan.pk])).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_bounded_and_the_same_for_few_and_many_participants(
    client_for, trainer, manager_a, team_a, django_assert_max_num_queries
):
    from tests.factories import TeamFactory

    counts = {}
    for size in (3, 80):
        courses = [CourseFactory() for _ in range(4)]
        team = TeamFactory(name=f"计划团队{size}", parent=team_a)
        plan, exam = _plan(trainer, [team], courses)
        ids = add_people(team, size, seed=size, prefix=f"p{size}")
        _enroll(plan, exam, courses, ids)
        for who in (trainer, manager_a):
            client = client_for(who)
            with django_assert_max_num_queries(40):
                counts.setdefault(who.username, []).append(_count(client, plan))
        assert len(plan_participants(user=trainer, plan=plan)["rows"]) == size
    assert all(a == b for a, b in counts.values()), counts
    base = PlanFactory(owners=[trainer], start_date=dt.date(2026, 3, 2))
    plain = _count(client_for(trainer), base)
    # the section costs a handful of queries on top of the plan page, whatever the number of participants
    assert counts[trainer.username][0] - plain <= 6
