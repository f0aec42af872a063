"""A quiz assigned by a manager (QuizAssignment): set-based, audited, notified once per due date; it lets the person
see and take the quiz outside its course, shows on their quiz list and to-do with its due date, and is completed
when they pass (automatic or manual grading)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Quiz, QuizAssignment
from assessments.todo import quiz_todo
from lms.models import AuditLog
from notifications.models import Notification
from tests.assessments import factories as f
from tests.factories import make_salesperson

pytestmark = pytest.mark.django_db

RIGHT = {"single": "B", "multiple": ["A", "B"], "truefalse": False, "short": "Strength", "essay": "倾听、确认、解决"}


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _answer(attempt, *, right: bool = True):
    answers = {str(i.id): (RIGHT[i.version.qtype] if right else None) for i in attempt.items.select_related("version")}
    services.attempt_save_answers(attempt=attempt, seq=1, answers=answers)


@pytest.fixture
def quiz(trainer, qbank):
    """A published quiz of a course nobody in the tests is enrolled in."""
    return f.quiz(trainer, [f.single(qbank), f.truefalse(qbank)], title="异议处理测验")


def test_assigning_counts_people_once_audits_and_notifies_once_per_due_date(manager_a, sales_a, team_a, quiz):
    other = make_salesperson(team_a)
    counts = services.quiz_assign(
        user_ids=[sales_a.id, other.id, sales_a.id], quiz=quiz, due_date=_day(5), by=manager_a
    )
    assert counts == {"assigned": 2, "updated": 0, "unchanged": 0}
    notice = Notification.objects.get(kind="quiz_assigned", recipient=sales_a)
    assert notice.url == reverse("assessments:quiz", args=[quiz.id])
    assert "异议处理测验" in notice.context["title"] and notice.context["due_date"] == _day(5).isoformat()
    assert AuditLog.objects.filter(action=services.AUDIT_QUIZ_ASSIGN, details__person=sales_a.id).count() == 1
    # again with the same date: nothing new, nobody told twice
    again = services.quiz_assign(user_ids=[sales_a.id, other.id], quiz=quiz, due_date=_day(5), by=manager_a)
    assert again == {"assigned": 0, "updated": 0, "unchanged": 2}
    assert Notification.objects.filter(kind="quiz_assigned").count() == 2
    # a new date moves the open assignment (still one) and tells the person of the new date
    moved = services.quiz_assign(user_ids=[sales_a.id], quiz=quiz, due_date=_day(9), by=manager_a)
    assert moved == {"assigned": 0, "updated": 1, "unchanged": 0}
    assert QuizAssignment.objects.get(user=sales_a).due_date == _day(9)
    assert Notification.objects.filter(kind="quiz_assigned", recipient=sales_a).count() == 2
    assert AuditLog.objects.filter(action=services.AUDIT_QUIZ_ASSIGN).count() == 3


def test_a_draft_quiz_or_a_past_due_date_is_refused(manager_a, sales_a, trainer, qbank, quiz):
    draft = f.quiz(trainer, [f.single(qbank)], status=Quiz.Status.DRAFT)
    with pytest.raises(ValidationError) as refused:
        services.quiz_assign(user_ids=[sales_a.id], quiz=draft, due_date=_day(3), by=manager_a)
    assert list(refused.value.message_dict) == ["quiz"]  # a clear message on the quiz, not a crash
    with pytest.raises(ValidationError):
        services.quiz_assign(user_ids=[sales_a.id], quiz=quiz, due_date=_day(-1), by=manager_a)
    with pytest.raises(ValidationError):
        services.quiz_assign(user_ids=[sales_a.id], quiz=quiz, due_date=None, by=manager_a)
    assert not QuizAssignment.objects.exists() and not Notification.objects.filter(kind="quiz_assigned").exists()


def test_an_assigned_person_opens_and_starts_the_quiz_a_teammate_does_not(client_for, manager_a, sales_a, team_a, quiz):
    teammate = make_salesperson(team_a)
    services.quiz_assign(user_ids=[sales_a.id], quiz=quiz, due_date=_day(3), by=manager_a)
    client = client_for(sales_a)
    page = client.get(reverse("assessments:quiz", args=[quiz.id]))
    assert page.status_code == 200 and 'data-testid="my-quiz-assigned"' in page.content.decode()
    started = client.post(reverse("assessments:quiz_start", args=[quiz.id]))
    assert started.status_code == 302 and "/attempts/" in started["Location"]
    other = client_for(teammate)
    assert other.get(reverse("assessments:quiz", args=[quiz.id])).status_code == 404
    assert other.post(reverse("assessments:quiz_start", args=[quiz.id])).status_code == 404


def test_an_assignment_of_a_quiz_unpublished_later_gives_no_access(manager_a, sales_a, quiz):
    services.quiz_assign(user_ids=[sales_a.id], quiz=quiz, due_date=_day(3), by=manager_a)
    Quiz.objects.filter(pk=quiz.pk).update(status=Quiz.Status.DRAFT)
    assert not selectors.quizzes_for_user(user=sales_a).filter(pk=quiz.pk).exists()
    assert selectors.open_quiz_assignments(user=sales_a) == []


def test_passing_completes_the_assignment_and_the_quiz_stays_open_to_its_results(manager_a, sales_a, quiz):
    services.quiz_assign(user_ids=[sales_a.id], quiz=quiz, due_date=_day(3), by=manager_a)
    failed = services.attempt_start(quiz=quiz, user=sales_a)
    _answer(failed, right=False)
    services.attempt_submit_and_grade(attempt=failed)
    failed.refresh_from_db()
    assert failed.passed is False
    assert QuizAssignment.objects.get(user=sales_a).completed_at is None
    passed = services.attempt_start(quiz=quiz, user=sales_a)
    _answer(passed)
    services.attempt_submit_and_grade(attempt=passed)
    passed.refresh_from_db()
    assert passed.passed is True
    assert QuizAssignment.objects.get(user=sales_a).completed_at is not None
    # a completed assignment still lets them see the quiz (their results), not on the to-do any more
    assert selectors.quizzes_for_user(user=sales_a).filter(pk=quiz.pk).exists()
    assert selectors.open_quiz_assignments(user=sales_a) == []
    # assigning again opens a new one
    assert services.quiz_assign(user_ids=[sales_a.id], quiz=quiz, due_date=_day(4), by=manager_a)["assigned"] == 1


def test_a_pass_by_manual_grading_completes_the_assignment(manager_a, sales_a, trainer, qbank):
    quiz = f.quiz(trainer, [f.single(qbank), f.essay(qbank)], title="投诉处理测验")
    services.quiz_assign(user_ids=[sales_a.id], quiz=quiz, due_date=_day(3), by=manager_a)
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    _answer(attempt)
    services.attempt_submit_and_grade(attempt=attempt)
    assert QuizAssignment.objects.get(user=sales_a).completed_at is None  # the essay waits for the trainer
    essay = attempt.items.get(needs_grading=True)
    services.item_grade(item=essay, grader=trainer, score=Decimal("1"))
    assert QuizAssignment.objects.get(user=sales_a).completed_at is not None


def test_the_quiz_list_shows_the_due_date_and_overdue_in_red(client_for, manager_a, sales_a, trainer, qbank, quiz):
    late = f.quiz(trainer, [f.single(qbank)], title="开场白测验")
    services.quiz_assign(user_ids=[sales_a.id], quiz=quiz, due_date=dt.date(2099, 12, 20), by=manager_a)
    services.quiz_assign(user_ids=[sales_a.id], quiz=late, due_date=_day(1), by=manager_a)
    QuizAssignment.objects.filter(quiz=late).update(due_date=_day(-2))
    page = client_for(sales_a).get(reverse("assessments:quizzes")).content.decode()
    cards = {chunk.split("</li>")[0] for chunk in page.split('data-testid="my-quiz"')[1:]}
    (on_time,) = [c for c in cards if "异议处理测验" in c]
    (overdue,) = [c for c in cards if "开场白测验" in c]
    assert "截止 12月20日" in on_time and "text-danger" not in on_time
    assert "text-danger" in overdue and 'data-overdue="1"' in overdue and "已逾期" in overdue


def test_the_to_do_lists_open_assignments_start_then_try_again(manager_a, sales_a, quiz, trainer, qbank):
    late = f.quiz(trainer, [f.single(qbank)], title="开场白测验")
    services.quiz_assign(user_ids=[sales_a.id], quiz=quiz, due_date=_day(4), by=manager_a)
    services.quiz_assign(user_ids=[sales_a.id], quiz=late, due_date=_day(1), by=manager_a)
    QuizAssignment.objects.filter(quiz=late).update(due_date=_day(-1))
    items = [i for i in quiz_todo(user=sales_a, today=timezone.localdate()) if i.section == "learn"]
    assert [(i.title, i.overdue, i.due) for i in items] == [
        ("开场白测验", True, _day(-1)),
        ("异议处理测验", False, _day(4)),
    ]
    assert items[1].url == reverse("assessments:quiz", args=[quiz.id]) and items[1].action == "开始"
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    items = [i for i in quiz_todo(user=sales_a, today=timezone.localdate()) if i.section == "learn"]
    # the running attempt is listed once, to continue
    assert [i.url for i in items].count(reverse("assessments:quiz", args=[quiz.id])) == 0
    assert any(i.url == reverse("assessments:attempt", args=[attempt.pk]) for i in items)
    _answer(attempt, right=False)
    services.attempt_submit_and_grade(attempt=attempt)
    items = [i for i in quiz_todo(user=sales_a, today=timezone.localdate()) if i.title == "异议处理测验"]
    assert [i.action for i in items] == ["再试一次"]


def test_quiz_list_and_to_do_with_20_assignments_are_bounded(
    client_for, manager_a, sales_a, trainer, qbank, django_assert_max_num_queries
):
    question = f.single(qbank)
    quizzes = [f.quiz(trainer, [question], title=f"补考测验{i:02d}") for i in range(20)]
    for n, q in enumerate(quizzes):
        services.quiz_assign(user_ids=[sales_a.id], quiz=q, due_date=_day(n % 5), by=manager_a)
    client = client_for(sales_a)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("assessments:quizzes")).content.decode()
    assert page.count('data-testid="my-quiz-assigned"') == 20
    with django_assert_max_num_queries(3):
        items = quiz_todo(user=sales_a, today=timezone.localdate())
    assert len(items) == 20
