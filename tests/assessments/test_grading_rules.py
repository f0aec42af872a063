"""Scoring rules, item analysis on a hand-computed example, and the course-completion hooks."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from assessments import selectors, services
from assessments.grading import fraction_for, normalise_text
from courses.models import Course
from tests.assessments import factories as f
from tests.factories import make_salesperson


def version(qtype, options=(), answer=None, partial="all"):
    return SimpleNamespace(qtype=qtype, options=list(options), answer=answer or {}, partial_credit=partial)


OPTS = [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}, {"key": "C", "weight": 0}, {"key": "D", "weight": 0}]


@pytest.mark.parametrize(
    "given,expected",
    [
        ("Strength", True),
        ("  strength ", True),
        ("ＳＴＲＥＮＧＴＨ", True),
        ("strength\u3000", True),
        ("strengths", False),
    ],
)
def test_short_answers_are_normalised(given, expected):
    v = version("short", answer={"accepted": ["STRENGTH"]})
    assert fraction_for(v, given) == (1 if expected else 0)


def test_normalise_collapses_spaces_and_width():
    assert normalise_text("  Ａｂｃ　 １２３  ") == "abc 123"


@pytest.mark.parametrize(
    "partial,chosen,expected",
    [
        ("all", ["A", "B"], "1"),
        ("all", ["A"], "0"),
        ("all", ["A", "B", "C"], "0"),
        ("rmw", ["A"], "0.5"),
        ("rmw", ["A", "B", "C"], "0.5"),
        ("rmw", ["A", "C", "D"], "0"),
        ("weighted", ["A"], "0.5"),
        ("weighted", ["A", "B", "C"], "1"),
    ],
)
def test_multiple_choice_partial_credit_rules(partial, chosen, expected):
    assert fraction_for(version("multiple", OPTS, partial=partial), chosen) == Decimal(expected)


def test_weighted_multiple_with_negative_weights_never_below_zero():
    opts = [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}, {"key": "C", "weight": -100}]
    assert fraction_for(version("multiple", opts, partial="weighted"), ["A", "C"]) == 0


def test_single_choice_partial_weight_and_blank():
    opts = [{"key": "A", "weight": 100}, {"key": "B", "weight": 25}, {"key": "C", "weight": -50}]
    v = version("single", opts)
    assert fraction_for(v, "B") == Decimal("0.25")
    assert fraction_for(v, "C") == 0
    assert fraction_for(v, None) == 0


@pytest.mark.parametrize(
    "answer,given,expected",
    [
        ({"value": "1000", "tolerance": "5"}, "1004", 1),
        ({"value": "1000", "tolerance": "5"}, "１００６", 0),
        ({"min": "90", "max": "100"}, "90", 1),
        ({"min": "90", "max": "100"}, "abc", 0),
        ({"any": [{"value": "1", "tolerance": "0"}, {"value": "2", "tolerance": "0"}]}, "2", 1),
    ],
)
def test_numeric(answer, given, expected):
    assert fraction_for(version("numeric", answer=answer), given) == expected


def test_essay_and_short_without_key_need_a_person():
    assert fraction_for(version("essay"), "text") is None
    assert fraction_for(version("short", answer={"accepted": []}), "x") is None


def test_item_analysis_matches_the_hand_computed_example(trainer, qbank):
    """Seven one-point questions, right answer B. Four people, ranked 5/7, 4/7, 3/7, 2/7; groups of round(4 × 0.27) = 1.

    person  Q1 Q2 Q3 Q4 Q5 Q6 Q7
    P1      B  B  B  A  B  B  A
    P2      B  B  A  C  B  B  A
    P3      B  A  C  A  B  B  C
    P4      A  C  A  B  A  B  -

    facility: Q1 3/4, Q2 2/4, Q3 1/4, Q4 1/4, Q5 3/4, Q6 4/4, Q7 0/4
    discrimination (P1 minus P4): Q1 1, Q2 1, Q3 1, Q4 -1, Q5 1, Q6 0, Q7 0
    """
    questions = [f.single(qbank, stem=f"Q{i}") for i in range(1, 8)]
    quiz = f.quiz(trainer, questions)
    table = ["BBBABBA", "BBACBBA", "BACABBC", "ACABAB-"]
    for row in table:
        person = make_salesperson()
        attempt = services.attempt_start(quiz=quiz, user=person)
        answers = {str(i.id): (None if row[i.order - 1] == "-" else row[i.order - 1]) for i in attempt.items.all()}
        services.attempt_save_answers(attempt=attempt, seq=1, answers=answers)
        services.attempt_submit(attempt=attempt)
    result = selectors.item_analysis(quiz=quiz)
    assert result["attempts"] == 4 and result["group_size"] == 1
    rows = {r["question_id"]: r for r in result["questions"]}
    by_q = [rows[q.id] for q in questions]
    assert [r["facility"] for r in by_q] == [0.75, 0.5, 0.25, 0.25, 0.75, 1.0, 0.0]
    assert [r["discrimination"] for r in by_q] == [1.0, 1.0, 1.0, -1.0, 1.0, 0.0, 0.0]
    assert {o["key"]: o["count"] for o in by_q[1]["distribution"]} == {"A": 1, "B": 2, "C": 1}
    assert by_q[6]["blank"] == 1
    assert by_q[3]["flags"] == ["negative_discrimination"]
    assert by_q[5]["flags"] == ["too_easy"]
    assert by_q[6]["flags"] == ["too_hard"]
    assert by_q[0]["flags"] == []


def test_final_quiz_hooks(trainer, qbank, sales_a, sales_b):
    course = Course.objects.create(title="产品入门")
    other = Course.objects.create(title="没有考试的课")
    assert not selectors.course_has_final_quiz(course.id)
    assert selectors.final_quiz_passed(sales_a.id, course.id)  # nothing to pass yet
    quiz = f.quiz(trainer, [f.single(qbank)], course=course, is_final=True, attempts_allowed=0)
    assert selectors.course_has_final_quiz(course.id)
    assert not selectors.final_quiz_passed(sales_a.id, course.id)
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    item = attempt.items.get()
    services.attempt_save_answers(attempt=attempt, seq=1, answers={str(item.id): "B"})
    services.attempt_submit(attempt=attempt)
    failed = services.attempt_start(quiz=quiz, user=sales_b)
    services.attempt_submit(attempt=failed)
    assert selectors.final_quiz_passed(sales_a.id, course.id)
    assert not selectors.final_quiz_passed(sales_b.id, course.id)
    assert selectors.final_quiz_passed_user_ids(course_id=course.id, user_ids=[sales_a.id, sales_b.id]) == {sales_a.id}
    assert selectors.final_quiz_passed_user_ids(course_id=other.id, user_ids=[sales_b.id]) == {sales_b.id}


def test_area_averages_read_stored_scores(trainer, qbank, sales_a, sales_b, django_assert_num_queries):
    quiz = f.quiz(trainer, [f.single(qbank, category="product"), f.truefalse(qbank, category="market")])
    for person, single_answer in ((sales_a, "B"), (sales_b, "A")):
        attempt = services.attempt_start(quiz=quiz, user=person)
        item = attempt.items.get(version__qtype="single")
        services.attempt_save_answers(attempt=attempt, seq=1, answers={str(item.id): single_answer})
        services.attempt_submit(attempt=attempt)
    with django_assert_num_queries(1):
        rows = selectors.area_averages(user_ids=[sales_a.id, sales_b.id])
    assert [(r["code"], r["percent"], r["attempts"]) for r in rows] == [("market", 0.0, 2), ("product", 50.0, 2)]
    competencies = selectors.area_averages(user_ids=[sales_a.id], axis="competency")
    assert [(r["code"], r["percent"]) for r in competencies] == [("ability", 100.0)]


def test_course_completes_only_once_its_final_quiz_is_passed(
    trainer, qbank, sales_a, django_capture_on_commit_callbacks
):
    from learning import services as learning_services
    from learning.models import Enrollment
    from tests.learning.factories import course_with_lessons

    course = course_with_lessons(1, status=Course.Status.PUBLISHED)
    quiz = f.quiz(trainer, [f.single(qbank)], course=course, is_final=True, attempts_allowed=0)
    enrollment, _ = learning_services.enrollment_create(user=sales_a, course=course)
    learning_services.lesson_complete(user=sales_a, lesson_id=course.items.values_list("lesson_id", flat=True)[0])
    enrollment.refresh_from_db()
    assert enrollment.status != Enrollment.Status.COMPLETED  # lessons done, exam not yet passed

    failed = services.attempt_start(quiz=quiz, user=sales_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=failed)
    enrollment.refresh_from_db()
    assert enrollment.status != Enrollment.Status.COMPLETED

    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    item = attempt.items.get()
    services.attempt_save_answers(attempt=attempt, seq=1, answers={str(item.id): "B"})
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED


def test_a_graded_attempt_feeds_the_dashboard_figures_once(trainer, qbank, sales_a, django_capture_on_commit_callbacks):
    from dashboards.models import PersonCategoryScore, PersonStats

    quiz = f.quiz(trainer, [f.single(qbank, category="product"), f.truefalse(qbank, category="market")])
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    item = attempt.items.get(version__qtype="single")
    services.attempt_save_answers(attempt=attempt, seq=1, answers={str(item.id): "B"})
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(attempt=attempt)
    stats = PersonStats.objects.get(user=sales_a)
    assert stats.attempts == 1
    by_code = {
        s.category.code: s.score_sum / s.attempts
        for s in PersonCategoryScore.objects.filter(user=sales_a, category__isnull=False).select_related("category")
    }
    assert by_code["product"] == 100
    assert by_code["market"] == 0
