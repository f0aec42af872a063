"""Remediation that acts, for quizzes: a manager assigns a suggested quiz from a weak spot in one click (or from
/dashboard/assign/quiz/ with another due date), to their own people only; the message counts honestly, each person
is told once and may then take the quiz outside its course."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from assessments.models import Quiz, QuizAssignment
from courses.models import Category
from dashboards import services
from dashboards.services import dashboards_record_attempt
from notifications.models import Notification
from tests.assessments import factories as qf
from tests.factories import make_salesperson
from tests.learning.factories import CourseFactory

pytestmark = pytest.mark.django_db

ASSIGN_QUIZ = reverse("dashboards:assign_quiz")


def _day(days: int):
    return timezone.localdate() + timedelta(days=days)


def _message(response) -> str:
    return str(next(iter(response.wsgi_request._messages)))


@pytest.fixture
def weak():
    return Category.objects.get(code="product")


@pytest.fixture
def quiz(trainer, weak):
    """A published quiz of a course in the weak category: what the weak spots suggest."""
    bank = qf.bank()
    return qf.quiz(trainer, [qf.single(bank)], title="产品知识测验", course=CourseFactory(category=weak))


def test_the_weak_spot_assigns_its_quiz_in_one_click(client_for, manager_a, sales_a, quiz, weak):
    dashboards_record_attempt(user_id=sales_a.id, score=50, passed=False, category_scores={weak.id: 40})
    client = client_for(manager_a)
    body = client.get(reverse("dashboards:person", args=[sales_a.id])).content.decode()
    section = body[body.index('data-testid="weak-spots"') :]
    section = section[: section.index("</table>")]
    assert f'data-testid="weak-assign-quiz" data-quiz="{quiz.id}"' in section
    assert f'action="{ASSIGN_QUIZ}"' in section and f"quiz={quiz.id}" in section
    # the button's form: the person, the default due date, the quiz
    response = client.post(
        ASSIGN_QUIZ,
        {"person": sales_a.id, "quiz": quiz.id, "due_date": _day(14).isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302 and response["Location"] == reverse("dashboards:person", args=[sales_a.id])
    assert _message(response).startswith("quiz “产品知识测验” assigned to 1 person (due ")
    assignment = QuizAssignment.objects.get(user=sales_a, quiz=quiz)
    assert assignment.due_date == _day(14) and assignment.assigned_by == manager_a
    notice = Notification.objects.get(kind="quiz_assigned", recipient=sales_a)
    assert notice.url == reverse("assessments:quiz", args=[quiz.id])
    # and the person may now open it, though not enrolled in its course
    assert client_for(sales_a).get(reverse("assessments:quiz", args=[quiz.id])).status_code == 200


def test_a_team_assignment_counts_honestly_in_chinese(client_for, manager_a, team_a, sales_a, quiz):
    people = [sales_a, make_salesperson(team_a), make_salesperson(team_a)]
    client = client_for(manager_a)
    assert client.get(ASSIGN_QUIZ, {"team": team_a.id, "quiz": quiz.id}).status_code == 200
    services.dashboard_quiz_assign(user_ids=[people[0].id], quiz=quiz, due_date=_day(3), by=manager_a)
    due = _day(20)
    response = client.post(ASSIGN_QUIZ, {"team": team_a.id, "quiz": quiz.id, "due_date": due.isoformat()})
    assert response.status_code == 302
    # everyone active in the team: three salespeople and the manager (a member too); one already had it
    message = _message(response)
    assert "3" in message and "产品知识测验" in message and date_format(due, "MONTH_DAY_FORMAT") in message
    assert QuizAssignment.objects.filter(quiz=quiz, completed_at__isnull=True, due_date=due).count() == 4
    assert Notification.objects.filter(kind="quiz_assigned").count() == 5  # 1 first + 3 new + 1 re-dated
    again = client.post(ASSIGN_QUIZ, {"team": team_a.id, "quiz": quiz.id, "due_date": due.isoformat()})
    assert again.status_code == 302 and Notification.objects.filter(kind="quiz_assigned").count() == 5
    assert QuizAssignment.objects.count() == 4


def test_other_teams_drafts_past_dates_and_salespeople_are_refused(
    client_for, manager_a, manager_b, sales_a, sales_b, trainer, quiz
):
    draft = qf.quiz(trainer, [], title="草稿测验", status=Quiz.Status.DRAFT)
    data = {"person": sales_a.id, "quiz": quiz.id, "due_date": _day(3).isoformat()}
    assert client_for(manager_b).post(ASSIGN_QUIZ, data).status_code == 404  # not their person
    assert client_for(sales_b).post(ASSIGN_QUIZ, data).status_code == 404  # not a manager
    assert client_for(sales_a).get(ASSIGN_QUIZ, {"person": sales_a.id}).status_code == 404
    client = client_for(manager_a)
    past = client.post(ASSIGN_QUIZ, {**data, "due_date": _day(-1).isoformat()})
    assert past.status_code == 200 and "截止日期不能早于今天" in past.content.decode()
    drafted = client.post(ASSIGN_QUIZ, {**data, "quiz": draft.id})
    assert drafted.status_code == 200 and drafted.context["form"].errors.get("quiz")
    assert client.post(ASSIGN_QUIZ, {**data, "quiz": "x"}).status_code == 200  # bad input: a form error
    with pytest.raises(ValidationError):
        services.dashboard_quiz_assign(user_ids=[sales_b.id], quiz=quiz, due_date=_day(3), by=manager_a)
    with pytest.raises(ValidationError):
        services.dashboard_quiz_assign(user_ids=[sales_a.id], quiz=draft, due_date=_day(3), by=manager_a)
    assert not QuizAssignment.objects.exists() and not Notification.objects.filter(kind="quiz_assigned").exists()


@pytest.mark.parametrize("size", [10, 60])
def test_assigning_a_quiz_to_a_team_is_set_based(django_assert_max_num_queries, manager_a, team_a, quiz, size):
    people = [make_salesperson(team_a) for _ in range(size)]
    half = size // 2
    services.dashboard_quiz_assign(user_ids=[p.id for p in people[:half]], quiz=quiz, due_date=_day(2), by=manager_a)
    with django_assert_max_num_queries(16):
        counts = services.dashboard_quiz_assign(
            user_ids=[p.id for p in people], quiz=quiz, due_date=_day(9), by=manager_a
        )
    assert (counts["assigned"], counts["updated"], counts["unchanged"]) == (size - half, half, 0)
