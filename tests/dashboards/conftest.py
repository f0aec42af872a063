import pytest

from tests.dashboards.factories import add_people
from tests.learning.factories import CourseFactory


@pytest.fixture
def courses(db):
    return [CourseFactory(title=f"课程{i}") for i in range(3)]


@pytest.fixture
def filled_team_a(team_a, sub_team_a, courses, sales_a):
    """team_a with a sub-team, a few people, enrollments in several states and certificates; figures fresh."""
    add_people(team_a, 4, courses=courses, seed=1)
    add_people(sub_team_a, 3, courses=courses, seed=2)
    from dashboards.services import stats_repair

    stats_repair()
    return team_a
