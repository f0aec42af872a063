"""The quiz builder (issue #20): the picker, points and order, random rules with their match counts, publishing
refused when a rule cannot be met, fixed and random questions together, the preview that records nothing, quizzes
in the course outline and on plan sessions, and assigning from the quiz's page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services
from assessments.models import Attempt, AttemptAreaScore, AttemptItem, Quiz, QuizAssignment
from courses.models import Course, Session, TrainingPlan
from learning.models import Enrollment
from learning.requirements import RequirementState
from notifications.models import Notification
from tests.assessments import factories as f
from tests.factories import make_trainer

pytestmark = pytest.mark.django_db

MANAGEMENT = {
    "rules-TOTAL_FORMS": "2",
    "rules-INITIAL_FORMS": "0",
    "rules-MIN_NUM_FORMS": "0",
    "rules-MAX_NUM_FORMS": "12",
}


def _post(**overrides):
    data = {
        "title": "竞争知识测验",
        "status": "published",
        "mode": "fixed",
        "pass_mark": 60,
        "attempts_allowed": 1,
        "review_policy": "after_submit",
        **MANAGEMENT,
    }
    data.update(overrides)
    return data


def _competition(qbank, n, *, difficulty=5):
    made = []
    for i in range(n):
        q = f.single(qbank, stem=f"竞品对比题{i}", category="competition")
        q.difficulty = difficulty
        q.save(update_fields=["difficulty"])
        made.append(q)
    return made


@pytest.fixture
def other_trainer(db):
    return make_trainer(username="trainer_other")


@pytest.fixture
def bank60(qbank):
    """66 questions of several types, categories, competencies and difficulties."""
    made = []
    for i in range(30):
        made.append(f.single(qbank, stem=f"报价异议题{i}", category="sales-skills", competency="ability"))
    for _i in range(15):
        made.append(f.truefalse(qbank, category="time-territory"))
    for _i in range(15):
        made.append(f.multiple(qbank, category="product"))
    made += _competition(qbank, 6, difficulty=4)
    return made


# --- the builder page: who may open it --------------------------------------------------------------------------


def test_the_builder_opens_for_a_trainer_and_is_404_for_others(client_for, trainer, other_trainer, sales_a, qbank):
    quiz = f.quiz(trainer, [f.single(qbank)], status=Quiz.Status.DRAFT)
    assert client_for(sales_a).get(reverse("assessments:quiz_new")).status_code == 404
    assert client_for(sales_a).get(reverse("assessments:quiz_picker")).status_code == 404
    assert client_for(other_trainer).get(reverse("assessments:quiz_edit", args=[quiz.id])).status_code == 404
    page = client_for(trainer).get(reverse("assessments:quiz_edit", args=[quiz.id]))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count('data-testid="chosen-question"') == 1 and 'data-testid="picker-results"' in body
    assert 'data-testid="preview-link"' in body and "<select multiple" not in body


def test_the_picker_filters_on_the_server_in_a_bounded_number_of_queries(
    client_for, trainer, bank60, django_assert_max_num_queries
):
    client = client_for(trainer)
    url = reverse("assessments:quiz_picker")
    with django_assert_max_num_queries(8):
        everything = client.get(url)
    assert everything.context["picker_page"].paginator.count == 66
    assert everything.content.decode().count('data-testid="picker-question"') == selectors.PICKER_PAGE_SIZE
    competition = f.category("competition")
    assert client.get(url, {"pick_category": competition.id}).context["picker_page"].paginator.count == 6
    assert client.get(url, {"pick_type": "truefalse"}).context["picker_page"].paginator.count == 15
    ability = f.competency("ability")
    assert client.get(url, {"pick_competency": ability.id}).context["picker_page"].paginator.count == 36
    assert client.get(url, {"pick_difficulty": "4"}).context["picker_page"].paginator.count == 6
    assert client.get(url, {"pick_q": "报价异议题1"}).context["picker_page"].paginator.count == 11  # 1, 10..19
    # bad filters are ignored, never a 500
    bad = client.get(url, {"pick_difficulty": "9", "pick_category": "x", "pick_type": "nope", "page": "abc"})
    assert bad.status_code == 200 and bad.context["picker_page"].paginator.count == 66
    # the trainer sees the key in the preview of each question
    assert "text-bg-success" in client.get(url, {"pick_type": "single"}).content.decode()
    with django_assert_max_num_queries(16):
        assert client.get(reverse("assessments:quiz_new")).status_code == 200


def test_a_picked_row_and_its_404(client_for, trainer, sales_a, qbank):
    question = f.single(qbank)
    row = client_for(trainer).get(reverse("assessments:quiz_picker_row", args=[question.id]))
    assert row.status_code == 200 and f'name="points-{question.id}"' in row.content.decode()
    assert client_for(trainer).get(reverse("assessments:quiz_picker_row", args=[999999])).status_code == 404
    assert client_for(sales_a).get(reverse("assessments:quiz_picker_row", args=[question.id])).status_code == 404


# --- fixed questions: points and order ----------------------------------------------------------------------------


def test_points_and_order_are_saved_and_bad_points_are_refused(client_for, trainer, qbank):
    a, b, c = f.single(qbank, stem="甲"), f.truefalse(qbank), f.essay(qbank)
    client = client_for(trainer)
    refused = client.post(
        reverse("assessments:quiz_new"),
        _post(questions=[a.id, b.id], **{f"points-{a.id}": "0", f"points-{b.id}": "abc"}),
    )
    assert refused.status_code == 200 and 'data-testid="builder-errors"' in refused.content.decode()
    assert not Quiz.objects.exists()
    saved = client.post(
        reverse("assessments:quiz_new"),
        _post(questions=[c.id, a.id, b.id], **{f"points-{a.id}": "2.5", f"points-{b.id}": "1", f"points-{c.id}": "4"}),
    )
    assert saved.status_code == 302
    quiz = Quiz.objects.get()
    rows = list(quiz.quiz_questions.order_by("order").values_list("question_id", "points"))
    assert rows == [(c.id, Decimal("4.00")), (a.id, Decimal("2.50")), (b.id, Decimal("1.00"))]


def test_without_javascript_the_arrows_and_add_change_the_list_and_save_nothing(client_for, trainer, qbank):
    a, b, c = f.single(qbank, stem="甲"), f.single(qbank, stem="乙"), f.single(qbank, stem="丙")
    client = client_for(trainer)
    moved = client.post(reverse("assessments:quiz_new"), _post(questions=[a.id, b.id], up=str(b.id)))
    assert moved.status_code == 200 and not Quiz.objects.exists()
    assert [r["question"].id for r in moved.context["rows"]] == [b.id, a.id]
    added = client.post(reverse("assessments:quiz_new"), _post(questions=[a.id], add=str(c.id)))
    assert [r["question"].id for r in added.context["rows"]] == [a.id, c.id] and not Quiz.objects.exists()
    removed = client.post(reverse("assessments:quiz_new"), _post(questions=[a.id, c.id], remove=str(a.id)))
    assert [r["question"].id for r in removed.context["rows"]] == [c.id]


# --- random rules: the count as one types, and publishing refused ------------------------------------------------


def test_the_rule_count_endpoint_counts_and_says_when_too_few(client_for, trainer, sales_a, qbank):
    _competition(qbank, 3)
    client = client_for(trainer)
    url = reverse("assessments:quiz_rule_count")
    competition = f.category("competition").id
    short = client.get(url, {"rules-0-category": competition, "rules-0-difficulty": "5", "rules-0-count": "30"})
    assert short.status_code == 200 and short.context["matching"] == 3 and short.context["short"] is True
    assert 'data-short="1"' in short.content.decode() and "text-danger" in short.content.decode()
    enough = client.get(url, {"rules-1-category": competition, "rules-1-count": "2"})
    assert enough.context["matching"] == 3 and enough.context["short"] is False
    bad = client.get(url, {"rules-0-category": "abc", "rules-0-difficulty": "99", "rules-0-count": "-1"})
    assert bad.status_code == 200 and bad.context["short"] is False
    assert client_for(sales_a).get(url).status_code == 404


def test_publishing_is_refused_when_a_rule_cannot_be_met(client_for, trainer, qbank):
    _competition(qbank, 3)
    competition = f.category("competition")
    client = client_for(trainer)
    page = client.post(
        reverse("assessments:quiz_new"),
        _post(mode="random", **{"rules-0-category": competition.id, "rules-0-difficulty": "5", "rules-0-count": "30"}),
    )
    body = page.content.decode()
    assert page.status_code == 200 and not Quiz.objects.exists()
    assert page.context["rule_errors"] and "30" in page.context["rule_errors"][0] and "3" in body
    # saved as a draft it is kept, and publishing it through the service is refused too
    draft = client.post(
        reverse("assessments:quiz_new"),
        _post(
            mode="random",
            status="draft",
            **{"rules-0-category": competition.id, "rules-0-difficulty": "5", "rules-0-count": "30"},
        ),
    )
    assert draft.status_code == 302
    quiz = Quiz.objects.get()
    quiz.status = Quiz.Status.PUBLISHED
    with pytest.raises(ValidationError) as refused:
        services.quiz_save(quiz=quiz, owner=trainer, questions=[], rules=selectors.quiz_rule_dicts(quiz=quiz))
    assert "rules" in refused.value.message_dict
    assert Quiz.objects.get().status == Quiz.Status.DRAFT


def test_overlaps_between_rules_and_fixed_questions_are_counted(trainer, qbank):
    three = _competition(qbank, 3)
    competition = f.category("competition")
    rule = {"category": competition, "difficulty": 5, "count": 3}
    assert selectors.quiz_publish_problems(question_ids=[], rules=[rule]) == []
    # a fixed question of the pool is never drawn again: only 2 left
    assert len(selectors.quiz_publish_problems(question_ids=[three[0].id], rules=[rule])) == 1
    # two rules over the same 3 questions asking 2 each: the second may find only 1
    problems = selectors.quiz_publish_problems(question_ids=[], rules=[{**rule, "count": 2}, {**rule, "count": 2}])
    assert len(problems) == 1 and problems[0].startswith(("Rule 2", "规则 2", "第 2"))
    assert selectors.quiz_publish_problems(question_ids=[], rules=[]) != []  # no question at all


def test_a_quiz_without_questions_is_not_published(client_for, trainer):
    page = client_for(trainer).post(reverse("assessments:quiz_new"), _post(mode="mixed"))
    assert page.status_code == 200 and page.context["rule_errors"] and not Quiz.objects.exists()


# --- fixed and random together ------------------------------------------------------------------------------------


def test_a_mixed_quiz_gives_its_fixed_questions_then_draws_the_rules_without_repeats(trainer, qbank, sales_a):
    pool = _competition(qbank, 4)
    fixed = [pool[0], f.truefalse(qbank)]
    quiz = f.quiz(trainer, [], takers=[sales_a], status=Quiz.Status.DRAFT)
    quiz.mode, quiz.status = Quiz.Mode.MIXED, Quiz.Status.PUBLISHED
    rule = {"category": f.category("competition"), "count": 3, "points": Decimal("2")}
    services.quiz_save(quiz=quiz, owner=trainer, questions=fixed, rules=[rule], points={fixed[1].id: Decimal("3")})
    for _round in range(3):
        attempt = services.attempt_start(quiz=quiz, user=sales_a)
        items = list(attempt.items.select_related("version").order_by("order"))
        questions = [i.version.question_id for i in items]
        assert questions[:2] == [pool[0].id, fixed[1].id]
        assert sorted(questions[2:]) == sorted(q.id for q in pool[1:])  # the rule: the 3 others, pool[0] not again
        assert [i.points for i in items] == [Decimal("1"), Decimal("3"), Decimal("2"), Decimal("2"), Decimal("2")]
        assert attempt.max_score == Decimal("10")
        Attempt.objects.filter(pk=attempt.pk).delete()
    # one more rule than the pool holds: refused at publishing, not at the learner's start
    with pytest.raises(ValidationError):
        services.quiz_save(quiz=quiz, owner=trainer, questions=fixed, rules=[{**rule, "count": 4}])


# --- preview ------------------------------------------------------------------------------------------------------


def test_the_preview_shows_a_draft_grades_in_memory_and_records_nothing(
    client_for, trainer, other_trainer, sales_a, qbank
):
    questions = [f.single(qbank), f.truefalse(qbank), f.essay(qbank)]
    quiz = f.quiz(trainer, questions, status=Quiz.Status.DRAFT, takers=[sales_a])
    url = reverse("assessments:quiz_preview", args=[quiz.id])
    assert client_for(sales_a).get(url).status_code == 404
    assert client_for(other_trainer).get(url).status_code == 404
    client = client_for(trainer)
    before = (Attempt.objects.count(), AttemptItem.objects.count(), AttemptAreaScore.objects.count())
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and body.count('data-testid="question"') == 3
    assert f.EXPLAIN not in body and f.FEEDBACK not in body  # as a learner sees it: no key before checking
    drawn = page.context["drawn"]
    post = {"count": "3"}
    for item in drawn:
        post |= {
            f"v-{item.order}": item.version_id,
            f"o-{item.order}": ",".join(item.option_order),
            f"p-{item.order}": "1",
        }
    answers = {"single": "B", "truefalse": "false", "essay": "倾听"}
    post |= {f"q-{item.order}": answers[item.version.qtype] for item in drawn}
    checked = client.post(url, post)
    assert checked.status_code == 200 and checked.context["score"] == Decimal("2")
    assert checked.context["max_score"] == Decimal("3") and checked.context["manual"] is True
    assert 'data-testid="preview-result"' in checked.content.decode() and f.EXPLAIN in checked.content.decode()
    assert (Attempt.objects.count(), AttemptItem.objects.count(), AttemptAreaScore.objects.count()) == before
    # a tampered form is a clear message, not a 500
    broken = client.post(url, {"count": "2", "v-1": "x"}, follow=True)
    assert broken.status_code == 200 and not Attempt.objects.exists()


def test_the_preview_of_an_unmet_rule_says_so(client_for, trainer, qbank):
    _competition(qbank, 1)
    quiz = f.quiz(trainer, [], status=Quiz.Status.DRAFT, mode=Quiz.Mode.RANDOM)
    quiz.rules.create(category=f.category("competition"), count=5)
    page = client_for(trainer).get(reverse("assessments:quiz_preview", args=[quiz.id]))
    assert page.status_code == 200 and 'data-testid="preview-error"' in page.content.decode()


# --- quizzes as course and plan activities -----------------------------------------------------------------------


def test_the_course_outline_lists_its_quizzes_and_adds_one(
    client_for, trainer, qbank, sales_a, django_assert_max_num_queries
):
    course = Course.objects.create(title="竞品分析课", status=Course.Status.PUBLISHED)
    course.owners.add(trainer)
    f.quiz(trainer, [f.single(qbank)], course=course, is_final=True, title="期末考")
    f.quiz(trainer, [f.single(qbank)], course=course, status=Quiz.Status.DRAFT, title="随堂测")
    client = client_for(trainer)
    outline = client.get(reverse("courses:outline", args=[course.id]))
    body = outline.content.decode()
    assert outline.status_code == 200 and body.count('data-testid="outline-activity"') == 2
    assert body.index("期末考") < body.index("随堂测")
    assert reverse("assessments:quiz_preview", args=[Quiz.objects.get(title="随堂测").id]) in body
    assert f"/quizzes/new/?course={course.id}&amp;final=1" in body
    activities = selectors.course_outline_quizzes(user=trainer, course=course)
    assert [a["final"] for a in activities] == [True, False] and activities[1]["state"] == Quiz.Status.DRAFT.label
    with django_assert_max_num_queries(1):
        selectors.course_outline_quizzes(user=trainer, course=course)
    # the add link prefills the course and the final flag; saved, the final quiz is a completion requirement
    new = client.get(reverse("assessments:quiz_new"), {"course": course.id, "final": "1"})
    assert new.context["form"].initial["course"] == course.id and new.context["form"].initial["is_final"] is True
    Quiz.objects.filter(course=course).update(is_final=False)
    saved = client.post(
        reverse("assessments:quiz_new"),
        _post(title="新期末考", course=course.id, is_final="on", questions=[f.single(qbank).id]),
    )
    assert saved.status_code == 302
    enrollment = Enrollment.objects.create(user=sales_a, course=course)
    rows = selectors.final_quiz_requirement_rows(enrollment=enrollment)
    assert [r.title for r in rows] == ["新期末考"] and rows[0].state == RequirementState.TODO
    # another trainer's course cannot be prefilled
    other = make_trainer(username="t3")
    refused = client_for(other).get(reverse("assessments:quiz_new"), {"course": course.id})
    assert refused.context["form"].initial.get("course") is None


def test_plan_session_links_list_the_days_quizzes_in_one_query(trainer, sales_a, qbank, django_assert_max_num_queries):
    plan = TrainingPlan.objects.create(title="六天培训", start_date=dt.date(2026, 3, 2))
    plan.owners.add(trainer)
    s1 = Session.objects.create(plan=plan, day=1, start_time=dt.time(9), end_time=dt.time(10), title="开场")
    s2 = Session.objects.create(plan=plan, day=2, start_time=dt.time(9), end_time=dt.time(10), title="报价")
    f.quiz(trainer, [f.single(qbank)], plan=plan, plan_day=2, title="第二天测验")
    with django_assert_max_num_queries(2):
        links = selectors.plan_session_quiz_links(user=trainer, plan=plan, sessions=[s1, s2])
    assert [link["url"] for link in links[s1.id]] == [f"/quizzes/new/?plan={plan.id}&day=1"]
    assert len(links[s2.id]) == 2 and "第二天测验" in links[s2.id][0]["label"]
    assert selectors.plan_session_quiz_links(user=sales_a, plan=plan, sessions=[s1]) == {}


# --- assigning from the quiz page --------------------------------------------------------------------------------


def _day(days):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_the_owner_assigns_the_quiz_to_a_team_or_a_person(
    client_for, trainer, other_trainer, sales_a, sales_b, team_a, qbank
):
    quiz = f.quiz(trainer, [f.single(qbank)], title="报价测验")
    quiz.course.owners.add(trainer)
    f.enrol(sales_a, quiz)  # reachable: enrolled in the trainer's course; sales_b is not
    url = reverse("assessments:quiz_assign", args=[quiz.id])
    assert (
        client_for(other_trainer).post(url, {"who": "team", "team": team_a.id, "due_date": _day(5)}).status_code == 404
    )
    client = client_for(trainer)
    page = client.get(reverse("assessments:quiz", args=[quiz.id]))
    assert 'data-testid="quiz-assign"' in page.content.decode()
    done = client.post(url, {"who": "team", "team": team_a.id, "due_date": _day(5)})
    assert done.status_code == 302
    assert list(QuizAssignment.objects.values_list("user_id", flat=True)) == [sales_a.id]
    assert Notification.objects.filter(kind="quiz_assigned", recipient=sales_a).count() == 1
    unknown = client.post(url, {"who": "person", "person": sales_b.username, "due_date": _day(5)})
    assert unknown.status_code == 400 and unknown.context["assign_form"].errors["person"]
    past = client.post(url, {"who": "person", "person": sales_a.username, "due_date": _day(-2)})
    assert past.status_code == 400 and past.context["assign_form"].errors
    garbage = client.post(url, {"who": "team", "team": team_a.id, "due_date": "31/31/2026"})
    assert garbage.status_code == 400 and garbage.context["assign_form"].errors["due_date"]
    assert QuizAssignment.objects.count() == 1


def test_a_draft_quiz_cannot_be_assigned(client_for, trainer, sales_a, team_a, qbank):
    quiz = f.quiz(trainer, [f.single(qbank)], status=Quiz.Status.DRAFT, takers=[sales_a])
    quiz.course.owners.add(trainer)
    page = client_for(trainer).post(
        reverse("assessments:quiz_assign", args=[quiz.id]), {"who": "team", "team": team_a.id, "due_date": _day(3)}
    )
    assert page.status_code == 400 and page.context["assign_form"].non_field_errors()
    assert not QuizAssignment.objects.exists()
