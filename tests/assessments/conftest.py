import pytest

from tests.assessments import factories as f


@pytest.fixture
def qbank(db):
    return f.bank()


@pytest.fixture
def mixed_quiz(trainer, qbank, sales_a, sales_b):
    """One question of each auto-graded type plus an essay, owned by the trainer; sales_a and sales_b are enrolled
    in its course."""
    questions = [f.single(qbank), f.multiple(qbank), f.truefalse(qbank), f.short(qbank), f.essay(qbank)]
    return f.quiz(trainer, questions, time_limit_minutes=30, takers=[sales_a, sales_b])


@pytest.fixture
def auto_quiz(trainer, qbank, sales_a, sales_b):
    """Auto-graded only: single, multiple, true/false, short; sales_a and sales_b are enrolled in its course."""
    questions = [f.single(qbank), f.multiple(qbank), f.truefalse(qbank), f.short(qbank)]
    return f.quiz(trainer, questions, time_limit_minutes=30, takers=[sales_a, sales_b])
