import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from courses.models import Category, Course, TrainingPlan
from practice import demo, selectors
from practice.models import PracticeSession, Scenario, ScenarioRequirement
from practice.services import requirement_add, scenario_import
from tests.practice.conftest import GOOD_REPLIES

pytestmark = pytest.mark.django_db


def test_demo_seed_ships_six_chinese_and_two_english_scenarios_and_is_idempotent(scenarios):
    assert Scenario.objects.filter(language="zh-hans").count() >= 6
    assert Scenario.objects.filter(language="en").count() >= 2
    demo.seed()
    assert Scenario.objects.count() == 8
    assert set(Scenario.objects.values_list("version", flat=True)) == {1}


def test_required_scenarios_passed_for_a_course(sales_a, too_expensive, scenarios, play):
    course = Course.objects.create(title="异议处理")
    assert selectors.required_scenarios_passed(sales_a.id, course.id) is True  # nothing required
    requirement_add(scenario=too_expensive, course=course)
    assert selectors.required_scenarios_passed(sales_a.id, course.id) is False
    play(sales_a, too_expensive, ["随便说说"])  # a failed attempt does not count
    assert selectors.required_scenarios_passed(sales_a.id, course.id) is False
    play(sales_a, too_expensive, GOOD_REPLIES)
    assert selectors.required_scenarios_passed(sales_a.id, course.id) is True
    requirement_add(scenario=scenarios["hotel-banquet-enquiry"], course=course)
    assert selectors.required_scenarios_passed(sales_a.id, course.id) is False


def test_required_scenarios_for_a_plan_day(sales_a, too_expensive, play):
    plan = TrainingPlan.objects.create(title="销售部六日培训")
    requirement_add(scenario=too_expensive, plan=plan, day=4)
    assert selectors.plan_required_scenarios_passed(sales_a.id, plan.id, day=4) is False
    assert selectors.plan_required_scenarios_passed(sales_a.id, plan.id, day=3) is True
    play(sales_a, too_expensive, GOOD_REPLIES)
    assert selectors.plan_required_scenarios_passed(sales_a.id, plan.id) is True


def test_requirement_links_exactly_one_target(too_expensive):
    with pytest.raises(ValidationError):
        requirement_add(scenario=too_expensive)
    with pytest.raises(IntegrityError):
        ScenarioRequirement.objects.create(scenario=too_expensive)


def test_drill_suggests_a_variant_and_a_course_of_the_weak_category(sales_a, scenarios, play):
    Course.objects.create(title="提问技巧", category=Category.objects.get(code="sales-skills"), status="published")
    Course.objects.create(title="草稿课程", category=Category.objects.get(code="sales-skills"))
    session = play(sales_a, scenarios["objection-too-expensive"], GOOD_REPLIES[:2])
    drill = selectors.drill_suggestions(session=session)
    assert drill["weakest"] in {"discovery", "close", "objections", "key_points"}
    assert scenarios["objection-too-expensive-en"] in drill["scenarios"]
    if drill["weakest"] != "key_points":
        assert [c.title for c in drill["courses"]] == ["提问技巧"]


def test_best_scores_and_mastery(sales_a, too_expensive, play):
    play(sales_a, too_expensive, ["随便说说"])
    best = play(sales_a, too_expensive, GOOD_REPLIES)
    rows = selectors.best_scores(user=sales_a)
    assert rows == [
        {
            "scenario_id": too_expensive.id,
            "title": too_expensive.title,
            "attempts": 2,
            "best": best.score,
            "passed": True,
        }
    ]
    mastery = selectors.mastery(user_ids=[sales_a.id])
    assert mastery[0]["code"] == "sales-skills" and mastery[0]["sessions"] == 2


def test_import_refuses_unknown_variant_and_duplicate_codes(scenarios):
    item = {
        "code": "x1", "title": "t", "language": "zh-hans", "persona_role": "r", "situation": "s", "goal": "g",
        "difficulty": "easy", "variant_of": "nope", "spec": scenarios["hotel-banquet-enquiry"].spec,
    }  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        scenario_import(payload={"scenarios": [item, dict(item)]}, user=None)
    assert "scenarios[1].code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        scenario_import(payload={"scenarios": [item]}, user=None)
    assert "scenarios[0].variant_of" in exc.value.message_dict
    assert not Scenario.objects.filter(code="x1").exists()


def test_finish_twice_keeps_the_first_scorecard(sales_a, too_expensive, play):
    from practice.services import session_finish

    session = play(sales_a, too_expensive, GOOD_REPLIES[:2])
    first = session.scorecard
    assert session_finish(session=session).scorecard == first
    assert PracticeSession.objects.get(pk=session.pk).finished_at == session.finished_at


def test_course_completes_only_after_the_required_scenario_is_passed(
    sales_a, too_expensive, play, django_capture_on_commit_callbacks
):
    from learning import services as learning_services
    from learning.models import Enrollment
    from tests.learning.factories import course_with_lessons

    course = course_with_lessons(1, status=Course.Status.PUBLISHED)
    requirement_add(scenario=too_expensive, course=course)
    enrollment, _ = learning_services.enrollment_create(user=sales_a, course=course)
    lesson_id = course.items.values_list("lesson_id", flat=True).first()
    learning_services.lesson_complete(user=sales_a, lesson_id=lesson_id)
    enrollment.refresh_from_db()
    assert enrollment.progress == 100
    assert enrollment.status != Enrollment.Status.COMPLETED  # the role play is still missing

    with django_capture_on_commit_callbacks(execute=True):
        session = play(sales_a, too_expensive, GOOD_REPLIES)
    assert session.passed
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED


def test_practice_home_marks_what_my_courses_and_plans_require(client_for, sales_a, sales_b, scenarios, play):
    from learning.models import Enrollment

    course = Course.objects.create(title="异议处理", status="published")
    left = Course.objects.create(title="已退出的课程", status="published")
    plan = TrainingPlan.objects.create(title="销售部六日培训")
    others = TrainingPlan.objects.create(title="别人的计划")
    requirement_add(scenario=scenarios["objection-too-expensive"], course=course)
    requirement_add(scenario=scenarios["hotel-banquet-enquiry"], plan=plan, day=4)
    requirement_add(scenario=scenarios["b2b-decision-maker"], course=left)
    requirement_add(scenario=scenarios["compliance-trap"], plan=others)
    Enrollment.objects.create(user=sales_a, course=course)
    Enrollment.objects.create(user=sales_a, plan=plan)
    Enrollment.objects.create(user=sales_a, course=left, unenrolled_at="2026-01-01T00:00:00Z")
    Enrollment.objects.create(user=sales_b, plan=others)

    page = client_for(sales_a).get("/practice/").text
    assert page.count('data-testid="required-') == 2
    assert 'data-testid="required-objection-too-expensive"' in page and "异议处理" in page
    assert 'data-testid="required-hotel-banquet-enquiry"' in page and "销售部六日培训" in page
    assert "已退出的课程" not in page and "别人的计划" not in page
    # the required scenarios come first, the to-do ones before anything else
    first_cards = [c.split('"')[0] for c in page.split('data-code="')[1:3]]
    assert set(first_cards) == {"objection-too-expensive", "hotel-banquet-enquiry"}

    play(sales_a, scenarios["objection-too-expensive"], GOOD_REPLIES)
    page = client_for(sales_a).get("/practice/").text
    first_card = page.split('data-code="')[1].split('"')[0]
    assert first_card == "hotel-banquet-enquiry"  # still to do; the passed one no longer leads
    done = page.split('data-testid="required-objection-too-expensive"')[1].split("</p>")[0]
    assert "text-bg-success" in done
    assert page.count('data-testid="required-') == 2
    assert client_for(sales_b).get("/practice/").text.count('data-testid="required-') == 1


def test_a_plan_requiring_a_role_play_completes_once_it_is_passed(
    monkeypatch, sales_a, trainer, too_expensive, play, django_capture_on_commit_callbacks
):
    from learning import services as learning_services
    from learning.models import Enrollment
    from tests.learning.factories import course_with_lessons

    course = course_with_lessons(1, owners=[trainer])
    plan = TrainingPlan.objects.create(title="销售部六日培训")
    monkeypatch.setattr(learning_services, "plan_linked_course_ids", lambda p: [course.id])
    requirement_add(scenario=too_expensive, plan=plan, day=4)
    plan_enrollment, _ = learning_services.enrollment_create(user=sales_a, plan=plan, enrolled_by=trainer)

    learning_services.lesson_complete(user=sales_a, lesson_id=course.items.get().lesson_id)
    plan_enrollment.refresh_from_db()
    assert Enrollment.objects.get(user=sales_a, course=course).status == Enrollment.Status.COMPLETED
    assert (plan_enrollment.progress, plan_enrollment.status) == (100, Enrollment.Status.IN_PROGRESS)  # role play due

    with django_capture_on_commit_callbacks(execute=True):
        play(sales_a, too_expensive, ["随便说说"])  # a failed attempt does not complete it
    plan_enrollment.refresh_from_db()
    assert plan_enrollment.status == Enrollment.Status.IN_PROGRESS

    with django_capture_on_commit_callbacks(execute=True):
        play(sales_a, too_expensive, GOOD_REPLIES)
    plan_enrollment.refresh_from_db()
    assert plan_enrollment.status == Enrollment.Status.COMPLETED


def test_passing_a_role_play_does_not_complete_a_plan_without_course_enrollments(
    sales_a, too_expensive, play, django_capture_on_commit_callbacks
):
    from learning.models import Enrollment

    plan = TrainingPlan.objects.create(title="只有面授的计划")
    requirement_add(scenario=too_expensive, plan=plan)
    plan_enrollment = Enrollment.objects.create(user=sales_a, plan=plan)
    with django_capture_on_commit_callbacks(execute=True):
        play(sales_a, too_expensive, GOOD_REPLIES)
    plan_enrollment.refresh_from_db()
    assert plan_enrollment.status == Enrollment.Status.NOT_STARTED
