"""Question import (issue 18): hostile Excel, CSV and text files are refused before they are parsed, with a message
that names the limit, on the page and in the API, and nothing is imported; memory stays bounded."""

import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from assessments import parsers
from assessments.models import Question, QuestionImport
from assessments.parsers import FileRejected
from tests import import_bombs as bombs

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def small_limits(settings):
    settings.IMPORT_MAX_ROWS = 50
    settings.IMPORT_MAX_SHARED_STRINGS = 30
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2 * MB
    return settings


def _parse(data: bytes, fmt: str = "xlsx"):
    return parsers.parse_upload(data=data, fmt=fmt, max_bytes=20 * MB)


def _traced_peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _refused_within(data: bytes, fmt: str, match: str) -> int:
    """Assert the file is refused with `match`; the peak of Python's allocations meanwhile."""

    def parse():
        with pytest.raises(FileRejected, match=match):
            _parse(data, fmt)

    return _traced_peak(parse)


def test_the_dimension_bomb_is_refused_before_openpyxl_pads_a_million_rows():
    """1.5 KB claiming A1:XFD1048576 with its last cell there: openpyxl's read-only mode padded every row to 16,384
    cells and yielded each missing row (636 MB for one worker)."""
    data = bombs.dimension_bomb()
    assert len(data) < 2048
    assert _refused_within(data, "xlsx", "more than 100000 rows.*Split it") < 5 * MB


def test_a_claimed_dimension_is_not_believed_and_memory_stays_bounded():
    """The claim alone (its last cell within the row limit) is read, row by row, at the width of the template."""
    data = bombs.claimed_dimension(5002)
    result = None

    def parse():
        nonlocal result
        result = _parse(data)

    assert _traced_peak(parse) < 50 * MB  # 626 MB before
    assert [q["stem"] for q in result.questions] == [bombs.QUESTION_ROW[1]] and result.errors == []


def test_shared_strings_over_the_limit_are_refused_before_openpyxl_reads_them(small_limits):
    assert len(_parse(bombs.shared_strings_bomb(30)).questions) == 1
    with pytest.raises(FileRejected, match="more than 30 different texts"):
        _parse(bombs.shared_strings_bomb(31))


def test_a_zip_bomb_is_refused_without_unpacking_it():
    data = bombs.zip_bomb(200 * MB)
    assert len(data) < 250 * 1024
    assert _refused_within(data, "xlsx", "unpacks to more than 100 MB") < MB  # 191 MB before
    assert _refused_within(bombs.zip_bomb(50 * MB), "xlsx", "packed unusually tightly") < MB


def test_a_sheet_of_more_rows_than_allowed_is_refused(small_limits):
    rows = [bombs.QUESTION_HEADER] + [bombs.QUESTION_ROW] * 50
    assert len(_parse(bombs.xlsx_from_parts(sheet=bombs.worksheet(rows))).questions) == 50
    with pytest.raises(FileRejected, match="more than 50 rows"):
        _parse(bombs.xlsx_from_parts(sheet=bombs.worksheet(rows + [bombs.QUESTION_ROW])))


def test_a_damaged_cell_is_refused_not_a_500():
    """openpyxl raises while it reads the rows (here a number that is not one); that was not caught."""
    sheet = bombs.worksheet([bombs.QUESTION_HEADER], tail='<row r="2"><c r="A2" t="n"><v>not a number</v></c></row>')
    with pytest.raises(FileRejected, match="could not be opened"):
        _parse(bombs.xlsx_from_parts(sheet=sheet))


def test_a_workbook_without_a_worksheet_is_refused_not_a_500():
    no_sheets = f'<workbook xmlns="{bombs.MAIN}"><sheets/></workbook>'
    with pytest.raises(FileRejected, match="could not be opened"):
        _parse(bombs.xlsx_from_parts(sheet=bombs.worksheet([]), extra={"xl/workbook.xml": no_sheets}))


def test_blank_rows_after_the_limit_no_longer_end_a_file_silently(small_limits):
    """The sheet used to be read up to row 5,002 only, so questions below many blank rows were dropped unsaid."""
    rows = [bombs.QUESTION_HEADER, bombs.QUESTION_ROW]
    tail = '<row r="60"><c r="A60" t="inlineStr"><is><t>判断</t></is></c></row>'
    with pytest.raises(FileRejected, match="more than 50 rows"):
        _parse(bombs.xlsx_from_parts(sheet=bombs.worksheet(rows, tail=tail)))


def test_a_csv_of_one_row_more_than_allowed_is_refused(small_limits):
    assert len(_parse(bombs.question_csv(50).encode(), "csv").questions) == 50
    with pytest.raises(FileRejected, match="more than 50 rows"):
        _parse(bombs.question_csv(51).encode(), "csv")
    with pytest.raises(FileRejected, match="more than 50 rows"):
        _parse("题型,题干,答案\n".encode() + b"\n" * 100, "csv")


def test_a_csv_of_too_many_cells_is_refused(settings):
    settings.IMPORT_MAX_CELLS = 1000
    with pytest.raises(FileRejected, match="more than 1000 cells"):
        _parse("题型,题干,答案\n".encode() + b"a," * 1000, "csv")


def test_a_csv_of_many_blank_lines_is_refused_within_bounded_memory():
    data = "题型,题干,答案\n".encode() + b"\n" * 5_000_000  # a list per line: 600 MB before
    assert _refused_within(data, "csv", "more than 100000 rows") < 3 * len(data) + 5 * MB  # the text, decoded


@pytest.mark.parametrize("fmt", ["gift", "aiken"])
def test_text_formats_have_the_row_limit_as_lines(small_limits, fmt):
    with pytest.raises(FileRejected, match="more than 50 lines"):
        _parse(b"\n" * 50 + b"Q {T}\n", fmt)


def test_a_long_aiken_stem_is_read_in_linear_time():
    """Each line used to be added to the stem string (quadratic: 39 s for 16 MB); now the lines are joined once."""
    text = "问题\n" + "第二行\n" * 50_000 + "A. 是\nB. 否\nANSWER: A\n"
    result = parsers.parse_aiken(text)
    assert result.errors == [] and result.questions[0]["stem"].count("\n") == 50_000


def test_aiken_stops_at_the_question_limit_like_gift(monkeypatch):
    monkeypatch.setattr(parsers, "MAX_QUESTIONS", 2)
    result = parsers.parse_aiken(
        "Q1\nA. a\nB. b\nANSWER: A\n\nQ2\nA. a\nB. b\nANSWER: B\n\nQ3\nA. a\nB. b\nANSWER: A\n"
    )
    assert len(result.questions) == 2 and "Too many questions" in result.errors[0]["message"]


# ---------------------------------------------------------------------------------------------------------------
# The page and the API


HOSTILE = [
    ("xlsx", bombs.dimension_bomb, "more than 100000 rows"),
    ("xlsx", lambda: bombs.zip_bomb(200 * MB), "unpacks to more than 100 MB"),
    ("xlsx", lambda: bombs.shared_strings_bomb(100_001), "more than 100000 different texts"),
    ("csv", lambda: bombs.question_csv(100_001).encode(), "more than 100000 rows"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("fmt", "build", "message"), HOSTILE, ids=["dimension", "zip", "strings", "csv-rows"])
def test_the_import_page_shows_the_refusal_next_to_the_file(client_for, trainer, fmt, build, message):
    upload = SimpleUploadedFile(f"questions.{fmt}", build())
    response = client_for(trainer).post(
        reverse("assessments:import"), {"file": upload, "format": fmt}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200 and message in response.context["form"].errors["file"][0]
    assert not QuestionImport.objects.exists() and not Question.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("fmt", "build", "message"), HOSTILE, ids=["dimension", "zip", "strings", "csv-rows"])
def test_the_import_api_answers_400_with_the_refusal(api_for, trainer, fmt, build, message):
    data = {"file": SimpleUploadedFile(f"questions.{fmt}", build()), "format": fmt}
    response = api_for(trainer).post("/api/v1/questions/import/", data, format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "file_rejected" and message in error["message"]
    assert not QuestionImport.objects.exists() and not Question.objects.exists()
