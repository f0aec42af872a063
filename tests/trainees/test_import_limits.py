"""People import (issue 18): a CSV of more rows or cells than an import takes is refused before its rows are
validated, on the page, in the API and in the command, and nothing is imported. (People import reads CSV only; an
Excel workbook is refused with a message saying to save it as CSV.)"""

import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from tests import import_bombs as bombs
from tests.trainees.conftest import csv_bytes
from trainees.importing import parse_people_csv
from trainees.models import PeopleImport, Team, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def row_limit(settings):
    settings.IMPORT_MAX_ROWS = 20
    return settings


def _people(rows: int) -> bytes:
    return csv_bytes(*[f"S{i},张三,,华东区/一组,," for i in range(rows)])


def test_as_many_rows_as_allowed_parse_and_one_more_is_refused_before_validation(row_limit):
    assert len(parse_people_csv(_people(20)).rows) == 20
    refused = parse_people_csv(_people(21))
    assert refused.rows == [] and [(e.line, e.column) for e in refused.errors] == [(0, "")]
    assert "more than 20 rows" in refused.errors[0].message and "Split it" in refused.errors[0].message
    tab_separated = parse_people_csv(_people(21).replace(b",", b"\t"))
    assert "more than 20 rows" in tab_separated.errors[0].message


def test_too_many_cells_are_refused(settings):
    settings.IMPORT_MAX_CELLS = 100
    refused = parse_people_csv(csv_bytes("S1,张三,,华东区/一组," + "," * 100))
    assert "more than 100 cells" in refused.errors[0].message and refused.rows == []


def test_a_million_rows_are_refused_within_bounded_memory():
    """A dry run of a million rows took 20 s and 240 MB more: every row was validated and kept."""
    content = bombs.people_csv_short(1_000_000)
    tracemalloc.start()
    try:
        refused = parse_people_csv(content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "more than 100000 rows" in refused.errors[0].message and refused.rows == []
    assert peak < 4 * len(content)  # the text, decoded; no row kept


def test_the_page_shows_the_refusal_next_to_the_file(client_for, trainer, row_limit):
    upload = SimpleUploadedFile("people.csv", _people(21), "text/csv")
    response = client_for(trainer).post(reverse("trainees:import"), {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "more than 20 rows" in response.context["form"].errors["file"][0]
    assert not PeopleImport.objects.exists() and not Team.objects.exists()


def test_the_api_answers_400_and_imports_nothing(api_for, admin_user, row_limit):
    data = {"file": SimpleUploadedFile("people.csv", _people(21), "text/csv")}
    response = api_for(admin_user).post("/api/v1/people/import/", data, format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "invalid_import"
    assert "more than 20 rows" in error["fields"]["file"][0] and error["rows"][0]["line"] == 0
    assert User.objects.count() == 1 and not Team.objects.exists()  # the admin only


def test_the_command_refuses_too(tmp_path, row_limit):
    path = tmp_path / "people.csv"
    path.write_bytes(_people(21))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_people", str(path))
    assert not User.objects.exists()
