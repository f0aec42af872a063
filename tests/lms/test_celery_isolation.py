"""The suite's Celery isolation (tests/conftest.py `_celery_join_allowed`): a flag left set by one test's eager tasks
(the threaded live server can leave it so) does not break `.get()` in the next test. The two tests run in this
order, in one process (the suite distributes by file)."""

from celery._state import _set_task_join_will_block, task_join_will_block


def test_a_test_leaves_the_join_flag_set_as_a_threaded_race_would():
    _set_task_join_will_block(True)
    assert task_join_will_block()


def test_the_next_test_may_wait_for_an_eager_result():
    from celery.result import EagerResult

    assert not task_join_will_block()
    assert EagerResult("a-task-id", 3, "SUCCESS").get() == 3
