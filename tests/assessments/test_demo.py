import datetime as dt

from assessments import demo, services
from assessments.models import Attempt, Question, Quiz
from courses.models import Category, Course, TrainingPlan
from trainees import demo as trainees_demo


def test_demo_is_idempotent_and_covers_courses_plans_and_attempt_states(db):
    trainees_demo.seed()
    Course.objects.create(title="产品知识入门", category=Category.objects.get(code="product"), status="published")
    plan = TrainingPlan.objects.create(title="新人六天培训", start_date=dt.date(2026, 3, 2), status="published")
    TrainingPlan.objects.create(title="模板", status="published", is_template=True)
    demo.seed()
    counts = (Question.objects.count(), Quiz.objects.count(), Attempt.objects.count())
    demo.seed()
    assert (Question.objects.count(), Quiz.objects.count(), Attempt.objects.count()) == counts
    assert counts[0] >= 60
    assert set(Question.objects.values_list("category__code", flat=True)) == set(
        Category.objects.values_list("code", flat=True)
    )
    final = Quiz.objects.get(course__title="产品知识入门")
    assert final.is_final and final.quiz_questions.count() == 6
    exam = Quiz.objects.get(plan=plan)
    assert exam.plan_day == 6 and exam.mode == Quiz.Mode.RANDOM
    assert Quiz.objects.filter(plan__is_template=True).count() == 0
    statuses = {(a.status, a.passed) for a in Attempt.objects.all()}
    assert {("graded", True), ("graded", False), ("submitted", None)} <= statuses
    # The random day-6 exam can actually start: the bank has enough questions per category.
    from trainees.models import User

    attempt = services.attempt_start(quiz=exam, user=User.objects.get(username="sales20"))
    assert attempt.items.count() == 18


def test_demo_quizzes_are_visible_to_the_people_enrolled(db):
    """Quizzes are seen through enrollments: the base quiz goes with the busiest course, the plan's teams are
    enrolled in the plan so they see its exam, and people outside stay out."""
    from assessments.selectors import quizzes_for_user
    from learning.models import Enrollment
    from trainees.models import User

    trainees_demo.seed()
    course = Course.objects.create(
        title="产品知识入门", category=Category.objects.get(code="product"), status="published"
    )
    plan = TrainingPlan.objects.create(title="新人六天培训", start_date=dt.date(2026, 3, 2), status="published")
    member = User.objects.get(username="sales01")
    outsider = User.objects.exclude(team=member.team).filter(username__startswith="sales").first()
    plan.teams.add(member.team)
    Enrollment.objects.create(user=member, course=course)
    demo.seed()
    visible = set(quizzes_for_user(user=member).values_list("title", flat=True))
    assert {"销售基础知识测验", "产品知识入门 · 结业测验"} <= visible
    assert any(title.endswith("结业考试") for title in visible)
    assert not quizzes_for_user(user=outsider).filter(plan=plan).exists()
