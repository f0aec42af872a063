"""Ids read from a request: digits that fit a primary key, or nothing.

A BigAutoField (and SQLite's INTEGER) holds at most 2**63 - 1; a larger number typed into a query string or a form
is no id of any row, and SQLite cannot even bind it (OverflowError, a 500). Pages read ids from requests through
`parse_id`, so such a value is treated like any other unknown id.
"""

from collections.abc import Iterable

MAX_ID = 2**63 - 1  # the largest primary key a BigAutoField (and SQLite) can hold


def parse_id(raw) -> int | None:
    """The id in `raw` (a str of ASCII digits, or an int), when 0 < id <= MAX_ID; else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.isascii() and raw.isdigit():
        value = int(raw)
    else:
        return None
    return value if 0 < value <= MAX_ID else None


def parse_ids(values: Iterable) -> list[int]:
    """The ids among `values`, in order, without repeats; values that are no id are left out."""
    return list(dict.fromkeys(i for i in (parse_id(v) for v in values) if i is not None))
