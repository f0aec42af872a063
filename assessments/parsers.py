"""Question import/export: Moodle GIFT, Aiken and our Excel/CSV template (Chinese column names).

Parsers take text (or bytes for Excel) and return a `ParseResult`: the questions parsed, as plain dicts, and
the errors, each with its line (or row) number and reason. They never touch the database.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from lms import import_limits
from lms.spreadsheets import append_row
from trainees import importing

SINGLE, MULTIPLE, TRUE_FALSE, SHORT, NUMERIC, ESSAY = "single", "multiple", "truefalse", "short", "numeric", "essay"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_ERRORS = 200
MAX_QUESTIONS = 5000
XLSX_READ_COLUMNS = 64  # the template has 14; columns further right are not read (a row of 16,384 would be 128 KB)


class FileRejected(Exception):
    """The upload is not something we can parse at all (empty, binary, wrong encoding, too big)."""


@dataclass
class ParseResult:
    questions: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    truncated_errors: int = 0

    def error(self, line: int, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.truncated_errors += 1
            return
        self.errors.append({"line": line, "message": str(message)})

    def as_dict(self) -> dict:
        return {
            "count": len(self.questions),
            "questions": self.questions,
            "errors": self.errors,
            "more_errors": self.truncated_errors,
        }


def new_question(**kwargs) -> dict:
    q = {
        "line": 0,
        "qtype": SINGLE,
        "title": "",
        "stem": "",
        "options": [],
        "answer": {},
        "partial_credit": "all",
        "explanation": "",
        "category": "",
        "competency": "",
        "difficulty": 3,
        "tags": [],
    }
    q.update(kwargs)
    return q


# ---------------------------------------------------------------------------------------------------------------
# Decoding uploads


def decode_text(data: bytes, *, allow_gb18030: bool = False) -> str:
    """Bytes to text with a clear reason when that is impossible, through the project's one decoder
    (`trainees.importing.decode`): UTF-8 (BOM or not); CSV also GBK and GB18030 (Excel in China). The checks
    before it and the UTF-8 message speak of text files, as GIFT and Aiken are not CSV."""
    if not data or not data.strip():
        raise FileRejected(_("The file is empty."))
    if b"\x00" in data[:8192]:
        raise FileRejected(_("This is not a text file (it contains binary data). Upload a UTF-8 text file."))
    try:
        return importing.decode(data, legacy=("gbk", "gb18030") if allow_gb18030 else ())[0]
    except importing.FileRejected as exc:
        reason = str(exc)
    if not allow_gb18030:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            reason = _(
                "The file is not UTF-8 text (first bad byte on line %(line)s). Save it as UTF-8 and upload it again."
            ) % {"line": line}
    raise FileRejected(reason)


# ---------------------------------------------------------------------------------------------------------------
# GIFT

_ESCAPES = {
    "\\\\": "\ue006",
    "\\=": "\ue000",
    "\\~": "\ue001",
    "\\#": "\ue002",
    "\\{": "\ue003",
    "\\}": "\ue004",
    "\\:": "\ue005",
}
_UNESCAPE = {"\ue006": "\\", "\ue000": "=", "\ue001": "~", "\ue002": "#", "\ue003": "{", "\ue004": "}", "\ue005": ":"}
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def _protect(text: str) -> str:
    for raw, mark in _ESCAPES.items():
        text = text.replace(raw, mark)
    return text.replace("\\n", "\n")


def _restore(text: str) -> str:
    for mark, raw in _UNESCAPE.items():
        text = text.replace(mark, raw)
    return text.strip()


def _strip_format(text: str) -> str:
    return re.sub(r"^\s*\[(html|moodle|plain|markdown)\]", "", text)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _refuse_nul(text: str) -> None:
    """A NUL character is refused with its line: PostgreSQL cannot store it."""
    at = text.find("\x00")
    if at >= 0:
        number = len(_LINE_BREAK.findall(text, 0, at)) + 1
        raise FileRejected(
            _("Line %(line)s contains a NUL character (binary data); the file may be damaged.") % {"line": number}
        )


def _refuse_over_limit(check, text: str) -> None:
    try:
        check(text)
    except import_limits.LimitExceeded as exc:
        raise FileRejected(str(exc)) from None


def _text_lines(text: str) -> Iterator[str]:
    """The lines as an editor numbers them (not str.splitlines, which also breaks at \f, \x1c or U+2028), so error
    line numbers point at the right line; one at a time (a list of 100,000 lines is megabytes). Refuses a file of
    more lines than an import takes, or with a NUL character."""
    _refuse_over_limit(import_limits.check_text_lines, text)
    _refuse_nul(text)
    start = 0
    for match in _LINE_BREAK.finditer(text):
        yield text[start : match.start()]
        start = match.end()
    yield text[start:]


def _gift_blocks(text: str):
    """Yield (first line number, [(line number, line)]) for each blank-line separated block, comments removed."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(_text_lines(text), start=1):
        if line.strip().startswith("//"):
            continue
        if not line.strip():
            if block:
                yield block
                block = []
            continue
        block.append((number, line))
    if block:
        yield block


def parse_gift(text: str) -> ParseResult:
    result = ParseResult()
    category = ""
    for block in _gift_blocks(text):
        lines = list(block)
        while lines and lines[0][1].strip().startswith("$CATEGORY:"):
            category = lines[0][1].strip()[len("$CATEGORY:") :].strip()
            lines = lines[1:]
        if not lines:
            continue
        if len(result.questions) >= MAX_QUESTIONS:
            result.error(lines[0][0], _("Too many questions in one file (at most %(n)s).") % {"n": MAX_QUESTIONS})
            break
        line_no = lines[0][0]
        raw = _protect("\n".join(line for _n, line in lines))
        try:
            question = _parse_gift_question(raw)
        except ValueError as exc:
            result.error(line_no, str(exc))
            continue
        question.update(line=line_no, category=_restore(category.split("/")[-1]) if category else "")
        result.questions.append(question)
    return result


def _parse_gift_question(raw: str) -> dict:
    title = ""
    match = re.match(r"^\s*::(.*?)::", raw, re.S)
    if match:
        title = _restore(match.group(1))
        raw = raw[match.end() :]
    start = raw.find("{")
    if start < 0:
        raise ValueError(_("No answer block: a GIFT question needs its answers between { and }."))
    end = raw.find("}", start)
    if end < 0:
        raise ValueError(_("The answer block opened with { is never closed with }."))
    if raw.find("{", start + 1, end) >= 0:
        raise ValueError(_("An answer block contains another {; escape it as \\{ if it is text."))
    before, body, after = raw[:start], raw[start + 1 : end], raw[end + 1 :]
    if "{" in after or "}" in after:
        raise ValueError(_("Only one answer block per question is supported."))
    stem = _restore(_strip_format(before))
    if after.strip():
        stem = f"{stem} _____ {_restore(after)}".strip()
    if not stem:
        raise ValueError(_("The question has no text."))
    general = ""
    if "####" in body:
        body, general = body.split("####", 1)
        general = _restore(general)
    question = new_question(title=title or stem[:60], stem=stem, explanation=general)
    stripped = body.strip()
    if not stripped:
        question["qtype"] = ESSAY
        return question
    tf = re.match(r"^(TRUE|FALSE|T|F)\s*(#.*)?$", stripped, re.S)
    if tf:
        question["qtype"] = TRUE_FALSE
        question["answer"] = {"value": tf.group(1).startswith("T")}
        return question
    if stripped.startswith("#"):
        return _gift_numeric(question, stripped[1:])
    tokens = _gift_tokens(stripped)
    if any("->" in text for _sign, text in tokens):
        raise ValueError(_("Matching questions are not supported; split them into single-choice questions."))
    if not tokens:
        raise ValueError(_("The answer block has no answers starting with = or ~."))
    signs = {sign for sign, _text in tokens}
    if signs == {"="}:
        accepted = []
        for _sign, text in tokens:
            weight, text, _fb = _gift_answer(text)
            if weight is None or weight >= 100:
                accepted.append(text)
        if not accepted:
            raise ValueError(_("A short-answer question needs at least one fully correct answer."))
        question["qtype"] = SHORT
        question["answer"] = {"accepted": accepted}
        return question
    options = []
    for index, (sign, text) in enumerate(tokens):
        weight, text, feedback = _gift_answer(text)
        if weight is None:
            weight = 100.0 if sign == "=" else 0.0
        if not text:
            raise ValueError(_("Option %(n)s is empty.") % {"n": index + 1})
        if index >= len(LETTERS):
            raise ValueError(_("Too many options."))
        options.append({"key": LETTERS[index], "text": text, "weight": weight, "feedback": feedback})
    positives = [o for o in options if o["weight"] > 0]
    if not positives:
        raise ValueError(_("No correct answer: mark one with = or give a positive weight like ~%50%."))
    if any(o["weight"] > 100 or o["weight"] < -100 for o in options):
        raise ValueError(_("Weights must be between -100% and 100%."))
    if len(options) < 2:
        raise ValueError(_("A choice question needs at least two options."))
    full = [o for o in options if o["weight"] >= 100]
    if len(full) == 1 and "=" in signs:
        question["qtype"] = SINGLE
    elif len(positives) > 1 and not full:
        total = sum(o["weight"] for o in positives)
        if abs(total - 100) > 1:
            raise ValueError(
                _("The positive weights of a multiple-answer question must add up to 100%% (they add up to %(t)s%%).")
                % {"t": f"{total:g}"}
            )
        question["qtype"] = MULTIPLE
        question["partial_credit"] = "weighted"
    elif len(full) == 1:
        question["qtype"] = SINGLE
    else:
        raise ValueError(_("Several answers are marked fully correct with =; use ~%50% weights for multiple answers."))
    question["options"] = options
    return question


def _gift_tokens(body: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    for match in re.finditer(r"([=~])([^=~]*)", body):
        tokens.append((match.group(1), match.group(2)))
    head = re.split(r"[=~]", body, maxsplit=1)[0]
    if head.strip():
        raise ValueError(_("Unexpected text before the first answer: %(t)s") % {"t": _restore(head)[:40]})
    return tokens


def _gift_answer(text: str) -> tuple[float | None, str, str]:
    weight = None
    match = _WEIGHT.match(text.strip())
    text = text.strip()
    if match:
        weight = float(match.group(1))
        text = text[match.end() :]
    feedback = ""
    if "#" in text:
        text, feedback = text.split("#", 1)
    return weight, _restore(text), _restore(feedback)


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(_("“%(t)s” is not a number.") % {"t": text.strip()}) from None
    if not value.is_finite():
        raise ValueError(_("“%(t)s” is not a number.") % {"t": text.strip()})
    return value


def _numeric_spec(text: str) -> dict:
    text = text.split("#", 1)[0].strip()
    if ".." in text:
        low, high = text.split("..", 1)
        low_v, high_v = _number(low), _number(high)
        if low_v > high_v:
            raise ValueError(_("The range %(t)s is empty.") % {"t": text})
        return {"min": str(low_v), "max": str(high_v)}
    if ":" in _restore(text) or "\ue005" in text:
        value, tolerance = re.split(r"[:\ue005]", text, maxsplit=1)
        return {"value": str(_number(value)), "tolerance": str(abs(_number(tolerance)))}
    return {"value": str(_number(text)), "tolerance": "0"}


def _gift_numeric(question: dict, body: str) -> dict:
    question["qtype"] = NUMERIC
    body = body.strip()
    if "=" in body:
        specs = []
        for match in re.finditer(r"=([^=]*)", body):
            weight, text, _fb = _gift_answer(match.group(1))
            if weight is None or weight >= 100:
                specs.append(_numeric_spec(text))
        if not specs:
            raise ValueError(_("A numeric question needs at least one fully correct answer."))
        question["answer"] = specs[0] if len(specs) == 1 else {"any": specs}
    else:
        if not body:
            raise ValueError(_("A numeric question needs an answer after #."))
        question["answer"] = _numeric_spec(body)
    return question


def _gift_escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for ch in "=~#{}:":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def _fmt(value: float) -> str:
    return f"{value:g}"


def export_gift(questions: list[dict]) -> str:
    out: list[str] = ["// Exported question bank (GIFT)", ""]
    category = None
    for q in questions:
        if q.get("category") != category:
            category = q.get("category")
            if category:
                out += [f"$CATEGORY: {category}", ""]
        head = f"::{_gift_escape(q['title'])}::" if q.get("title") else ""
        stem = head + _gift_escape(q["stem"])
        general = f" ####{_gift_escape(q['explanation'])}" if q.get("explanation") else ""
        qtype, answer = q["qtype"], q.get("answer") or {}
        if qtype == TRUE_FALSE:
            body = "TRUE" if answer.get("value") else "FALSE"
        elif qtype == SHORT:
            body = " ".join(f"={_gift_escape(a)}" for a in answer.get("accepted", []))
        elif qtype == ESSAY:
            body = ""
        elif qtype == NUMERIC:
            specs = answer.get("any") or [answer]
            parts = []
            for s in specs:
                parts.append(f"{s['min']}..{s['max']}" if "min" in s else f"{s['value']}:{s.get('tolerance', '0')}")
            body = "#" + (parts[0] if len(parts) == 1 else " ".join(f"={p}" for p in parts))
        else:
            parts = []
            for o in q["options"]:
                fb = f"#{_gift_escape(o['feedback'])}" if o.get("feedback") else ""
                if qtype == SINGLE and o["weight"] >= 100:
                    parts.append(f"={_gift_escape(o['text'])}{fb}")
                elif o["weight"]:
                    parts.append(f"~%{_fmt(o['weight'])}%{_gift_escape(o['text'])}{fb}")
                else:
                    parts.append(f"~{_gift_escape(o['text'])}{fb}")
            body = "\n  " + "\n  ".join(parts) + "\n"
        out += [f"{stem} {{{body}{general}}}", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Aiken

_AIKEN_OPTION = re.compile(r"^([A-Z])[.)、．）]\s*(.+)$")
_AIKEN_ANSWER = re.compile(r"^ANSWER\s*[:：]\s*(.*)$", re.I)


def parse_aiken(text: str) -> ParseResult:
    result = ParseResult()
    current: dict | None = None
    stem_lines: list[str] = []  # joined once the question is complete (adding to a string each line is quadratic)

    def finish(line: int) -> None:
        nonlocal current
        if current is not None:
            result.error(current["line"], _("The question has no ANSWER: line."))
        current = None

    for number, raw in enumerate(_text_lines(text), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = _AIKEN_ANSWER.match(line)
        option = _AIKEN_OPTION.match(line)
        if current is None:
            if answer or option:
                result.error(number, _("An option or ANSWER line comes before any question text."))
                continue
            if len(result.questions) >= MAX_QUESTIONS:
                result.error(number, _("Too many questions in one file (at most %(n)s).") % {"n": MAX_QUESTIONS})
                break
            current, stem_lines = new_question(line=number, stem=line, title=line[:60]), [line]
            continue
        # The letter the next option must have ("" after Z: only the ANSWER line may follow).
        expected = LETTERS[len(current["options"])] if len(current["options"]) < len(LETTERS) else ""
        if option and (not current["options"] or option.group(1) == expected):
            current["options"].append(
                {"key": option.group(1), "text": option.group(2).strip(), "weight": 0.0, "feedback": ""}
            )
            continue
        if answer:
            letters = [c for c in re.sub(r"[\s,，、]", "", answer.group(1).upper())]
            keys = [o["key"] for o in current["options"]]
            if len(keys) < 2:
                result.error(number, _("A question needs at least two options (A. …, B. …)."))
            elif not letters or any(letter not in keys for letter in letters):
                result.error(
                    number,
                    _("ANSWER “%(a)s” does not name one of the options %(k)s.")
                    % {"a": answer.group(1), "k": ", ".join(keys)},
                )
            else:
                share = 100.0 / len(letters)
                for o in current["options"]:
                    o["weight"] = share if o["key"] in letters else 0.0
                if len(letters) > 1:
                    current["qtype"], current["partial_credit"] = MULTIPLE, "rmw"
                current["stem"] = "\n".join(stem_lines)
                result.questions.append(current)
            current = None
            continue
        if current["options"]:
            result.error(
                number,
                _("Expected the next option (%(k)s. …) or the ANSWER: line.") % {"k": expected}
                if expected
                else _("Expected the ANSWER: line (a question has at most 26 options, A to Z)."),
            )
            continue
        stem_lines.append(line)
    finish(0)
    return result


def export_aiken(questions: list[dict]) -> str:
    out = []
    for q in questions:
        if q["qtype"] != SINGLE:
            continue
        out.append(q["stem"].replace("\n", " "))
        out += [f"{o['key']}. {o['text']}" for o in q["options"]]
        out += [f"ANSWER: {next(o['key'] for o in q['options'] if o['weight'] >= 100)}", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Excel / CSV template

TEMPLATE_COLUMNS = [
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "选项E",
    "选项F",
    "答案",
    "解析",
    "类别",
    "难度",
    "素质",
    "标签",
]
_TYPE_NAMES = {
    "单选": SINGLE,
    "单选题": SINGLE,
    "单项选择": SINGLE,
    "single": SINGLE,
    "多选": MULTIPLE,
    "多选题": MULTIPLE,
    "多项选择": MULTIPLE,
    "multiple": MULTIPLE,
    "判断": TRUE_FALSE,
    "判断题": TRUE_FALSE,
    "truefalse": TRUE_FALSE,
    "填空": SHORT,
    "填空题": SHORT,
    "short": SHORT,
    "数值": NUMERIC,
    "数值题": NUMERIC,
    "numeric": NUMERIC,
    "简答": ESSAY,
    "简答题": ESSAY,
    "问答": ESSAY,
    "问答题": ESSAY,
    "essay": ESSAY,
}
TYPE_LABELS = {
    SINGLE: "单选题",
    MULTIPLE: "多选题",
    TRUE_FALSE: "判断题",
    SHORT: "填空题",
    NUMERIC: "数值题",
    ESSAY: "简答题",
}
# Other names a column may have: earlier templates (分类), the names people write, and English headers.
HEADER_ALIASES = {
    "分类": "类别",
    "类别名称": "类别",
    "内容类别": "类别",
    "素质名称": "素质",
    "类型": "题型",
    "题目": "题干",
    "type": "题型",
    "qtype": "题型",
    "question type": "题型",
    "stem": "题干",
    "question": "题干",
    "answer": "答案",
    "explanation": "解析",
    "category": "类别",
    "difficulty": "难度",
    "competency": "素质",
    "tags": "标签",
    "tag": "标签",
    **{f"option {c.lower()}": f"选项{c}" for c in "ABCDEF"},
    **{f"option_{c.lower()}": f"选项{c}" for c in "ABCDEF"},
    **{f"option{c.lower()}": f"选项{c}" for c in "ABCDEF"},
}


def _column_name(value) -> str:
    name = _cell(value)
    return HEADER_ALIASES.get(name, HEADER_ALIASES.get(name.lower(), name))


_TRUE = {"对", "正确", "是", "T", "TRUE", "√", "Y", "YES"}
_FALSE = {"错", "错误", "否", "F", "FALSE", "×", "N", "NO"}
_DIFFICULTY = {"易": 1, "容易": 1, "较易": 2, "中": 3, "中等": 3, "较难": 4, "难": 5, "困难": 5}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_rows(rows: Iterable[Sequence], *, first_row: int = 1) -> ParseResult:
    """Rows of the template (the first is the header), numbered from first_row."""
    return _parse_numbered_rows(enumerate(rows, start=first_row))


def _parse_numbered_rows(rows: Iterable[tuple[int, Sequence]]) -> ParseResult:
    """(number, row) pairs, read one at a time: a row is numbered by the line it starts on (CSV cells may span
    lines) or by its row in the sheet."""
    result = ParseResult()
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        raise FileRejected(_("The file is empty."))
    header = [_column_name(c) for c in first[1]]
    missing = [c for c in ("题型", "题干", "答案") if c not in header]
    if missing:
        raise FileRejected(
            _("The first row must hold the template's column names; missing: %(m)s. Download the template.")
            % {"m": "、".join(missing)}
        )
    index = {name: header.index(name) for name in TEMPLATE_COLUMNS if name in header}
    for number, row in rows:
        values = {name: _cell(row[i]) if i < len(row) else "" for name, i in index.items()}
        if not any(values.values()):
            continue
        if len(result.questions) >= MAX_QUESTIONS:
            result.error(number, _("Too many questions in one file (at most %(n)s).") % {"n": MAX_QUESTIONS})
            break
        try:
            result.questions.append(_row_question(values, number))
        except ValueError as exc:
            result.error(number, str(exc))
    return result


def _row_question(values: dict, number: int) -> dict:
    qtype = _TYPE_NAMES.get(values.get("题型", "").lower()) or _TYPE_NAMES.get(values.get("题型", ""))
    if not qtype:
        raise ValueError(
            _("Unknown question type “%(t)s” (use 单选, 多选, 判断, 填空, 数值 or 简答).")
            % {"t": values.get("题型", "")}
        )
    stem = values.get("题干", "")
    if not stem:
        raise ValueError(_("The stem (题干) is empty."))
    difficulty_raw = values.get("难度", "")
    if re.fullmatch(r"[1-5]\s+\S+", difficulty_raw):  # "3 中", as the list of allowed values writes it
        difficulty_raw = difficulty_raw[0]
    if not difficulty_raw:
        difficulty = 3
    elif difficulty_raw in _DIFFICULTY:
        difficulty = _DIFFICULTY[difficulty_raw]
    elif difficulty_raw.isdecimal() and 1 <= int(difficulty_raw) <= 5:
        difficulty = int(difficulty_raw)
    else:
        raise ValueError(
            _("Difficulty (难度) must be 1 to 5 or 易/较易/中/较难/难, not “%(d)s”.") % {"d": difficulty_raw}
        )
    tags = [t for t in re.split(r"[,，;；\s]+", values.get("标签", "")) if t]
    question = new_question(
        line=number,
        qtype=qtype,
        title=stem[:60],
        stem=stem,
        explanation=values.get("解析", ""),
        category=values.get("类别", ""),
        competency=values.get("素质", ""),
        difficulty=difficulty,
        tags=tags,
    )
    answer = values.get("答案", "")
    if qtype in (SINGLE, MULTIPLE):
        options = []
        for letter in "ABCDEF":
            text = values.get(f"选项{letter}", "")
            if text:
                if len(options) != "ABCDEF".index(letter):
                    raise ValueError(_("Options must be filled from A without gaps."))
                options.append({"key": letter, "text": text, "weight": 0.0, "feedback": ""})
        if len(options) < 2:
            raise ValueError(_("A choice question needs at least two options (选项A, 选项B)."))
        letters = [c for c in re.sub(r"[\s,，、;；]", "", answer.upper())]
        keys = [o["key"] for o in options]
        if not letters or any(c not in keys for c in letters) or len(set(letters)) != len(letters):
            raise ValueError(
                _("The answer (答案) “%(a)s” must name options among %(k)s.") % {"a": answer, "k": "".join(keys)}
            )
        if qtype == SINGLE and len(letters) != 1:
            raise ValueError(_("A single-choice question has exactly one answer letter."))
        share = round(100.0 / len(letters), 5)
        for o in options:
            o["weight"] = share if o["key"] in letters else 0.0
        question["options"] = options
        if qtype == MULTIPLE:
            question["partial_credit"] = "rmw"
    elif qtype == TRUE_FALSE:
        if answer.upper() in _TRUE:
            question["answer"] = {"value": True}
        elif answer.upper() in _FALSE:
            question["answer"] = {"value": False}
        else:
            raise ValueError(_("A true/false answer (答案) must be 对 or 错, not “%(a)s”.") % {"a": answer})
    elif qtype == SHORT:
        accepted = [a.strip() for a in re.split(r"[|｜]", answer) if a.strip()]
        if not accepted:
            raise ValueError(_("A short-answer question needs accepted answers in 答案, separated by |."))
        question["answer"] = {"accepted": accepted}
    elif qtype == NUMERIC:
        text = answer.replace("±", ":")
        if not text:
            raise ValueError(_("A numeric question needs its answer (答案), e.g. 42, 42±0.5 or 40..45."))
        question["answer"] = _numeric_spec(text)
    return question


def parse_csv(text: str) -> ParseResult:
    """Rows read one at a time, after the limits on rows and cells (lms.import_limits) are checked on the text."""
    _refuse_nul(text)
    _refuse_over_limit(import_limits.check_csv, text)
    reader = csv.reader(io.StringIO(text, newline=""))

    def numbered():  # a quoted cell may span lines: a row is numbered by the line it starts on
        previous_end = 0
        for row in reader:
            yield previous_end + 1, row
            previous_end = reader.line_num

    try:
        return _parse_numbered_rows(numbered())
    except csv.Error as exc:
        raise FileRejected(
            _("Line %(line)s of the CSV file could not be read: %(e)s") % {"line": reader.line_num, "e": exc}
        ) from None


def _damaged_workbook() -> FileRejected:
    return FileRejected(_("The Excel file could not be opened; it may be damaged or password-protected."))


def _sheet_rows(sheet) -> Iterator[tuple]:
    """The sheet's rows, read one at a time; openpyxl's errors on a damaged sheet (a bad number, a bad reference,
    XML cut short) become the refusal of the file."""
    sheet.reset_dimensions()  # the size the sheet claims (any, up to A1:XFD1048576): each row would be padded to it
    rows = sheet.iter_rows(values_only=True, max_col=XLSX_READ_COLUMNS)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:  # openpyxl raises many kinds on damaged sheets
            raise _damaged_workbook() from None
        yield row


def parse_xlsx(data: bytes) -> ParseResult:
    """openpyxl's read-only mode, after the limits on parts, unpacked size, rows, cells and shared strings
    (lms.import_limits.check_xlsx) are checked on the zip, so that nothing it reads grows beyond them."""
    from openpyxl import load_workbook

    if not data:
        raise FileRejected(_("The file is empty."))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise FileRejected(_("This is not an Excel .xlsx file. Save it from Excel as .xlsx or use the CSV format."))
    try:
        import_limits.check_xlsx(data)
    except import_limits.LimitExceeded as exc:
        raise FileRejected(str(exc)) from None
    try:
        # keep_links=False: links to other workbooks carry copies of their sheets, which are not read lazily
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception:  # openpyxl raises many kinds on damaged files
        raise _damaged_workbook() from None
    try:
        if not workbook.worksheets:  # only chart sheets
            raise _damaged_workbook()
        return parse_rows(_sheet_rows(workbook.worksheets[0]))
    finally:
        workbook.close()


def question_row(q: dict) -> list[str]:
    options = {o["key"]: o["text"] for o in q.get("options", [])}
    answer = q.get("answer") or {}
    qtype = q["qtype"]
    if qtype in (SINGLE, MULTIPLE):
        answer_text = "".join(o["key"] for o in q["options"] if o["weight"] > 0)
    elif qtype == TRUE_FALSE:
        answer_text = "对" if answer.get("value") else "错"
    elif qtype == SHORT:
        answer_text = "|".join(answer.get("accepted", []))
    elif qtype == NUMERIC:
        spec = (answer.get("any") or [answer])[0]
        answer_text = (
            f"{spec['min']}..{spec['max']}" if "min" in spec else f"{spec['value']}±{spec.get('tolerance', '0')}"
        )
    else:
        answer_text = ""
    return [
        TYPE_LABELS[qtype],
        q["stem"],
        *[options.get(letter, "") for letter in "ABCDEF"],
        answer_text,
        q.get("explanation", ""),
        q.get("category_name") or q.get("category", ""),
        str(q.get("difficulty", 3)),
        q.get("competency_name") or q.get("competency", ""),
        " ".join(q.get("tags", [])),
    ]


TEMPLATE_EXAMPLES = [
    [
        "单选题",
        "客户说“太贵了”，第一步最合适的做法是？",
        "立刻降价",
        "先了解客户比较的对象",
        "结束拜访",
        "转移话题",
        "",
        "",
        "B",
        "先弄清异议背后的真实原因。",
        "销售技能和推销技巧",
        "2",
        "能力素质",
        "异议处理",
    ],
    [
        "多选题",
        "拜访前需要准备哪些资料？",
        "客户背景",
        "产品资料",
        "竞品信息",
        "个人简历",
        "",
        "",
        "ABC",
        "",
        "销售技能和推销技巧",
        "3",
        "知识素质",
        "",
    ],
    [
        "判断题",
        "销售区域管理只和路线规划有关。",
        "",
        "",
        "",
        "",
        "",
        "",
        "错",
        "还包括客户分级与时间分配。",
        "时间和销售区域管理",
        "2",
        "知识素质",
        "",
    ],
    [
        "填空题",
        "SWOT 中的 S 代表什么？（英文）",
        "",
        "",
        "",
        "",
        "",
        "",
        "strength|strengths",
        "",
        "市场与产业知识",
        "3",
        "知识素质",
        "",
    ],
    [
        "数值题",
        "一公里等于多少米？",
        "",
        "",
        "",
        "",
        "",
        "",
        "1000±5",
        "",
        "产品知识",
        "1",
        "知识素质",
        "",
    ],
    [
        "简答题",
        "简述你处理客户投诉的步骤。",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "倾听、确认、解决、跟进。",
        "企业知识",
        "4",
        "心理素质",
        "",
    ],
]
ALLOWED_SHEET = "可选值"
DIFFICULTY_LABELS = ["1 易", "2 较易", "3 中", "4 较难", "5 难"]


def export_xlsx(
    questions: list[dict],
    *,
    examples: bool = False,
    categories: Sequence[str] = (),
    competencies: Sequence[str] = (),
) -> bytes:
    """The template (examples=True) or an export. With the names of the categories and competencies, a second
    sheet lists the values each column takes, and the type, category and competency cells offer them as a list."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "试题"
    append_row(sheet, TEMPLATE_COLUMNS)
    for row in TEMPLATE_EXAMPLES if examples else (question_row(q) for q in questions):
        append_row(sheet, row)  # a stem or tag starting with "=" stays text, never a formula
    for column, width in zip("ABCDEFGHIJKLMN", (8, 40, 16, 16, 16, 16, 12, 12, 10, 30, 14, 6, 10, 12), strict=True):
        sheet.column_dimensions[column].width = width
    if categories or competencies:
        allowed = workbook.create_sheet(ALLOWED_SHEET)
        lists = [("题型", list(TYPE_LABELS.values())), ("类别", list(categories)), ("素质", list(competencies))]
        lists.append(("难度", DIFFICULTY_LABELS))
        allowed.append([name for name, _values in lists])
        for index in range(max(len(values) for _name, values in lists)):
            append_row(allowed, [values[index] if index < len(values) else None for _name, values in lists])
        for column in "ABCD":
            allowed.column_dimensions[column].width = 22
        for letter, target, (_name, values) in zip("ABC", ("A", "K", "M"), lists, strict=False):
            if not values:
                continue
            check = DataValidation(
                type="list", formula1=f"'{ALLOWED_SHEET}'!${letter}$2:${letter}${len(values) + 1}", allow_blank=True
            )
            check.add(f"{target}2:{target}{MAX_QUESTIONS + 1}")
            sheet.add_data_validation(check)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_csv(questions: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TEMPLATE_COLUMNS)
    for q in questions:
        writer.writerow(question_row(q))
    return buffer.getvalue()


FORMAT_NAMES = {"gift": "GIFT", "aiken": "Aiken", "xlsx": "Excel", "csv": "CSV"}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls), old Word documents
_GIFT_MARK = re.compile(r"^\s*::[^\n]*?::|\{\s*[=~#]|\{\s*(T|F|TRUE|FALSE)\s*\}|^\s*\$CATEGORY:", re.M)
_SNIFF_AIKEN_ANSWER = re.compile(r"^\s*ANSWER\s*[:：]\s*[A-Z]", re.M)
_SNIFF_AIKEN_OPTION = re.compile(r"^\s*[A-Z]\s*[.)、．）]\s*\S", re.M)
_TEMPLATE_HEAD = {"题型", "题干", "答案"}


def detect_format(*, data: bytes, filename: str = "") -> str | None:
    """What the file is, from its content (the name only when the content does not tell): one of FORMATS, or
    "xls" (Excel 97-2003), "zip" (an archive that is no workbook), "binary" (neither text nor a workbook), or None
    (text in no format we can tell). Reads the start of a text file only."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return "binary"
        return "xlsx" if any(name.startswith("xl/") for name in names) else "zip"
    if data[:8] == _OLE2:
        return "xls"
    head = data[:65536]
    if b"\x00" in head:
        return "binary"
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4 and len(data) > len(head):  # a character cut at the end of the sample
                text = head[: exc.start].decode(encoding, errors="ignore")
                break
    if text is None:
        return "binary"
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > 8:
        return "binary"
    first = next((line for line in _LINE_BREAK.split(text) if line.strip()), "")
    if _TEMPLATE_HEAD <= {_column_name(c) for c in re.split(r"[,\t;]", first)}:
        return "csv"
    gift, aiken = (
        bool(_GIFT_MARK.search(text)),
        bool(_SNIFF_AIKEN_ANSWER.search(text) and _SNIFF_AIKEN_OPTION.search(text)),
    )
    if gift != aiken:
        return "gift" if gift else "aiken"
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {"gift": "gift", "csv": "csv", "aiken": "aiken"}.get(extension)


def format_mismatch(*, data: bytes, filename: str, chosen: str) -> str | None:
    """The format to read the file as, when its content says it is not in the chosen one (None: read it as
    chosen). FileRejected, with what the file is and what to do, when it is no format we read at all."""
    detected = detect_format(data=data, filename=filename)
    if detected == "binary" and data.strip():
        raise FileRejected(
            _(
                "This file is neither text nor an Excel workbook, so it cannot be imported. Upload a GIFT or Aiken"
                " text file, a CSV file, or the Excel template (.xlsx)."
            )
        )
    if detected == "xls":
        raise FileRejected(
            _(
                "This is an old Excel file (.xls, Excel 97-2003). Open it in Excel, save it as an Excel workbook"
                " (.xlsx) and upload it again."
            )
        )
    if detected == "zip":
        raise FileRejected(
            _(
                "This is a ZIP archive (a Word document, for example), not an Excel workbook. Upload the Excel"
                " template (.xlsx), a CSV file or a GIFT or Aiken text file."
            )
        )
    if detected in FORMATS and detected != chosen:
        return detected
    return None


FORMATS = ("gift", "aiken", "xlsx", "csv")


def parse_upload(*, data: bytes, fmt: str, max_bytes: int) -> ParseResult:
    """Parse raw upload bytes in one of FORMATS; FileRejected with a clear reason when it cannot be read."""
    if fmt not in FORMATS:
        raise FileRejected(_("Unknown format “%(f)s”; use gift, aiken, xlsx or csv.") % {"f": fmt})
    if len(data) > max_bytes:
        raise FileRejected(
            _("The file is too large (%(size)s MB); the limit is %(max)s MB.")
            % {"size": f"{len(data) / 1048576:.1f}", "max": f"{max_bytes / 1048576:.0f}"}
        )
    if fmt == "xlsx":
        return parse_xlsx(data)
    text = decode_text(data, allow_gb18030=fmt == "csv")
    if fmt == "gift":
        return parse_gift(text)
    if fmt == "aiken":
        return parse_aiken(text)
    return parse_csv(text)
