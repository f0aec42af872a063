"""The trainer's dashboard (/dashboard/courses/, /api/v1/dashboards/trainer/): OwnerStats match a recomputation from
raw rows over the courses and plans a trainer owns, the hooks and the repair keep them (drift repaired), the page
and API cost the same few queries at two sizes, and only trainers (their own scope) and admins (everything) see it."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Attempt, AttemptAreaScore, Quiz
from courses.models import Category, Competency, TrainingPlan
from dashboards import services
from dashboards.models import OwnerSnapshot, OwnerStats
from dashboards.services import EVERYTHING, EXPIRING_DAYS
from learning import services as learning_services
from learning.models import Certificate, Enrollment
from tests.courses.plan_factories import PlanFactory, SessionFactory
from tests.dashboards.factories import STATES, add_people
from tests.factories import make_trainer
from tests.learning.factories import CourseFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("dashboards:courses")
API = reverse("api-dashboard-trainer")


def _quiz(title, *, course=None, plan=None):
    return Quiz.objects.create(
        title=title, course=course, plan=plan, plan_day=6 if plan else None, status=Quiz.Status.PUBLISHED
    )


def _graded(quiz, user_id, percent, *, number=1, category=None, competency=None, status=Attempt.Status.GRADED):
    now = timezone.now()
    attempt = Attempt.objects.create(
        quiz=quiz,
        user_id=user_id,
        number=number,
        status=status,
        started_at=now,
        score=Decimal(percent),
        max_score=Decimal(100),
        percent=Decimal(percent),
        passed=percent >= 60,
    )
    rows = []
    if category:
        rows.append(AttemptAreaScore(attempt=attempt, category=category, score=percent, max_score=100))
    if competency:
        rows.append(AttemptAreaScore(attempt=attempt, competency=competency, score=percent / 2, max_score=50))
    AttemptAreaScore.objects.bulk_create(rows)
    return attempt


def _world(team, *, people=4, seed=0, attempts=6):
    """Two trainers: `mine` owns courses a and b and a plan linking course c (with a plan exam); `theirs` owns
    course d (and is co-owner of b). People enrolled with random states, certificates, graded attempts."""
    rng = random.Random(seed)
    mine, theirs = make_trainer(username=f"own{seed}-1"), make_trainer(username=f"own{seed}-2")
    a = CourseFactory(title=f"A{seed}", owners=[mine])
    b = CourseFactory(title=f"B{seed}", owners=[mine, theirs])
    c = CourseFactory(title=f"C{seed}")
    d = CourseFactory(title=f"D{seed}", owners=[theirs])
    plan = PlanFactory(title=f"P{seed}", status=TrainingPlan.Status.PUBLISHED, owners=[mine])
    SessionFactory(plan=plan, day=1, course=c)
    SessionFactory(plan=plan, day=2, course=c)  # linked twice: counts once
    ids = add_people(team, people, courses=[a, b, c, d], seed=seed, prefix=f"w{seed}")
    Enrollment.objects.bulk_create([Enrollment(user_id=uid, plan=plan) for uid in ids[: max(1, people // 2)]])
    categories, competencies = list(Category.objects.all()), list(Competency.objects.all())
    quizzes = [_quiz(f"q{x}{seed}", course=x) for x in (a, b, c, d)] + [_quiz(f"exam{seed}", plan=plan)]
    for n in range(attempts):
        _graded(
            rng.choice(quizzes),
            rng.choice(ids),
            rng.randint(0, 100),
            number=n + 1,
            category=rng.choice(categories) if rng.random() < 0.8 else None,
            competency=rng.choice(competencies) if rng.random() < 0.5 else None,
            status=Attempt.Status.GRADED if rng.random() < 0.85 else Attempt.Status.SUBMITTED,
        )
    return mine, theirs


def _expected(owner):
    """The owner's figures recomputed naively from raw rows (None: everything)."""
    today = timezone.localdate()
    if owner is None:
        plans = set(TrainingPlan.objects.values_list("id", flat=True))
        courses = set(CourseFactory._meta.model.objects.values_list("id", flat=True))
    else:
        plans = set(owner.owned_plans.values_list("id", flat=True))
        courses = set(owner.owned_courses.values_list("id", flat=True))
        for plan in TrainingPlan.objects.filter(id__in=plans):
            courses |= {s.course_id for s in plan.sessions.all() if s.course_id}
    live = [e for e in Enrollment.objects.filter(unenrolled_at__isnull=True) if e.course_id in courses]
    people = {e.user_id for e in Enrollment.objects.filter(unenrolled_at__isnull=True) if e.plan_id in plans} | {
        e.user_id for e in live
    }
    done = [e for e in live if e.status == Enrollment.Status.COMPLETED]
    late = [
        e
        for e in live
        if e not in done and (e.status == Enrollment.Status.OVERDUE or (e.due_date and e.due_date < today))
    ]
    certs = [c for c in Certificate.objects.all() if c.course_id in courses]
    graded = [
        a
        for a in Attempt.objects.select_related("quiz").filter(status=Attempt.Status.GRADED)
        if a.quiz.course_id in courses or a.quiz.plan_id in plans
    ]
    bins = [0] * 10
    for a in graded:
        bins[min(9, int(float(a.percent) // 10))] += 1
    areas = {}
    for s in AttemptAreaScore.objects.filter(attempt__in=[a.id for a in graded]):
        key = ("category", s.category_id) if s.category_id else ("competency", s.competency_id)
        acc = areas.setdefault(key, [0, 0.0])
        acc[0] += 1
        acc[1] += float(s.score) * 100 / float(s.max_score)
    return {
        "people": len(people),
        "enrollments": len(live),
        "completed": len(done),
        "overdue": len(late),
        "progress_sum": sum(e.progress for e in live),
        "certs_valid": sum(1 for c in certs if c.expires_on is None or c.expires_on >= today),
        "certs_expiring": sum(
            1 for c in certs if c.expires_on and today <= c.expires_on <= today + timedelta(days=EXPIRING_DAYS)
        ),
        "attempts": len(graded),
        "passed": sum(1 for a in graded if a.passed),
        "score_sum": round(sum(float(a.percent) for a in graded), 2),
        "score_bins": bins,
        "areas": {k: (v[0], round(v[1], 2)) for k, v in areas.items()},
    }


def _stored(owner):
    row = OwnerStats.objects.filter(owner_key=owner.id if owner else EVERYTHING).first()
    if row is None:
        return None
    out = {k: getattr(row, k) for k in _expected(owner) if k not in ("areas", "score_bins", "score_sum")}
    out["score_sum"] = round(row.score_sum, 2)
    out["score_bins"] = row.score_bins
    out["areas"] = {(a["axis"], a["id"]): (a["n"], round(a["sum"], 2)) for a in row.areas if a["n"]}
    return out


def _same(stored, expected):
    assert stored is not None
    assert {k: v for k, v in stored.items() if k != "areas"} == {k: v for k, v in expected.items() if k != "areas"}
    assert stored["areas"].keys() == expected["areas"].keys()
    for key, (n, total) in expected["areas"].items():
        assert stored["areas"][key][0] == n
        assert stored["areas"][key][1] == pytest.approx(total, abs=0.05)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    people=st.integers(min_value=1, max_value=6),
    attempts=st.integers(min_value=0, max_value=12),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_owner_figures_match_recomputation_from_raw_rows(team_a, people, attempts, seed):
    with transaction.atomic():
        mine, theirs = _world(team_a, people=people, seed=seed, attempts=attempts)
        services.stats_refresh_owners()
        for owner in (mine, theirs, None):
            _same(_stored(owner), _expected(owner))
        transaction.set_rollback(True)


def test_another_trainers_course_is_not_counted(team_a):
    mine, theirs = _world(team_a, people=3, seed=5)
    services.stats_refresh_owners()
    d = CourseFactory._meta.model.objects.get(title="D5")
    assert OwnerStats.objects.get(owner_key=mine.id).courses == 3  # a, b and the plan's c; not d
    assert OwnerStats.objects.get(owner_key=theirs.id).courses == 2  # b and d
    assert OwnerStats.objects.get(owner_key=theirs.id).plans == 0
    mine_before = _stored(mine)
    Enrollment.objects.filter(course=d).update(status=Enrollment.Status.COMPLETED)
    services.stats_refresh_owners()
    assert _stored(mine) == mine_before


def test_repair_fixes_drift_and_drops_former_owners(team_a):
    mine, theirs = _world(team_a, people=3, seed=7)
    services.stats_repair()
    expected = _expected(mine)
    OwnerStats.objects.filter(owner_key=mine.id).update(people=999, attempts=0, score_bins=[])
    OwnerStats.objects.filter(owner_key=EVERYTHING).delete()
    theirs.owned_courses.clear()
    result = services.stats_repair()
    assert result["owners"] == 2
    _same(_stored(mine), expected)
    _same(_stored(None), _expected(None))
    assert not OwnerStats.objects.filter(owner_key=theirs.id).exists()
    assert OwnerSnapshot.objects.filter(owner_key=mine.id, day=timezone.localdate()).count() == 1


def test_hooks_refresh_the_owners_figures_at_commit(team_a, sales_a, django_capture_on_commit_callbacks):
    mine, _theirs = _world(team_a, people=2, seed=9, attempts=0)
    services.stats_refresh_owners()
    a = CourseFactory._meta.model.objects.get(title="A9")
    before = OwnerStats.objects.get(owner_key=mine.id)
    with django_capture_on_commit_callbacks(execute=True):
        learning_services.enroll_users(user_ids=[sales_a.id], course=a)
    after = OwnerStats.objects.get(owner_key=mine.id)
    assert (after.people, after.enrollments) == (before.people + 1, before.enrollments + 1)
    quiz = Quiz.objects.get(course=a)
    _graded(quiz, sales_a.id, 80)
    with django_capture_on_commit_callbacks(execute=True):
        services.dashboards_record_attempt(user_id=sales_a.id, score=80, passed=True, course_id=a.id)
    row = OwnerStats.objects.get(owner_key=mine.id)
    assert (row.attempts, row.passed, row.score_sum) == (1, 1, 80)
    _same(_stored(mine), _expected(mine))


def _snapshot(owner_key, day, **values):
    OwnerSnapshot.objects.create(owner_key=owner_key, day=day, **values)


def test_trainer_page_shows_headline_figures_change_and_charts(client_for, team_a):
    mine, theirs = _world(team_a, people=4, seed=11, attempts=10)
    services.stats_repair()
    row = OwnerStats.objects.get(owner_key=mine.id)
    _snapshot(mine.id, timezone.localdate() - timedelta(days=7), people=row.people - 1, enrollments=row.enrollments)
    body = client_for(mine).get(PAGE).content.decode()
    assert 'data-testid="headline"' in body
    assert f'data-key="people">{row.people}<' in body
    assert "较上周 +1<" in body.replace("\n", "").replace("        ", "").replace("  ", "")
    for chart in ("chart-completion", "chart-distribution", "chart-radar-category", "chart-radar-competency"):
        assert f'id="{chart}"' in body
    for table in ("completion-table", "distribution-table", "mastery-table-category", "mastery-table-competency"):
        assert f'data-testid="{table}"' in body
    assert 'id="dashboard-data"' in body and "chart.umd.min.js" in body
    assert "<script>" not in body.replace('<script id="dashboard-data" type="application/json">', "")
    # the other trainer sees their own figures
    other = client_for(theirs).get(PAGE).content.decode()
    assert f'data-key="people">{OwnerStats.objects.get(owner_key=theirs.id).people}<' in other


def test_trainer_without_courses_sees_empty_figures(client_for, trainer):
    body = client_for(trainer).get(PAGE).content.decode()
    assert 'data-key="people">0<' in body and 'data-key="avg_score">—<' in body
    data = client_for(trainer).get(API).json()
    assert data["figures"]["people"] == 0 and data["series"] == []


def test_api_returns_headline_series_and_charts(api_for, team_a):
    mine, _theirs = _world(team_a, people=4, seed=13, attempts=10)
    services.stats_repair()
    week_ago = timezone.localdate() - timedelta(days=7)
    _snapshot(mine.id, week_ago, people=1, enrollments=2, completed=1)
    data = api_for(mine).get(API).json()
    expected = _expected(mine)
    assert data["figures"]["people"] == expected["people"]
    assert data["figures"]["active"] == expected["enrollments"] - expected["completed"]
    people = next(h for h in data["headline"] if h["key"] == "people")
    assert people["change"] == expected["people"] - 1
    assert [p["week"] for p in data["series"]][-2:] == [
        (week_ago - timedelta(days=week_ago.weekday())).isoformat(),
        (timezone.localdate() - timedelta(days=timezone.localdate().weekday())).isoformat(),
    ]
    assert [b["attempts"] for b in data["score_distribution"]] == expected["score_bins"]
    assert len(data["mastery"]["category"]) == 6 and len(data["mastery"]["competency"]) == 4
    assert data["scope"] == {"courses": 3, "plans": 1, "refreshed_at": data["scope"]["refreshed_at"]}


def test_admin_sees_everything(client_for, api_for, admin_user, team_a):
    _world(team_a, people=3, seed=15)
    services.stats_repair()
    data = api_for(admin_user).get(API).json()
    assert data["figures"]["people"] == _expected(None)["people"]
    assert client_for(admin_user).get(PAGE).status_code == 200


def test_salesperson_manager_and_anonymous_are_refused(client, client_for, api_for, sales_a, manager_a):
    for user in (sales_a, manager_a):
        assert client_for(user).get(PAGE).status_code == 404
        assert api_for(user).get(API).status_code == 403
    client.logout()
    assert client.get(PAGE).status_code == 302
    assert api_for().get(API).status_code in (401, 403)


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_page_and_api_queries_are_the_same_at_two_sizes(client_for, api_for, team_a, sub_team_a):
    small, _ = _world(team_a, people=2, seed=17, attempts=3)
    big, _ = _world(sub_team_a, people=40, seed=18, attempts=120)
    for extra in range(15):
        CourseFactory(title=f"more{extra}", owners=[big])
    services.stats_repair()
    for owner in (small, big):
        for day in range(1, 30):
            _snapshot(owner.id, timezone.localdate() - timedelta(days=day), people=day)
    counts = {}
    for owner in (small, big):
        client = client_for(owner)
        counts[owner] = (_count(client, PAGE), _count(api_for(owner), API))
    assert counts[small] == counts[big]
    page, api = counts[big]
    assert page <= 10 and api <= 10, counts[big]
    print(f"trainer dashboard queries: page {page}, API {api}")


@pytest.mark.parametrize("state", STATES)
def test_overdue_follows_the_dashboard_rule(team_a, state):
    mine = make_trainer(username="rule")
    course = CourseFactory(owners=[mine])
    ids = add_people(team_a, 1, courses=[course], seed=3, prefix="rule")
    Enrollment.objects.filter(user_id__in=ids).update(
        status=state, due_date=timezone.localdate() - timedelta(days=1), unenrolled_at=None
    )
    services.stats_refresh_owners(owner_ids=[mine.id])
    row = OwnerStats.objects.get(owner_key=mine.id)
    assert row.overdue == (0 if state == Enrollment.Status.COMPLETED else 1)
