"""A minimal streaming XLSX writer for large exports: one sheet, a bold header row, text and number cells.

openpyxl (used elsewhere for reading and for small files) needs minutes for 500,000 rows x 12 columns even in
`write_only` mode. Here each row arrives as rendered XML (the export renders it in SQL) and is streamed into the
zip entry (see tests/bench/bench_export.py). The file is a plain SpreadsheetML workbook with inline strings;
Excel, WPS, LibreOffice and openpyxl open it.
"""

import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

# Characters XML 1.0 does not allow (control characters other than tab, newline, carriage return).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name={name} sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
# Style 0: normal; style 1: bold (the header row).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
    'state="frozen"/></sheetView></sheetViews><sheetData>'
)
_SHEET_END = "</sheetData></worksheet>"


def _text(value) -> str:
    if value is None or value == "":
        return "<c/>"
    return f'<c t="inlineStr"><is><t xml:space="preserve">{escape(_ILLEGAL.sub("", str(value)))}</t></is></c>'


def _number(value) -> str:
    if value is None or value == "":
        return "<c/>"
    return f"<c><v>{value}</v></c>"


def row_xml(values: Sequence, kinds: Sequence[str]) -> str:
    """One `<row>` rendered in Python; kinds: "s" text, "n" number (None leaves the cell empty). On PostgreSQL
    the exports render the same markup in SQL instead (dashboards.exports.XlsxRow)."""
    cells = [_number(v) if k == "n" else _text(v) for v, k in zip(values, kinds, strict=True)]
    return "<row>" + "".join(cells) + "</row>"


def write_xlsx(
    out: BinaryIO, *, sheet: str, header: Sequence[str], rows: Iterable[str] | Callable[[BinaryIO], None]
) -> None:
    """Write a one-sheet workbook to the binary file `out`: a bold, frozen header row, then `rows`, each a
    rendered `<row>...</row>` (or several of them joined), or a function that writes the rendered rows (UTF-8)
    into the sheet's binary stream itself."""
    sheet_name = _ILLEGAL.sub("", sheet).translate({ord(c): " " for c in "[]:*?/\\"})[:31] or "Sheet1"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK.format(name=quoteattr(sheet_name)))
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            head = "".join(_text(h).replace("<c ", '<c s="1" ', 1) for h in header)
            f.write(f"{_SHEET_START}<row>{head}</row>".encode())
            if callable(rows):
                rows(f)
            else:
                for chunk in rows:
                    f.write(chunk.encode())
            f.write(_SHEET_END.encode())
