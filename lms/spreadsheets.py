"""Rows written to an openpyxl worksheet keep their types: text stays text, numbers stay numbers, dates stay dates.

openpyxl turns any string that starts with "=" into a formula cell when it is assigned, so a question stem, an option
or a tag such as `=HYPERLINK("http://…","点此")` would be exported as a live formula (clicked in Excel or WPS, and
read back as its cached value, or as nothing, by an import). `append_row` writes such strings as text. The dashboards'
streaming writer (dashboards.xlsx_stream) only ever writes inline strings and numbers, so it needs no such care.
"""

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def append_row(sheet, values: Sequence) -> None:
    """Append `values` as one row: str as text (never a formula), int/float/Decimal as numbers, date and datetime
    as dates with a date format (an aware datetime in the site's time zone, without the zone, as Excel wants)."""
    sheet.append([_plain(v) for v in values])
    for cell in sheet[sheet.max_row]:
        value = cell.value
        if isinstance(value, str):
            cell.data_type = "s"  # what openpyxl made "f" for a leading "=" is written as the text it is
        elif isinstance(value, dt.datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, dt.date):
            cell.number_format = DATE_FORMAT


def _plain(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value
