"""Limits that hold before an import is parsed (issue 18): every upload that reads a spreadsheet or a CSV checks them
first, so a small file cannot make a worker parse a million rows or unpack gigabytes.

- CSV and text files: at most `IMPORT_MAX_ROWS` rows (besides a header) and `IMPORT_MAX_CELLS` values, counted on the
  decoded text without building its rows (`check_csv`, `check_text_lines`).
- Excel (.xlsx, a zip of XML parts), before openpyxl opens it (`check_xlsx`): at most `XLSX_MAX_PARTS` parts, unpacked
  size at most `IMPORT_MAX_UNCOMPRESSED_BYTES` (the sizes the zip declares bound what it can unpack to: Python's zipfile
  stops there and refuses the part on its checksum), no part packed more tightly than `XLSX_MAX_RATIO` to 1 (what
  deflate gives runs of one byte; the 5,000-question workbook openpyxl writes is 22 to 1); then every XML part is streamed once through expat,
  without keeping it, counting rows (numbered as openpyxl numbers them), cells and shared strings against
  `IMPORT_MAX_ROWS`, `IMPORT_MAX_CELLS` and `IMPORT_MAX_SHARED_STRINGS`. What openpyxl keeps while it reads is bounded
  too: a row or a string of at most `XLSX_MAX_ROW_ELEMENTS` elements (Excel's 16,384 columns with their values),
  at most `XLSX_MAX_OTHER_ELEMENTS` elements outside rows and strings in each part (styles, the workbook; openpyxl
  builds a tree of those parts), no text run longer than `XML_MAX_TEXT_RUN` characters (a cell holds at most 32,767)
  and no DTD (entities).

The limits are settings (from the environment, lms/settings/base.py) read on each call. A file over a limit raises
`LimitExceeded`, whose message names the limit and tells a trainer what to do (split the file); each importer turns
it into its own refusal. docs/operations.md lists the settings; tests/bench/bench_import_limits.py measures them.
"""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from itertools import islice
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

XLSX_MAX_PARTS = 1000
XLSX_MAX_RATIO = 200
XLSX_RATIO_FROM_BYTES = 1024 * 1024  # small parts may be packed tightly (an empty sheet is all markup)
XLSX_MAX_COLUMNS = 16384  # Excel's widest sheet, A to XFD
XLSX_MAX_ROW_ELEMENTS = 4 * XLSX_MAX_COLUMNS  # a cell, its value, an inline string and its text
XLSX_MAX_OTHER_ELEMENTS = 100_000
XML_MAX_TEXT_RUN = 1024 * 1024
_READ_CHUNK = 64 * 1024
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW, _CELL, _STRING = f"{_MAIN} row", f"{_MAIN} c", f"{_MAIN} si"
_OVERRIDE = "http://schemas.openxmlformats.org/package/2006/content-types Override"
_CONTENT_TYPES = "[Content_Types].xml"
_CENTRAL_DIRECTORY_ENTRY = b"PK\x01\x02"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


class LimitExceeded(Exception):
    """The file is over an import limit, or is not a workbook a spreadsheet program could have written."""


def _damaged() -> LimitExceeded:
    return LimitExceeded(_("The Excel file could not be opened; it may be damaged or password-protected."))


def _too_many_rows(limit: int) -> LimitExceeded:
    return LimitExceeded(
        _(
            "The file has more than %(max)s rows, the most one import takes. Split it into files of at most %(max)s "
            "rows and import them one after another."
        )
        % {"max": limit}
    )


def _too_many_cells(limit: int) -> LimitExceeded:
    return LimitExceeded(
        _(
            "The file has more than %(max)s cells, the most one import takes. Delete the columns and sheets the "
            "import does not use, or split the file into smaller ones."
        )
        % {"max": limit}
    )


# ---------------------------------------------------------------------------------------------------------------
# CSV and text


def _line_count(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1


def check_text_lines(text: str) -> None:
    """A text import (GIFT, Aiken) of at most IMPORT_MAX_ROWS lines."""
    limit = settings.IMPORT_MAX_ROWS
    if _line_count(text) > limit:
        raise LimitExceeded(
            _(
                "The file has more than %(max)s lines, the most one import takes. Split it into smaller files and "
                "import them one after another."
            )
            % {"max": limit}
        )


def _lines_with_ends(text: str) -> Iterator[str]:
    """The text's lines with their line breaks, one at a time, for csv.reader (io.StringIO would copy the text, at
    four bytes a character once one is outside Latin-1)."""
    for match in _LINE.finditer(text):
        yield match.group()


def check_csv(text: str, *, delimiter: str = ",") -> None:
    """A CSV of at most IMPORT_MAX_ROWS rows after its header, and at most IMPORT_MAX_CELLS values. The rows are
    counted by line breaks, and, only when there are more line breaks than rows allowed and a quoted value may span
    lines, by reading the rows one at a time without keeping them; the values by their separators (a separator
    inside quotes counts too: an upper bound, and the only count that does not need a row in memory, where one row
    could hold millions)."""
    limit = settings.IMPORT_MAX_ROWS
    rows = _line_count(text) - (1 if text.endswith(("\n", "\r")) else 0)  # as csv.reader counts, blank lines too
    if rows > limit + 1 and '"' not in text:
        raise _too_many_rows(limit)
    cells = settings.IMPORT_MAX_CELLS
    if text.count(delimiter) >= cells:
        raise _too_many_cells(cells)
    if rows <= limit + 1:
        return
    reader = csv.reader(_lines_with_ends(text), delimiter=delimiter)
    try:
        rows = sum(1 for _row in islice(reader, limit + 2))
    except csv.Error:
        return  # the importer reads the file again and names the bad line
    if rows > limit + 1:
        raise _too_many_rows(limit)


# ---------------------------------------------------------------------------------------------------------------
# Excel


class _PartScan:
    """Streams one XML part through expat and counts what openpyxl would keep or read; raises at the first limit."""

    def __init__(self, totals: dict, limits: dict):
        self.totals, self.limits = totals, limits
        self.depth = 0
        self.unit_depth = 0  # depth of the row or shared string being read, 0 outside one
        self.unit_elements = 0
        self.other_elements = 0
        self.row_counter = 0
        self.text_run = 0
        self.part_names: set[str] = set()  # in [Content_Types].xml: the parts named with their kind
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.buffer_size = _READ_CHUNK
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        parser.StartDoctypeDeclHandler = self.doctype
        self.parser = parser

    def feed(self, data: bytes, final: bool = False) -> None:
        self.parser.Parse(data, final)

    def doctype(self, *args) -> None:
        raise _damaged()  # Excel writes no DTD; one could declare entities

    def text(self, data: str) -> None:
        self.text_run += len(data)
        if self.text_run > XML_MAX_TEXT_RUN:
            raise _damaged()

    def start(self, name: str, attributes: dict) -> None:
        self.depth += 1
        self.text_run = 0
        if self.unit_depth:
            self.unit_elements += 1
            if self.unit_elements > XLSX_MAX_ROW_ELEMENTS:
                raise LimitExceeded(
                    _(
                        "A row of the sheet holds more than %(max)s cells, more than Excel allows: the file is damaged "
                        "or was not saved by a spreadsheet program. Save it again from Excel, or use the CSV template."
                    )
                    % {"max": XLSX_MAX_COLUMNS}
                )
            if name == _CELL:
                self._count("cells", _too_many_cells)
            return
        if name == _OVERRIDE:
            self.part_names.add(attributes.get("PartName", ""))
        if name == _ROW:
            self._row(attributes.get("r"))
        elif name == _STRING:
            self._count("strings", self._too_many_strings)
        else:
            self.other_elements += 1
            if self.other_elements > XLSX_MAX_OTHER_ELEMENTS:
                raise self._too_many_other()
            return
        self.unit_depth, self.unit_elements = self.depth, 0

    def end(self, name: str) -> None:
        if self.depth == self.unit_depth:
            self.unit_depth = 0
        self.depth -= 1
        self.text_run = 0

    def _count(self, key: str, refusal) -> None:
        self.totals[key] += 1
        if self.totals[key] > self.limits[key]:
            raise refusal(self.limits[key])

    def _row(self, number: str | None) -> None:
        """Rows numbered as openpyxl numbers them (worksheet/_reader.py, parse_row): `r`, else the previous one + 1;
        openpyxl yields every missing row before a row, so the highest number is the count of rows read."""
        if number is None:
            self.row_counter += 1
        else:
            try:
                self.row_counter = int(number)
            except ValueError:
                try:
                    value = float(number)
                except ValueError:
                    raise _damaged() from None
                if not value.is_integer():
                    raise _damaged() from None
                self.row_counter = int(value)
        if self.row_counter > self.limits["rows"] + 1:  # the header row besides
            raise _too_many_rows(self.limits["rows"])

    @staticmethod
    def _too_many_strings(limit: int) -> LimitExceeded:
        return LimitExceeded(
            _(
                "The workbook holds more than %(max)s different texts, the most one import takes. Split it into "
                "smaller files and import them one after another."
            )
            % {"max": limit}
        )

    @staticmethod
    def _too_many_other() -> LimitExceeded:
        return LimitExceeded(
            _(
                "The workbook holds more than %(max)s styles or other entries besides its cells, the most one import "
                "takes. Copy the cells into a new workbook (paste values only) and import that."
            )
            % {"max": XLSX_MAX_OTHER_ELEMENTS}
        )


def _looks_like_xml(head: bytes) -> bool:
    """What an XML parser could read (after any byte order mark and white space, in any encoding): the rest, pictures
    and other binary parts, openpyxl cannot parse either."""
    return head.lstrip(b"\x00\t\n\r \xef\xbb\xbf\xfe\xff")[:1] == b"<"


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, totals: dict, limits: dict, declared: set) -> None:
    """Raise at the first limit the part goes over. A part that is not well-formed XML is refused as damaged,
    except a legacy drawing (.vml, cell comments' shapes, which Excel writes loosely) that is not named in
    [Content_Types].xml as another kind of part: openpyxl's read-only mode never reads one. (The parts openpyxl reads
    with expat, sheets and shared strings, stop where the scan stopped; those it reads with lxml could go further.)"""
    with archive.open(info) as part:
        chunk = part.read(_READ_CHUNK)
        if not _looks_like_xml(chunk):
            return
        scan = _PartScan(totals, limits)
        try:
            while chunk:
                scan.feed(chunk)
                chunk = part.read(_READ_CHUNK)
            scan.feed(b"", True)
        except expat.ExpatError:
            if not (info.filename.lower().endswith(".vml") and "/" + info.filename not in declared):
                raise
        declared.update(scan.part_names)


def check_xlsx(data: bytes) -> None:
    """Refuse a workbook over a limit before openpyxl opens it (see the module's docstring). `data` is a zip file."""
    if data.count(_CENTRAL_DIRECTORY_ENTRY) > XLSX_MAX_PARTS:  # before zipfile builds an object per entry
        raise _too_many_parts()
    limits = {
        "rows": settings.IMPORT_MAX_ROWS,
        "cells": settings.IMPORT_MAX_CELLS,
        "strings": settings.IMPORT_MAX_SHARED_STRINGS,
    }
    unpacked_limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > XLSX_MAX_PARTS:
                raise _too_many_parts()
            if sum(info.file_size for info in parts) > unpacked_limit:
                raise LimitExceeded(
                    _(
                        "The workbook unpacks to more than %(max)s MB, the most one import takes. Delete the sheets, "
                        "pictures and formatting the import does not use, or split it into smaller files."
                    )
                    % {"max": unpacked_limit // (1024 * 1024)}
                )
            for info in parts:
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > XLSX_RATIO_FROM_BYTES and ratio > XLSX_MAX_RATIO:
                    raise LimitExceeded(
                        _(
                            "This workbook is packed unusually tightly (a part unpacks to %(ratio)s times its size), "
                            "as files made to overload a server are. Save it again from Excel, or use the CSV "
                            "template."
                        )
                        % {"ratio": int(ratio)}
                    )
            totals, declared = {"cells": 0, "strings": 0}, set()
            for info in sorted(parts, key=lambda info: info.filename != _CONTENT_TYPES):  # the part names first
                if not info.is_dir():
                    _scan_part(archive, info, totals, limits, declared)
    except LimitExceeded:
        raise
    except (zipfile.BadZipFile, zlib.error, expat.ExpatError, EOFError, OSError, ValueError):
        raise _damaged() from None  # a part whose checksum or deflate data is wrong, or not well-formed XML
    except (NotImplementedError, RuntimeError):
        raise _damaged() from None  # a packing method zipfile lacks, or a password


def _too_many_parts() -> LimitExceeded:
    return LimitExceeded(
        _(
            "The workbook has more than %(max)s parts (sheets, pictures and other contents), the most one import "
            "takes. Copy the cells into a new workbook and import that, or use the CSV template."
        )
        % {"max": XLSX_MAX_PARTS}
    )
