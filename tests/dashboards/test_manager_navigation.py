"""A manager's way around: "up one level" only when the parent is theirs, headline changes coloured by meaning,
an export page with a title and a way back and files named by table, team and date; remedy links never a 404."""

from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Category
from dashboards import exports, selectors
from dashboards.models import TeamSnapshot, TeamStats
from dashboards.services import week_start
from learning.models import Enrollment
from tests.factories import make_manager, make_salesperson

pytestmark = pytest.mark.django_db

HOME = reverse("dashboards:home")


def test_up_one_level_shows_only_when_the_parent_is_in_scope(client_for, manager_a, team_a, sub_team_a):
    lead = make_manager(sub_team_a, username="lead_sub")
    own = client_for(lead).get(HOME, {"team": sub_team_a.id}).content.decode()
    assert 'data-testid="up-link"' not in own  # team_a is not theirs: that link was a 404
    assert f'href="{HOME}" data-testid="home-link"' in own
    assert client_for(lead).get(HOME, {"team": team_a.id}).status_code == 404
    page = client_for(manager_a).get(HOME, {"team": sub_team_a.id}).content.decode()
    assert f'href="{HOME}?team={team_a.id}" data-testid="up-link"' in page
    assert client_for(manager_a).get(HOME, {"team": team_a.id}).status_code == 200
    # manager_a's own team: its department is not theirs either
    top = client_for(manager_a).get(HOME, {"team": team_a.id}).content.decode()
    assert 'data-testid="up-link"' not in top


def test_up_link_for_admins_and_root_teams(admin_user, team_a, region):
    assert selectors.dashboard_up_link(user=admin_user, team=team_a) == f"{HOME}?team={team_a.parent_id}"
    assert selectors.dashboard_up_link(user=admin_user, team=region) is None


@pytest.mark.parametrize(
    ("key", "change", "tone"),
    [
        ("overdue", -1, "good"),
        ("overdue", 2, "bad"),
        ("active", 14, "good"),
        ("completion_rate", -5.5, "bad"),
        ("certs_expiring", 1, "bad"),
        ("people", 3, "neutral"),
        ("overdue", 0, "neutral"),
        ("overdue", None, "neutral"),
    ],
)
def test_changes_are_coloured_by_meaning(key, change, tone):
    assert selectors.change_tone(key, change) == tone


def test_headline_shows_fewer_overdue_in_green_and_more_active_in_green(client_for, manager_a, team_a):
    TeamStats.objects.update_or_create(
        team=team_a,
        defaults={"people": 5, "enrollments": 30, "completed": 10, "overdue": 2, "refreshed_at": timezone.now()},
    )
    last_week = week_start(timezone.localdate()) - timedelta(weeks=1)
    TeamSnapshot.objects.create(team=team_a, week=last_week, people=5, enrollments=16, completed=10, overdue=3)
    body = client_for(manager_a).get(HOME, {"team": team_a.id}).content.decode()
    headline = body[body.index('data-testid="headline"') :]

    def card(key):
        start = headline.index(f'data-key="{key}"')
        return headline[start : headline.index("</div></div></div>", start)]

    assert 'class="small text-success" data-tone="good"' in card("overdue") and "-1" in card("overdue")
    assert 'class="small text-success" data-tone="good"' in card("active") and "+14" in card("active")


def test_export_page_has_a_title_a_way_back_and_a_named_file(client_for, manager_a, team_a, sales_a):
    team_a.name = '一组 "华东"/A'
    team_a.save(update_fields=["name"])
    client = client_for(manager_a)
    response = client.post(reverse("dashboards:export_start"), {"table": "people", "team": team_a.id, "format": "csv"})
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Export: People · 一组 &quot;华东&quot;/A" in html
    assert f'href="{HOME}?team={team_a.id}" data-testid="export-back"' in html
    assert 'data-testid="export-breadcrumb"' in html
    job_id = int(response["Location"].rstrip("/").split("/")[-1])
    download = client.get(reverse("dashboards:export_download", args=[job_id]))
    header = download["Content-Disposition"]
    day = f"{timezone.localdate():%Y%m%d}"
    assert header.startswith(f"attachment; filename=\"people-{day}.csv\"; filename*=UTF-8''")
    # built in the exporter's language (zh-hans here): no quote, slash or raw id
    assert unquote(header.split("''", 1)[1]) == f"人员-一组-华东-A-{day}.csv"
    assert str(team_a.id) not in header.split(";")[1]


def test_export_page_of_someone_elses_job_is_404(client_for, manager_a, manager_b, team_a):
    response = client_for(manager_a).post(
        reverse("dashboards:export_start"), {"table": "people", "team": team_a.id, "format": "csv"}
    )
    job_url = response["Location"]
    assert client_for(manager_b).get(job_url).status_code == 404


def test_trainer_export_names_only_the_table_and_goes_back_to_their_dashboard(client_for, trainer):
    client = client_for(trainer)
    response = client.post(reverse("dashboards:export_start"), {"table": "courses", "format": "csv"})
    html = client.get(response["Location"]).content.decode()
    assert f'href="{reverse("dashboards:courses")}" data-testid="export-back"' in html
    job_id = int(response["Location"].rstrip("/").split("/")[-1])
    header = client.get(reverse("dashboards:export_download", args=[job_id]))["Content-Disposition"]
    assert f"-{timezone.localdate():%Y%m%d}.csv" in header
    assert f"-{trainer.id}-" not in header


def test_content_disposition_of_an_ascii_name_has_no_extended_form():
    assert exports.content_disposition(filename="people-20261201.csv", fallback="x.csv") == (
        'attachment; filename="people-20261201.csv"'
    )


# --- remedy links ---------------------------------------------------------------------------------------------


def test_weak_spot_remedies_link_scenarios_and_only_the_quizzes_the_manager_may_open(
    client_for, manager_a, team_a, sales_a
):
    from assessments.models import Quiz
    from dashboards.models import PersonCategoryScore, PersonStats
    from dashboards.services import stats_refresh_teams
    from tests.learning.factories import CourseFactory
    from tests.practice.factories import ScenarioFactory

    product = Category.objects.get(code="product")
    course = CourseFactory(title="产品知识补课", category=product)
    mine = CourseFactory(title="经理也在学", category=product)
    hidden = Quiz.objects.create(title="学员的测验", course=course, status=Quiz.Status.PUBLISHED)
    open_quiz = Quiz.objects.create(title="经理的测验", course=mine, status=Quiz.Status.PUBLISHED)
    Enrollment.objects.create(user=manager_a, course=mine)
    scenario = ScenarioFactory(title="产品陪练", category=product)
    PersonStats.objects.update_or_create(user=sales_a, defaults={"team": team_a, "refreshed_at": timezone.now()})
    PersonCategoryScore.objects.create(user=sales_a, category=product, attempts=2, score_sum=60)
    stats_refresh_teams(team_ids=[team_a.id])
    body = client_for(manager_a).get(HOME, {"team": team_a.id}).content.decode()
    weak = body[body.index('data-testid="team-weak-spots"') :]
    assert f'href="{reverse("practice:home")}#scenario-{scenario.id}" data-testid="weak-scenario-link"' in weak
    assert f'data-testid="weak-assign-practice" data-scenario="{scenario.id}"' in weak
    assert f'href="{reverse("assessments:quiz", args=[open_quiz.id])}" data-testid="weak-quiz-link"' in weak
    assert '<span data-testid="weak-quiz-text">学员的测验</span>' in weak
    assert reverse("assessments:quiz", args=[hidden.id]) not in weak
    # the links lead somewhere: neither is a 404 for this manager
    client = client_for(manager_a)
    assert client.get(reverse("assessments:quiz", args=[open_quiz.id])).status_code == 200
    assert client.get(reverse("practice:home")).status_code == 200
    assert f'id="scenario-{scenario.id}"' in client.get(reverse("practice:home")).content.decode()


def test_weak_spots_page_stays_within_its_query_budget(client_for, manager_a, team_a, django_assert_max_num_queries):
    """Links for many quizzes cost one query, however many are suggested."""
    from assessments.models import Quiz
    from dashboards.models import PersonCategoryScore, PersonStats
    from dashboards.services import stats_refresh_teams
    from tests.learning.factories import CourseFactory

    product = Category.objects.get(code="product")
    for i in range(6):
        Quiz.objects.create(title=f"测验{i}", course=CourseFactory(category=product), status=Quiz.Status.PUBLISHED)
    people = [make_salesperson(team_a) for _ in range(5)]
    for p in people:
        PersonStats.objects.update_or_create(user=p, defaults={"team": team_a, "refreshed_at": timezone.now()})
        PersonCategoryScore.objects.create(user=p, category=product, attempts=1, score_sum=20)
    stats_refresh_teams(team_ids=[team_a.id])
    client = client_for(manager_a)
    client.get(HOME, {"team": team_a.id})
    with django_assert_max_num_queries(11):
        assert client.get(HOME, {"team": team_a.id}).status_code == 200
