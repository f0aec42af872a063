"""Personas: a trainer, a manager of team A, a salesperson in A, a salesperson in B (and their team tree)."""

import os

import pytest
from celery._state import _set_task_join_will_block
from hypothesis import settings as hypothesis_settings
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from tests.factories import PASSWORD, TeamFactory, make_manager, make_salesperson, make_trainer

# Property and fuzz tests (hypothesis, schemathesis) draw the same examples on every run of the suite, so a run
# fails or passes the same way each time; `make fuzz` draws new ones (HYPOTHESIS_PROFILE=random).
hypothesis_settings.register_profile("fixed", derandomize=True)
hypothesis_settings.register_profile("random", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))


@pytest.fixture(autouse=True)
def _celery_join_allowed():
    """Each test starts with Celery's "a task may wait for a result" flag cleared. Eager tasks set that flag, a
    process-wide global, while they run and put back what they found; two requests of the threaded live server (a
    browser test's page and its HTMX calls) running eager tasks at once can put back the other's True, and every
    later `.get()` in the same test process then fails with "Never call result.get() within a task!"."""
    _set_task_join_will_block(False)
    yield


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """A transactional test (e2e, real concurrency) ends by flushing every table, which also removes the reference
    data our migrations load (categories, competencies, tracks, methods). Load it again before each such test, so
    one does not depend on running before another, and again after it, for the tests that follow."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        _load_reference_data()
        request.node.stash[_FLUSHES] = True


_FLUSHES = pytest.StashKey[bool]()


def _load_reference_data() -> None:
    import importlib

    from django.apps import apps

    importlib.import_module("courses.migrations.0002_reference_data").load(apps, None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush (every fixture is torn down by now), load the reference data back: under
    xdist a worker runs its files in their own order, so an ordinary test that expects it may come next."""
    result = yield
    if nextitem is not None and item.stash.get(_FLUSHES, False):
        with item.config.stash[blocking_manager_key].unblock():
            _load_reference_data()
    return result


@pytest.fixture
def region(db):
    return TeamFactory(name="华东区", kind="region")


@pytest.fixture
def team_a(region):
    dept = TeamFactory(name="上海销售部", parent=region, kind="department")
    return TeamFactory(name="一组", parent=dept)


@pytest.fixture
def sub_team_a(team_a):
    return TeamFactory(name="一组-新人", parent=team_a)


@pytest.fixture
def team_b(db):
    region = TeamFactory(name="华南区", kind="region")
    return TeamFactory(name="二组", parent=region)


@pytest.fixture
def trainer(db):
    return make_trainer(username="trainer_t", display_name="周培训")


@pytest.fixture
def manager_a(team_a):
    return make_manager(team_a, username="manager_a", display_name="王经理")


@pytest.fixture
def manager_b(team_b):
    return make_manager(team_b, username="manager_b", display_name="李经理")


@pytest.fixture
def sales_a(team_a):
    return make_salesperson(team_a, username="sales_a", display_name="张三")


@pytest.fixture
def sales_b(team_b):
    return make_salesperson(team_b, username="sales_b", display_name="李四")


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)


def _logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def client_for(client):
    """client_for(user) -> a Django test client logged in as that user."""

    def make(user):
        return _logged_in(client, user)

    return make


@pytest.fixture
def api_for():
    """api_for(user) -> a DRF APIClient authenticated as that user (or anonymous with None)."""

    def make(user=None):
        api = APIClient()
        if user is not None:
            api.force_authenticate(user)
        return api

    return make
