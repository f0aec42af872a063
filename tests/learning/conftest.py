import pytest

from learning import services as learning_services
from tests.learning.factories import course_with_lessons


@pytest.fixture
def course(trainer):
    return course_with_lessons(3, owners=[trainer], title="倾听与提问")


@pytest.fixture
def enrolled(course, sales_a, trainer):
    enrollment, _ = learning_services.enrollment_create(user=sales_a, course=course, enrolled_by=trainer)
    return enrollment
