"""lms.import_limits: the limits every import checks before parsing (issue 18), on files built to go over them."""

import io
import tracemalloc
import zipfile

import pytest
from django.utils import translation

from lms import import_limits
from lms.import_limits import LimitExceeded, check_csv, check_text_lines, check_xlsx
from tests import import_bombs as bombs


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def small_limits(settings):
    settings.IMPORT_MAX_ROWS = 50
    settings.IMPORT_MAX_CELLS = 400
    settings.IMPORT_MAX_SHARED_STRINGS = 30
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    return settings


def _rows_csv(rows: int) -> str:
    return "a,b\n" + "".join(f"{i},x\n" for i in range(rows))


def test_a_csv_of_as_many_rows_as_allowed_passes_and_one_more_is_refused(small_limits):
    check_csv(_rows_csv(50))
    with pytest.raises(LimitExceeded, match="more than 50 rows.*Split it"):
        check_csv(_rows_csv(51))


def test_blank_lines_count_as_rows(small_limits):
    with pytest.raises(LimitExceeded, match="more than 50 rows"):
        check_csv("a,b\n" + "\n" * 60)


def test_quoted_values_spanning_lines_are_one_row_each(small_limits):
    text = "a,b\n" + "".join(f'{i},"line one\nline two\r\nline three"\n' for i in range(50))
    check_csv(text)  # 151 lines, 51 rows
    with pytest.raises(LimitExceeded, match="more than 50 rows"):
        check_csv(text + '50,"x\ny"\n')


def test_a_csv_of_too_many_values_is_refused_even_on_one_row(small_limits):
    check_csv("a," * 399)
    with pytest.raises(LimitExceeded, match="more than 400 cells"):
        check_csv("a," * 400)
    with pytest.raises(LimitExceeded, match="more than 400 cells"):
        check_csv("a\tb\n" + "x\t" * 400, delimiter="\t")


def test_a_damaged_csv_is_left_to_the_importer_to_name_its_line(small_limits, settings):
    settings.IMPORT_MAX_ROWS = 2
    check_csv('a\n"never closed\nb\nc\n')  # csv.Error while counting: the importer's own message names the line


def test_text_lines(small_limits):
    check_text_lines("x\n" * 49)
    with pytest.raises(LimitExceeded, match="more than 50 lines"):
        check_text_lines("x\r\n" * 50 + "x")
    with pytest.raises(LimitExceeded, match="more than 50 lines"):
        check_text_lines("x\r" * 50)


# ---------------------------------------------------------------------------------------------------------------
# Excel


def test_a_legitimate_workbook_passes():
    check_xlsx(bombs.question_xlsx(200))
    check_xlsx(bombs.claimed_dimension(5002))  # what a sheet claims about its size is not a limit


def test_rows_are_counted_as_openpyxl_numbers_them(small_limits):
    """openpyxl yields every missing row up to a row's number, and numbers a row without `r` after the previous."""
    check_xlsx(bombs.far_row_bomb(51))  # the header and 50 rows
    with pytest.raises(LimitExceeded, match="more than 50 rows"):
        check_xlsx(bombs.far_row_bomb(52))
    numbered_after = bombs.worksheet([bombs.QUESTION_HEADER], tail='<row r="50"/><row/><row/>')
    with pytest.raises(LimitExceeded, match="more than 50 rows"):
        check_xlsx(bombs.xlsx_from_parts(sheet=numbered_after))
    with pytest.raises(LimitExceeded, match="damaged"):
        check_xlsx(bombs.xlsx_from_parts(sheet=bombs.worksheet([], tail='<row r="1.5"/>')))


def test_the_dimension_bomb_is_refused_by_its_last_row():
    with pytest.raises(LimitExceeded, match="more than 100000 rows"):
        check_xlsx(bombs.dimension_bomb())


def test_cells_are_counted_over_every_sheet(small_limits):
    rows = [["x"] * 10 for _ in range(40)]
    check_xlsx(bombs.xlsx_from_parts(sheet=bombs.worksheet(rows)))
    with pytest.raises(LimitExceeded, match="more than 400 cells"):
        check_xlsx(bombs.xlsx_from_parts(sheet=bombs.worksheet(rows + [["x"]])))
    second = {"xl/worksheets/sheet2.xml": bombs.worksheet([["x"]])}
    with pytest.raises(LimitExceeded, match="more than 400 cells"):
        check_xlsx(bombs.xlsx_from_parts(sheet=bombs.worksheet(rows), extra=second))


def test_shared_strings(small_limits):
    check_xlsx(bombs.shared_strings_bomb(30))
    with pytest.raises(LimitExceeded, match="more than 30 different texts"):
        check_xlsx(bombs.shared_strings_bomb(31))


def test_a_row_wider_than_excel_allows_is_refused():
    check_xlsx(bombs.wide_row_bomb(16384))
    with pytest.raises(LimitExceeded, match="more than 16384 cells, more than Excel allows"):
        check_xlsx(bombs.wide_row_bomb(4 * 16384 + 1))


def test_unpacked_size_and_packing_ratio(small_limits):
    check_xlsx(bombs.zip_bomb(1_000_000))  # under 1 MiB: small parts may pack tightly (an empty sheet does)
    with pytest.raises(LimitExceeded, match="packed unusually tightly"):
        check_xlsx(bombs.zip_bomb(1024 * 1024 + 100_000))
    with pytest.raises(LimitExceeded, match="unpacks to more than 2 MB"):
        check_xlsx(bombs.zip_bomb(3 * 1024 * 1024))


def test_a_zip_that_lies_about_its_sizes_is_refused_as_damaged():
    data = bytearray(bombs.xlsx_from_parts(sheet=bombs.worksheet([["题型"]] * 200)))
    # The sheet's entry in the central directory (its name is 46 bytes after the entry's start) says it unpacks to
    # 100 bytes: zipfile stops there, and the checksum fails.
    at = data.rindex(b"xl/worksheets/sheet1.xml") - 46
    assert data[at : at + 4] == b"PK\x01\x02"
    data[at + 24 : at + 28] = (100).to_bytes(4, "little")
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size == 100
    with pytest.raises(LimitExceeded, match="damaged"):
        check_xlsx(bytes(data))


def test_too_many_parts():
    extra = {f"xl/media/image{i}.png": b"\x89PNG" for i in range(import_limits.XLSX_MAX_PARTS)}
    with pytest.raises(LimitExceeded, match="more than 1000 parts"):
        check_xlsx(bombs.xlsx_from_parts(sheet=bombs.worksheet([]), extra=extra))


def test_styles_and_other_trees_are_bounded():
    styles = f'<styleSheet xmlns="{bombs.MAIN}"><cellXfs>' + "<xf/>" * 100_000 + "</cellXfs></styleSheet>"
    with pytest.raises(LimitExceeded, match="more than 100000 styles or other entries"):
        check_xlsx(bombs.xlsx_from_parts(sheet=bombs.worksheet([]), extra={"xl/styles.xml": styles}))


@pytest.mark.parametrize(
    "part",
    [
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',  # entities
        f'<worksheet xmlns="{bombs.MAIN}"><sheetData><row><c><v>'
        + "".join(map(str, range(200_000)))
        + "</v></c></row>",  # 1.1 M digits
        '<?xml version="1.0" encoding="GBK"?><styleSheet/>',  # lxml reads what expat cannot: no tree unchecked
        "<styleSheet><unclosed></styleSheet>",
    ],
    ids=["dtd", "text-run", "unknown-encoding", "not-well-formed"],
)
def test_parts_openpyxl_could_read_differently_are_refused_as_damaged(part):
    with pytest.raises(LimitExceeded, match="damaged"):
        check_xlsx(bombs.xlsx_from_parts(sheet=bombs.worksheet([]), extra={"xl/styles.xml": part}))


def test_a_loose_legacy_drawing_is_ignored_unless_named_as_another_part():
    vml = "<xml><v:shape><br></v:shape></xml>"  # Excel's comment shapes are not always well-formed
    check_xlsx(bombs.xlsx_from_parts(sheet=bombs.worksheet([]), extra={"xl/drawings/vmlDrawing1.vml": vml}))
    types = bombs._CONTENT_TYPES.replace("</Types>", '<Override PartName="/xl/drawings/vmlDrawing1.vml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')  # fmt: skip
    extra = {"xl/drawings/vmlDrawing1.vml": vml, "[Content_Types].xml": types}
    with pytest.raises(LimitExceeded, match="damaged"):
        check_xlsx(bombs.xlsx_from_parts(sheet=bombs.worksheet([]), extra=extra))


def test_pictures_and_other_binary_parts_are_not_parsed():
    extra = {"xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10}
    check_xlsx(bombs.xlsx_from_parts(sheet=bombs.worksheet([]), extra=extra))


def test_checking_a_bomb_takes_a_few_megabytes_at_most():
    for data in (bombs.dimension_bomb(), bombs.shared_strings_bomb(200_000), bombs.wide_row_bomb(100_000)):
        tracemalloc.start()
        try:
            with pytest.raises(LimitExceeded):
                check_xlsx(data)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 10 * 1024 * 1024
