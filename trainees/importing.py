"""People CSV: decode, parse and validate. Pure: no writes; the only database read is the optional
`lookup_employee_nos` callback that tells which manager numbers exist outside the file.

Columns (English or Chinese header names, any order): employee_no/工号, name/姓名, email/邮箱, team/团队
(a path such as `华东区/上海/一组`), roles/角色 (`salesperson`, `manager;trainer`, or Chinese labels), and
manager_no/经理工号 (that person becomes a manager of this row's team). Line numbers count the header as 1.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms import import_limits
from lms.roles import ROLE_ALIASES, SALESPERSON

TEAM_SEPARATOR = "/"
EMPLOYEE_NO_MAX = 40
NAME_MAX = 100
EMAIL_MAX = 254
TEAM_NAME_MAX = 100
TEAM_PATH_MAX = 400
TEAM_DEPTH_MAX = 6
EMPLOYEE_NO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ROLE_SPLIT_RE = re.compile(r"[;；,，、|\s]+")

# Canonical column -> accepted header names (compared case-insensitively, spaces and underscores ignored).
COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_no": ("employee_no", "employeeno", "employee number", "工号", "员工编号", "员工工号"),
    "name": ("name", "display_name", "姓名", "名字"),
    "email": ("email", "e-mail", "邮箱", "电子邮箱", "电子邮件"),
    "team": ("team", "team path", "team_path", "团队", "团队路径", "部门"),
    "roles": ("roles", "role", "角色"),
    "manager_no": ("manager_no", "manager employee_no", "manager_employee_no", "manager", "经理工号", "上级工号"),
}
REQUIRED_COLUMNS = ("employee_no", "name", "team")
COLUMN_LABELS = {
    "employee_no": gettext_lazy("Employee number"),
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("E-mail"),
    "team": gettext_lazy("Team"),
    "roles": gettext_lazy("Roles"),
    "manager_no": gettext_lazy("Manager's employee number"),
}


def _norm_header(value: str) -> str:
    return re.sub(r"[\s_]+", "", value.strip().lower())


_HEADER_LOOKUP = {_norm_header(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


@dataclass(frozen=True)
class RowError:
    line: int  # 0 for a problem with the whole file
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}

    @property
    def column_label(self) -> str:
        return str(COLUMN_LABELS.get(self.column, self.column))

    def __str__(self) -> str:
        if self.line == 0:
            return self.message
        where = _("line %(line)s") % {"line": self.line}
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class PersonRow:
    line: int
    employee_no: str
    name: str
    email: str
    team_path: tuple[str, ...]
    roles: frozenset[str] | None  # None: column empty (new people become salespeople, others keep theirs)
    manager_no: str

    @property
    def team_key(self) -> str:
        return TEAM_SEPARATOR.join(self.team_path)


@dataclass
class ParseResult:
    rows: list[PersonRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    encoding: str = ""
    manager_refs: list[tuple[int, str]] = field(default_factory=list)  # (line, manager_no), invalid rows too

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def add(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))


class FileRejected(Exception):
    """The file as a whole cannot be read (too big, empty, binary, unknown encoding, no header)."""


def decode(content: bytes, *, legacy: tuple[str, ...] = ("gbk",)) -> tuple[str, str]:
    """bytes -> (text, encoding). UTF-8 with or without BOM, else GBK (what Excel in China saves).

    The project's one CSV/text decoder. `legacy`: the encodings tried after UTF-8, in order (the question import
    adds GB18030 for CSV, and passes none for its UTF-8-only text formats)."""
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise FileRejected(
            _("The file is too large (%(size)s bytes); the limit is %(limit)s bytes.")
            % {"size": len(content), "limit": settings.IMPORT_MAX_BYTES}
        )
    if not content.strip():
        raise FileRejected(_("The file is empty."))
    if content[:4] == b"PK\x03\x04" or content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileRejected(_("This is an Excel workbook or an archive, not a CSV file. In Excel, save it as CSV."))
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise FileRejected(_('The file is UTF-16 (Excel\'s "Unicode text"). Save it as "CSV UTF-8" instead.'))
    if b"\x00" in content[:8192]:
        raise FileRejected(_("This is not a CSV file (it contains binary data). Save it as CSV (UTF-8 or GBK)."))
    nul = content.find(b"\x00")
    if nul >= 0:  # further down: a damaged file (a NUL byte cannot be stored in PostgreSQL text)
        raise FileRejected(
            _("Line %(line)s contains a NUL byte (binary data); the file may be damaged. Save it as CSV again.")
            % {"line": content.count(b"\n", 0, nul) + 1}
        )
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        try:
            return content.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        for encoding in legacy:
            try:
                return content.decode(encoding), encoding
            except UnicodeDecodeError:
                pass
    raise FileRejected(_("The file's text encoding is neither UTF-8 nor GBK. Save it as CSV (UTF-8)."))


def _split_roles(raw: str) -> tuple[frozenset[str] | None, list[str]]:
    parts = [p for p in ROLE_SPLIT_RE.split(raw.strip()) if p]
    if not parts:
        return None, []
    roles, unknown = set(), []
    for part in parts:
        role = ROLE_ALIASES.get(part.lower()) or ROLE_ALIASES.get(part)
        if role:
            roles.add(role)
        else:
            unknown.append(part)
    return frozenset(roles), unknown


def _team_path(raw: str) -> tuple[tuple[str, ...], str]:
    """-> (parts, error message or "")."""
    value = raw.strip().strip(TEAM_SEPARATOR).replace("／", TEAM_SEPARATOR)
    if not value:
        return (), _("The team path is empty.")
    parts = tuple(p.strip() for p in value.split(TEAM_SEPARATOR))
    if any(not p for p in parts):
        return (), _("The team path %(path)s has an empty level.") % {"path": raw.strip()}
    if len(parts) > TEAM_DEPTH_MAX:
        return (), _("The team path has more than %(n)s levels.") % {"n": TEAM_DEPTH_MAX}
    if any(len(p) > TEAM_NAME_MAX for p in parts) or len(TEAM_SEPARATOR.join(parts)) > TEAM_PATH_MAX:
        return (), _("A team name is longer than %(n)s characters.") % {"n": TEAM_NAME_MAX}
    return parts, ""


def _header(row: list[str]) -> tuple[dict[str, int], list[str]]:
    index, unknown = {}, []
    for i, name in enumerate(row):
        column = _HEADER_LOOKUP.get(_norm_header(name))
        if column and column not in index:
            index[column] = i
        elif name.strip() and not column:
            unknown.append(name.strip())
    return index, unknown


def parse_people_csv(
    content: bytes, *, lookup_employee_nos: Callable[[set[str]], Iterable[str]] | None = None
) -> ParseResult:
    """Decode, parse and validate every row, one at a time, once the file is known to be within the limits on rows
    and cells (lms.import_limits). `lookup_employee_nos(numbers)` returns those that already exist (used for
    manager numbers not in the file). Never raises for bad input: every problem is in `errors`."""
    result = ParseResult()
    try:
        text, result.encoding = decode(content)
    except FileRejected as exc:
        result.add(0, "", str(exc))
        return result

    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        import_limits.check_csv(text, delimiter=delimiter)
    except import_limits.LimitExceeded as exc:
        result.add(0, "", str(exc))
        return result
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            result.add(0, "", _("The file is empty."))
            return result
        index, _unknown = _header(header)
        missing = [c for c in REQUIRED_COLUMNS if c not in index]
        if missing:
            result.add(
                1,
                "",
                _(
                    "This does not look like a people CSV: the header row must name the columns %(columns)s "
                    "(missing: %(missing)s)."
                )
                % {"columns": "employee_no, name, email, team, roles, manager_no", "missing": ", ".join(missing)},
            )
            return result

        seen: dict[str, int] = {}
        previous_end = reader.line_num
        for raw in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in raw):
                continue
            row = _parse_row(raw, index, line, seen, result)
            if row is not None:
                result.rows.append(row)
    except csv.Error as exc:
        result.add(reader.line_num, "", _("The CSV cannot be read here: %(error)s") % {"error": exc})
        return result

    if not result.rows and not result.errors:
        result.add(0, "", _("The file has a header but no people."))
        return result

    _check_managers(result, seen, lookup_employee_nos)
    result.errors.sort(key=lambda e: (e.line, e.column))
    return result


def _parse_row(raw: list[str], index: dict[str, int], line: int, seen: dict[str, int], result: ParseResult):
    def cell(column: str) -> str:
        i = index.get(column)
        return raw[i].strip() if i is not None and i < len(raw) else ""

    errors_before = len(result.errors)
    employee_no, name, email = cell("employee_no"), cell("name"), cell("email")
    if not employee_no:
        result.add(line, "employee_no", _("The employee number is missing."))
    elif len(employee_no) > EMPLOYEE_NO_MAX:
        result.add(
            line, "employee_no", _("The employee number is longer than %(n)s characters.") % {"n": EMPLOYEE_NO_MAX}
        )
    elif not EMPLOYEE_NO_RE.match(employee_no):
        result.add(
            line, "employee_no", _("The employee number may contain only letters, digits, dot, dash and underscore.")
        )
    elif employee_no in seen:
        result.add(
            line,
            "employee_no",
            _("The employee number %(no)s is already used on line %(line)s.")
            % {"no": employee_no, "line": seen[employee_no]},
        )
    else:
        seen[employee_no] = line

    if not name:
        result.add(line, "name", _("The name is missing."))
    elif len(name) > NAME_MAX:
        result.add(line, "name", _("The name is longer than %(n)s characters.") % {"n": NAME_MAX})

    if email:
        if len(email) > EMAIL_MAX:
            result.add(line, "email", _("The e-mail address is too long."))
        else:
            try:
                validate_email(email)
            except ValidationError:
                result.add(line, "email", _("%(email)s is not a valid e-mail address.") % {"email": email})

    team_path, team_error = _team_path(cell("team"))
    if team_error:
        result.add(line, "team", team_error)

    roles, unknown = _split_roles(cell("roles"))
    if unknown:
        result.add(line, "roles", _("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)})

    manager_no = cell("manager_no")
    if manager_no and len(manager_no) > EMPLOYEE_NO_MAX:
        result.add(line, "manager_no", _("The manager's employee number is too long."))
    elif manager_no:
        result.manager_refs.append((line, manager_no))

    if len(result.errors) != errors_before:
        return None
    return PersonRow(
        line=line,
        employee_no=employee_no,
        name=name,
        email=email,
        team_path=team_path,
        roles=roles,
        manager_no=manager_no,
    )


def _check_managers(result: ParseResult, in_file: dict[str, int], lookup) -> None:
    wanted = {no for _line, no in result.manager_refs if no not in in_file}
    known = set(lookup(wanted)) if (wanted and lookup) else set()
    bad_lines = set()
    for line, no in result.manager_refs:
        if no not in in_file and no not in known:
            result.add(
                line,
                "manager_no",
                _("No person with employee number %(no)s in this file or in the system.") % {"no": no},
            )
            bad_lines.add(line)
    if bad_lines:
        result.rows = [row for row in result.rows if row.line not in bad_lines]


def default_roles(row: PersonRow) -> frozenset[str]:
    return row.roles if row.roles is not None else frozenset({SALESPERSON})
