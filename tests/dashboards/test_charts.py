"""Charts (score distribution, mastery radar), lowest scores and weak spots with one-click remedies: figures come
from the precomputed tables, match a recomputation from raw rows, and keep the 10-query budget at two sizes."""

import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Category, Competency
from dashboards import selectors, services
from dashboards.models import PersonCategoryScore, PersonStats, TeamStats
from learning.models import Enrollment
from tests.dashboards.factories import add_people
from tests.factories import TeamFactory, make_manager
from tests.learning.factories import CourseFactory

pytestmark = pytest.mark.django_db

HOME = reverse("dashboards:home")
ASSIGN = reverse("dashboards:assign")


def give_scores(user_ids, *, seed=0, weak_code="product"):
    """Quiz figures and per-area scores for these people, written in bulk (as the hooks would add them up);
    everyone is weak in `weak_code` (scores 20-50) and fair elsewhere (55-100)."""
    rng = random.Random(seed)
    cats = list(Category.objects.all())
    comps = list(Competency.objects.all())
    rows = []
    for uid in user_ids:
        attempts = rng.randint(1, 4)
        score_sum = sum(rng.uniform(10, 100) for _ in range(attempts))
        passed = rng.randint(0, attempts)
        PersonStats.objects.filter(user_id=uid).update(
            attempts=attempts, passed=passed, score_sum=score_sum, avg_score=score_sum / attempts
        )
        for ref, axis in [(c, "category") for c in cats] + [(c, "competency") for c in comps]:
            n = rng.randint(1, 3)
            low, high = (20, 50) if ref.code == weak_code else (55, 100)
            rows.append(
                PersonCategoryScore(
                    user_id=uid, attempts=n, score_sum=sum(rng.uniform(low, high) for _ in range(n)), **{axis: ref}
                )
            )
    PersonCategoryScore.objects.bulk_create(rows, batch_size=2000)
    services.stats_refresh_teams(team_ids=None)


@pytest.fixture
def scored_team_a(filled_team_a, team_a):
    ids = list(PersonStats.objects.filter(team__path__startswith=team_a.path).values_list("user_id", flat=True))
    give_scores(ids, seed=3)
    return team_a


def _team(team):
    return type(team).objects.select_related("stats").get(id=team.id)


def test_team_charts_match_a_recomputation_from_person_rows(scored_team_a, sub_team_a):
    for team in (scored_team_a, sub_team_a):
        people = PersonStats.objects.filter(team__path__startswith=team.path, is_active=True)
        charts = selectors.team_charts(team=_team(team))
        expected_bins = [0] * 10
        for p in people.exclude(avg_score=None):
            expected_bins[min(9, int(p.avg_score // 10))] += 1
        assert [b["people"] for b in charts["score_distribution"]] == expected_bins
        assert len(charts["mastery"]["category"]) == 6 and len(charts["mastery"]["competency"]) == 4
        for area in charts["mastery"]["category"] + charts["mastery"]["competency"]:
            rows = PersonCategoryScore.objects.filter(
                user_id__in=people.values("user_id"), **{f"{area['axis']}_id": area["id"]}
            )
            n = sum(r.attempts for r in rows)
            assert area["n"] == n and area["people"] == rows.count()
            assert area["avg_score"] == pytest.approx(sum(r.score_sum for r in rows) / n, abs=0.06)
        lowest, _next = selectors.lowest_page(
            qs=selectors.team_lowest_people(team=team), sort="avg_score", cursor=None, size=selectors.MAX_PAGE_SIZE
        )
        expected = sorted(people.exclude(avg_score=None), key=lambda p: (p.avg_score, p.user_id))
        assert [r.user_id for r in lowest] == [p.user_id for p in expected]


def test_team_weak_spots_offer_remedies_of_the_category(scored_team_a):
    from assessments.models import Quiz
    from practice.models import Scenario
    from tests.practice.factories import ScenarioFactory

    product = Category.objects.get(code="product")
    course = CourseFactory(title="产品知识补课", category=product)
    CourseFactory(title="草稿课程", category=product, status="draft")
    CourseFactory(title="市场课程", category=Category.objects.get(code="market"))
    quiz = Quiz.objects.create(title="产品小测", course=course, status=Quiz.Status.PUBLISHED)
    # a quiz drawing questions from the category (two rules: listed once), and one that is not published
    drawn = Quiz.objects.create(title="产品抽题", status=Quiz.Status.PUBLISHED, mode=Quiz.Mode.RANDOM)
    drawn.rules.create(category=product, count=2)
    drawn.rules.create(category=product, difficulty=3, count=1)
    Quiz.objects.create(title="草稿测验", course=course, status=Quiz.Status.DRAFT)
    scenario = ScenarioFactory(title="产品陪练", category=product, status=Scenario.Status.PUBLISHED)
    spots = selectors.weak_spots(areas=_areas(scored_team_a))
    assert [(w["axis"], w["code"]) for w in spots] == [("category", "product")]
    [spot] = spots
    assert [c["title"] for c in spot["courses"]] == [course.title]
    assert sorted(q["id"] for q in spot["quizzes"]) == sorted([quiz.id, drawn.id])
    assert [s["id"] for s in spot["scenarios"]] == [scenario.id]
    # the threshold is a setting
    assert selectors.weak_spots(areas=_areas(scored_team_a), threshold=0) == []
    assert len(selectors.weak_spots(areas=_areas(scored_team_a), threshold=101)) == 10


def _areas(team):
    charts = selectors.team_charts(team=_team(team))
    return charts["mastery"]["category"] + charts["mastery"]["competency"]


def test_dashboard_page_shows_charts_tables_and_one_click_remedy(client_for, manager_a, scored_team_a):
    course = CourseFactory(title="产品知识补课", category=Category.objects.get(code="product"))
    body = client_for(manager_a).get(HOME, {"team": scored_team_a.id}).content.decode()
    for marker in (
        'id="chart-distribution"',
        'id="chart-radar-category"',
        'id="chart-radar-competency"',
        'data-testid="distribution-table"',
        'data-testid="mastery-table-category"',
        'data-testid="lowest-placeholder"',  # the table itself loads through htmx (partial=lowest)
        'data-testid="team-weak-spots"',
    ):
        assert marker in body
    weak = body[body.index('data-testid="team-weak-spots"') :]
    weak = weak[: weak.index("</table>")]
    assert course.title in weak and f'name="team" value="{scored_team_a.id}"' in weak
    assert f'name="course" value="{course.id}"' in weak
    assert "<script>" not in body.replace('<script id="dashboard-data" type="application/json">', "")


def test_one_click_team_assignment_is_idempotent(
    client_for, manager_a, scored_team_a, django_capture_on_commit_callbacks
):
    course = CourseFactory(title="产品知识补课", category=Category.objects.get(code="product"))
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    client = client_for(manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            response = client.post(ASSIGN, {"team": scored_team_a.id, "course": course.id, "due_date": due})
            assert response.status_code == 302
    members = PersonStats.objects.filter(team__path__startswith=scored_team_a.path, is_active=True).count()
    assert Enrollment.objects.filter(course=course).count() == members
    assert set(Enrollment.objects.filter(course=course).values_list("due_date", flat=True)) == {
        timezone.localdate() + timedelta(days=14)
    }


def test_other_manager_cannot_assign_remedy_to_team_a(client_for, manager_b, sales_a, scored_team_a):
    course = CourseFactory(category=Category.objects.get(code="product"))
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    client = client_for(manager_b)
    assert client.post(ASSIGN, {"team": scored_team_a.id, "course": course.id, "due_date": due}).status_code == 404
    assert client.post(ASSIGN, {"person": sales_a.id, "course": course.id, "due_date": due}).status_code == 404
    assert not Enrollment.objects.filter(course=course).exists()


def test_api_team_series_include_the_new_charts(api_for, manager_a, scored_team_a):
    CourseFactory(title="产品知识补课", category=Category.objects.get(code="product"))
    data = api_for(manager_a).get(f"/api/v1/dashboards/teams/{scored_team_a.id}/").json()
    assert len(data["score_distribution"]) == 10
    assert sum(b["people"] for b in data["score_distribution"]) == 9
    assert [a["code"] for a in data["mastery"]["category"]][:1] and len(data["mastery"]["competency"]) == 4
    assert [r["avg_score"] for r in data["lowest_scores"]] == sorted(r["avg_score"] for r in data["lowest_scores"])
    [weak] = data["weak_spots"]
    assert weak["code"] == "product" and weak["remedies"]["courses"][0]["title"] == "产品知识补课"


def test_person_page_radar_and_weak_competency(client_for, api_for, manager_a, sales_a, team_a):
    from dashboards.services import dashboards_record_attempt

    comp = Competency.objects.get(code="ethics")
    cat = Category.objects.get(code="market")
    dashboards_record_attempt(
        user_id=sales_a.id, score=70, passed=True, category_scores={cat.id: 90}, competency_scores={comp.id: 30}
    )
    body = client_for(manager_a).get(reverse("dashboards:person", args=[sales_a.id])).content.decode()
    assert 'id="chart-radar-competency"' in body and 'data-testid="mastery-table-competency"' in body
    weak = body[body.index('data-testid="weak-spots"') :]
    weak = weak[: weak.index("</table>")]
    assert str(comp) in weak and str(cat) not in weak
    data = api_for(manager_a).get(f"/api/v1/dashboards/people/{sales_a.id}/").json()
    assert {a["code"]: a["avg_score"] for a in data["mastery"]["competency"]}["ethics"] == 30
    assert [w["code"] for w in data["weak_spots"]] == ["ethics"]


def _scored_team(size, seed):
    team = TeamFactory(name=f"雷达{size}")
    manager = make_manager(team, username=f"radar{size}")
    ids = add_people(team, size, courses=[CourseFactory(), CourseFactory()], seed=seed)
    services.stats_repair()
    give_scores(ids, seed=seed)
    return team, manager, ids[0]


def test_query_budget_with_charts_and_weak_spots_is_the_same_at_two_sizes(client_for, django_assert_max_num_queries):
    from rest_framework.test import APIClient

    from tests.dashboards.test_pages import _count

    CourseFactory(title="产品知识补课", category=Category.objects.get(code="product"))
    results = []
    for size, seed in ((10, 1), (600, 2)):
        team, manager, person_id = _scored_team(size, seed)
        assert PersonStats.objects.filter(team=team, avg_score__isnull=False).exists()
        client = client_for(manager)
        api = APIClient()
        api.force_authenticate(manager)
        counts = []
        for c, url, params in (
            (client, HOME, {"team": team.id}),
            (client, HOME, {}),
            (client, HOME, {"team": team.id, "partial": "lowest", "low_sort": "-attempts"}),
            (client, reverse("dashboards:person", args=[person_id]), {}),
            (api, f"/api/v1/dashboards/teams/{team.id}/", {}),
            (api, f"/api/v1/dashboards/people/{person_id}/", {}),
        ):
            with django_assert_max_num_queries(10):
                counts.append(_count(c, url, params))
        body = client.get(HOME, {"team": team.id}).content.decode()
        assert "产品知识补课" in body  # the weak spot and its remedy were on the page counted above
        results.append(counts)
    assert results[0] == results[1]


def test_mastery_repair_matches_the_hooks(team_a, sales_a, trainer, django_capture_on_commit_callbacks):
    """Quiz attempts and practice sessions fed through the hooks give the same mastery as the repair recomputing
    from the raw rows (and the repair fixes drift)."""
    from assessments.models import Attempt, AttemptAreaScore, Quiz
    from practice.models import PracticeSession
    from tests.practice.factories import ScenarioFactory

    product = Category.objects.get(code="product")
    knowledge = Competency.objects.get(code="knowledge")
    quiz = Quiz.objects.create(title="测验", status=Quiz.Status.PUBLISHED)
    scenario = ScenarioFactory(category=product, competency=knowledge)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for number, (score, maximum) in enumerate([(3, 4), (1, 4)], start=1):
            attempt = Attempt.objects.create(
                quiz=quiz, user=sales_a, number=number, status=Attempt.Status.GRADED, started_at=now
            )
            AttemptAreaScore.objects.create(attempt=attempt, category=product, score=score, max_score=maximum)
            AttemptAreaScore.objects.create(attempt=attempt, competency=knowledge, score=score, max_score=maximum)
            services.dashboards_record_attempt(
                user_id=sales_a.id,
                score=score * 25,
                passed=score > 2,
                category_scores={product.id: score * 25},
                competency_scores={knowledge.id: score * 25},
            )
        PracticeSession.objects.create(
            user=sales_a, scenario=scenario, status=PracticeSession.Status.FINISHED, score=90, finished_at=now
        )
        services.dashboards_record_practice(
            user_id=sales_a.id, score=90, category_id=product.id, competency_id=knowledge.id
        )
    hooked = {
        (s.category_id, s.competency_id): (s.attempts, round(s.score_sum, 2))
        for s in PersonCategoryScore.objects.filter(user=sales_a)
    }
    assert hooked[(product.id, None)] == (3, 75 + 25 + 90)
    team_area = {a["code"]: a for a in TeamStats.objects.get(team=team_a).areas if a["axis"] == "category"}["product"]
    assert (team_area["n"], team_area["sum"]) == (3, 190)
    PersonCategoryScore.objects.filter(user=sales_a).update(attempts=99)  # drift
    services.stats_refresh_mastery()
    repaired = {
        (s.category_id, s.competency_id): (s.attempts, round(s.score_sum, 2))
        for s in PersonCategoryScore.objects.filter(user=sales_a)
    }
    assert repaired == hooked


def test_finishing_a_practice_session_feeds_mastery(sales_a, team_a, django_capture_on_commit_callbacks):
    from practice import services as practice_services
    from tests.practice.factories import ScenarioFactory, SessionFactory

    product = Category.objects.get(code="product")
    session = SessionFactory(user=sales_a, scenario=ScenarioFactory(category=product))
    with django_capture_on_commit_callbacks(execute=True):
        session = practice_services.session_finish(session=session)
    score = PersonCategoryScore.objects.get(user=sales_a, category=product)
    assert (score.attempts, score.score_sum) == (1, session.score)
