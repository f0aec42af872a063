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


@pytest.fixture
def broker_down(db):
    """Tasks really go to a broker (not eager) and the broker is a closed port on 127.0.0.1."""
    import socket

    from lms.celery import app as celery_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conf = celery_app.conf
    saved = {"task_always_eager": conf.task_always_eager, "broker_url": conf.broker_url}
    conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{port}/0")
    yield conf
    conf.update(saved)
