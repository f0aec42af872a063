"""Hostile and large import files, built from their parts (shared by the tests and tests/bench/bench_import_limits.py).

An .xlsx is a zip of XML parts; `xlsx_from_parts` writes the few parts openpyxl needs, so a test can put anything in
the worksheet or the shared strings: a claimed dimension of A1:XFD1048576, a million shared strings, a part of
megabytes of spaces that deflate squeezes to a few kilobytes.
"""

import io
import zipfile
from xml.sax.saxutils import escape

from openpyxl import Workbook

from assessments.parsers import TEMPLATE_COLUMNS

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="试题" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    '<Relationship Id="rId2" Target="sharedStrings.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    "</Relationships>"
)

QUESTION_HEADER = ["题型", "题干", "答案"]
QUESTION_ROW = ["判断", "客户说太贵了，应先降价。", "错"]
# The template's columns after 题型 and 题干: options A to F, answer, explanation, category, difficulty, competency, tags
_CHOICES = ["立刻降价", "先了解客户比较的对象", "结束拜访", "转移话题", "", "", "B", "先弄清异议背后的真实原因。"]
_CHOICES += ["sales-skills", "2", "ability", "异议处理"]


def xlsx_from_parts(
    *, sheet: bytes | str, shared_strings: bytes | str | None = None, extra: dict | None = None
) -> bytes:
    """A workbook whose first sheet is `sheet` (the whole worksheet XML), with `shared_strings` as
    xl/sharedStrings.xml and `extra` parts ({name: bytes}), every part deflated at the strongest level."""
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _RELS,
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": shared_strings if shared_strings is not None else f'<sst xmlns="{MAIN}"/>',
        **(extra or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def _inline_row(number: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>' for i, v in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def worksheet(rows: list[list[str]], *, dimension: str | None = None, tail: str = "") -> str:
    """Worksheet XML with `rows` as inline strings; `dimension` is the range the sheet claims to use (any, true or
    not); `tail`: raw XML added inside sheetData after the rows."""
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(_inline_row(n, values) for n, values in enumerate(rows, start=1))
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{head}<sheetData>{body}{tail}</sheetData></worksheet>'


def dimension_bomb() -> bytes:
    """A two-row question sheet that claims to use every cell Excel has (A1:XFD1048576), and whose only other cell is
    the last one, XFD1048576: openpyxl's read-only mode pads every row to the claimed width, and yields each of the
    million missing rows in between. About 1.5 KB."""
    last = '<row r="1048576"><c r="XFD1048576"/></row>'
    return xlsx_from_parts(sheet=worksheet([QUESTION_HEADER, QUESTION_ROW], dimension="A1:XFD1048576", tail=last))


def claimed_dimension(last_row: int) -> bytes:
    """The dimension bomb with its last cell at row `last_row` (within the row limit): it is read, and each row read
    would be 16,384 cells wide (128 KB) were the claim believed."""
    last = f'<row r="{last_row}"><c r="XFD{last_row}"/></row>'
    return xlsx_from_parts(sheet=worksheet([QUESTION_HEADER, QUESTION_ROW], dimension="A1:XFD1048576", tail=last))


def shared_strings_bomb(count: int) -> bytes:
    """A two-row sheet and `count` distinct shared strings (none of them used)."""
    strings = "".join(f"<si><t>{i}</t></si>" for i in range(count))
    sst = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{count}" uniqueCount="{count}">{strings}</sst>'
    return xlsx_from_parts(sheet=worksheet([QUESTION_HEADER, QUESTION_ROW]), shared_strings=sst)


def zip_bomb(uncompressed: int) -> bytes:
    """A two-row sheet padded with `uncompressed` bytes of spaces (valid XML whitespace): deflate keeps about one
    byte in a thousand, so 200 MB travel in 200 KB."""
    sheet = worksheet([QUESTION_HEADER, QUESTION_ROW]).encode()
    at = sheet.index(b"</sheetData>")
    return xlsx_from_parts(sheet=sheet[:at] + b" " * uncompressed + sheet[at:])


def wide_row_bomb(cells: int) -> bytes:
    """A two-row sheet whose third row holds `cells` empty cells, one per column from A on (16,384, column XFD, is
    Excel's widest; a cell without a reference takes the next column)."""
    tail = '<row r="3">' + "<c/>" * cells + "</row>"
    return xlsx_from_parts(sheet=worksheet([QUESTION_HEADER, QUESTION_ROW], tail=tail))


def far_row_bomb(row: int) -> bytes:
    """A two-row sheet with one more, empty, row numbered `row` (openpyxl pads every row in between)."""
    return xlsx_from_parts(
        sheet=worksheet([QUESTION_HEADER, QUESTION_ROW], tail=f'<row r="{row}"><c r="A{row}"/></row>')
    )


def number_sheet(rows: int, columns: int) -> bytes:
    """A template header and `rows` rows of `columns` numbers each (no question in them: every row is read, and is
    an error): a sheet at the limits on rows and cells."""
    body = "".join(
        f'<row r="{r}">' + "".join(f"<c><v>{r * columns + c}</v></c>" for c in range(columns)) + "</row>"
        for r in range(2, rows + 2)
    )
    header = worksheet([QUESTION_HEADER])
    return xlsx_from_parts(sheet=header.replace("</sheetData>", body + "</sheetData>"))


def styles_bomb(entries: int) -> bytes:
    """A two-row sheet and a style sheet of `entries` cell formats (openpyxl builds a tree of the style sheet)."""
    styles = f'<styleSheet xmlns="{MAIN}"><cellXfs count="{entries}">' + "<xf/>" * entries + "</cellXfs></styleSheet>"
    return xlsx_from_parts(sheet=worksheet([QUESTION_HEADER, QUESTION_ROW]), extra={"xl/styles.xml": styles})


def question_csv(rows: int) -> str:
    """The question template as CSV: a header and `rows` true/false questions."""
    lines = [",".join(QUESTION_HEADER)] + [f"判断,第{i}题：客户说太贵了，应先降价。,错" for i in range(rows)]
    return "\n".join(lines) + "\n"


def question_xlsx(rows: int) -> bytes:
    """A legitimate question workbook written by openpyxl: the full template header and `rows` choice questions."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(TEMPLATE_COLUMNS)
    for i in range(rows):
        sheet.append(["单选", f"第{i}题：客户说“太贵了”，第一步最合适的做法是？", *_CHOICES])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def people_csv(rows: int) -> bytes:
    """A people CSV of `rows` salespeople in 150 teams (UTF-8)."""
    lines = ["工号,姓名,邮箱,团队,角色"]
    lines += [
        f"S{i:07d},张伟{i},s{i}@example.com,区域{i % 3}/部门{(i // 3) % 5}/{(i // 15) % 10}组,销售" for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def people_csv_short(rows: int) -> bytes:
    """A people CSV of `rows` rows as short as rows can be (number, name, no e-mail, team): a million in 12 MB."""
    return ("工号,姓名,邮箱,团队\n" + "".join(f"{i},n,,t\n" for i in range(rows))).encode()
