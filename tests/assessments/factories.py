"""Builders for assessments tests. Markers in explanations, feedback and accepted answers let tests scan responses
for anything that would give the key away."""

from assessments import services
from assessments.models import QuestionBank, Quiz
from courses.models import Category, Competency, Course
from learning.models import Enrollment

EXPLAIN = "EXPLAIN-MARKER"
FEEDBACK = "FEEDBACK-MARKER"
ACCEPT = "ACCEPT-MARKER"


def bank(title="题库") -> QuestionBank:
    return QuestionBank.objects.create(title=title)


def single(
    b, *, stem="客户说太贵了，第一步？", correct="B", category="sales-skills", competency="ability", author=None
):
    options = [
        {"text": "立刻降价", "weight": 100 if correct == "A" else 0, "feedback": FEEDBACK},
        {"text": "了解比较对象", "weight": 100 if correct == "B" else 0},
        {"text": "结束拜访", "weight": 100 if correct == "C" else 0},
    ]
    return services.question_create(
        bank=b,
        author=author,
        data={
            "qtype": "single",
            "stem": stem,
            "options": options,
            "explanation": EXPLAIN,
            "category": category,
            "competency": competency,
        },
    )


def multiple(b, *, partial="rmw", category="product"):
    return services.question_create(
        bank=b,
        author=None,
        data={
            "qtype": "multiple",
            "stem": "拜访前要准备哪些？",
            "options": [
                {"text": "客户背景", "weight": 50},
                {"text": "产品资料", "weight": 50},
                {"text": "个人简历", "weight": 0},
                {"text": "竞品信息", "weight": 0},
            ],
            "partial_credit": partial,
            "explanation": EXPLAIN,
            "category": category,
            "competency": "knowledge",
        },
    )


def truefalse(b, *, value=False, category="time-territory"):
    return services.question_create(
        bank=b,
        author=None,
        data={
            "qtype": "truefalse",
            "stem": "区域管理只和路线有关。",
            "answer": {"value": value},
            "explanation": EXPLAIN,
            "category": category,
        },
    )


def short(b, *, accepted=("Strength", ACCEPT), category="market"):
    return services.question_create(
        bank=b,
        author=None,
        data={
            "qtype": "short",
            "stem": "SWOT 的 S？",
            "answer": {"accepted": list(accepted)},
            "explanation": EXPLAIN,
            "category": category,
        },
    )


def essay(b, *, category="company"):
    return services.question_create(
        bank=b,
        author=None,
        data={
            "qtype": "essay",
            "stem": "简述投诉处理步骤。",
            "explanation": EXPLAIN,
            "category": category,
            "competency": "mindset",
        },
    )


def course(title="销售基础课程") -> Course:
    return Course.objects.create(title=title, status=Course.Status.PUBLISHED)


def quiz(owner, questions, *, takers=(), **fields) -> Quiz:
    """A published quiz of a course of its own (unless `course` or `plan` is given); `takers` are enrolled in it."""
    fields.setdefault("status", Quiz.Status.PUBLISHED)
    fields.setdefault("attempts_allowed", 2)
    if "course" not in fields and "plan" not in fields:
        fields["course"] = course()
    created = services.quiz_create(
        owner=owner, title=fields.pop("title", "产品知识测验"), questions=questions, **fields
    )
    for person in takers:
        enrol(person, created)
    return created


def enrol(person, quiz: Quiz, **fields) -> Enrollment:
    """Enrol the person in the quiz's course (or plan), which is what lets them see and start it."""
    target = {"course": quiz.course} if quiz.course_id else {"plan": quiz.plan}
    return Enrollment.objects.create(user=person, **target, **fields)


def category(code):
    return Category.objects.get(code=code)


def competency(code):
    return Competency.objects.get(code=code)
