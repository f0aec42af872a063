import pytest

from tests.learning.factories import course_with_lessons
from trainees import enrollment_services


@pytest.fixture
def course(trainer):
    return course_with_lessons(3, owners=[trainer], title="倾听与提问")


@pytest.fixture
def enrolled(course, sales_a, trainer):
    enrollment, _ = enrollment_services.enrollment_create(user=sales_a, course=course, enrolled_by=trainer)
    return enrollment
