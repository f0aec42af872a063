"""Fuzzing the people CSV importer (hypothesis): never an exception, never a partial write, and every problem with a
row names its line (file-level problems use line 0 and say what is wrong with the file). Each example runs in a
savepoint that is rolled back, so the rows one example imports are not there for the next."""

import contextlib

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.models import AuditLog
from tests.trainees.conftest import HEADER
from trainees.models import Team, User
from trainees.services import people_import

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Cells that are sometimes valid and often not: numbers, names, teams, roles, separators, quotes, control chars.
cell = st.one_of(
    st.sampled_from(
        ["", "S1", "S2", "M1", "张三", "华东区/上海/一组", "/", "a//b", "manager", "trainer;manager", "x@y"]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
    st.sampled_from(['"', '""', "\r", "\n", "\x00", ",", "；", "\ufeff", " " * 3, "9" * 60]),
)
row = st.lists(cell, min_size=0, max_size=8).map(lambda cells: ",".join(cells))
csv_text = st.builds(
    lambda header, rows: "\n".join([header, *rows]),
    st.sampled_from([HEADER, "工号,姓名,邮箱,团队,角色,经理工号", "employee_no,name", "a,b,c", ""]),
    st.lists(row, max_size=8),
)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])


def _snapshot() -> tuple:
    return (
        sorted(User.objects.values_list("id", "username", "display_name", "email", "employee_no", "team_id")),
        sorted(Team.objects.values_list("id", "name", "parent_id", "path")),
        User.groups.through.objects.count(),
        Team.managers.through.objects.count(),
        AuditLog.objects.filter(action="people.import").count(),
    )


@contextlib.contextmanager
def rolled_back():
    """Run one hypothesis example in a savepoint that is always rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _check(content: bytes) -> None:
    with rolled_back():
        _check_in_example(content)


def _check_in_example(content: bytes) -> None:
    before = _snapshot()
    with translation.override("en"):
        report = people_import(content=content)  # must not raise
        if report.ok:
            return
        assert _snapshot() == before, "a file with errors changed the database"
        for error in report.errors:
            assert error.message
            text = str(error)
            if error.line:
                assert f"line {error.line}" in text
            else:
                assert not error.column


@FUZZ
@given(text=csv_text, encoding=encodings)
def test_structured_csv_never_crashes_or_half_writes(text, encoding):
    try:
        content = text.encode(encoding)
    except UnicodeEncodeError:
        content = text.encode("utf-8")
    _check(content)


@FUZZ
@given(content=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(content):
    _check(content)


@FUZZ
@given(rows=st.lists(st.tuples(st.sampled_from(["S1", "S2", "S3", "M1", "bad no"]), cell), min_size=1, max_size=6))
def test_mostly_valid_files_are_all_or_nothing(rows):
    lines = [f"{no},名{name[:5].replace(',', '')},,总部/一组,,".replace("\n", "") for no, name in rows]
    _check("\n".join([HEADER, *lines]).encode())


def test_an_example_leaves_no_rows_for_the_next():
    before = _snapshot()
    with rolled_back():
        report = people_import(content=f"{HEADER}\nS9,张九,,总部/一组,,\n".encode())
        assert report.ok and User.objects.filter(employee_no="S9").exists()
    assert _snapshot() == before
    assert not User.objects.filter(employee_no="S9").exists()
