"""Our GIFT, Aiken and Excel/CSV parsers: every construct and every error, with line numbers."""

import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from assessments import parsers
from assessments.parsers import FileRejected, parse_aiken, parse_csv, parse_gift, parse_upload, parse_xlsx


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in the source language (the catalogue translates them for users)."""
    with translation.override("en"):
        yield


GIFT = r"""// 注释行会被忽略
$CATEGORY: $course$/top/sales-skills

::单选::客户说“太贵了”，第一步？ {
  =先了解比较对象#对，先问清楚
  ~立刻降价#不要急于让步
  ~结束拜访
  ####处理价格异议要先弄清原因。
}

::判断::销售区域管理只和路线有关。{FALSE}

::简答短::SWOT 中的 S 代表？{=strength =strengths}

::多选权重::拜访前准备哪些？ {
  ~%50%客户背景
  ~%50%产品资料
  ~%-100%个人简历
}

$CATEGORY: product

::数值::1 公里等于多少米？ {#1000:5}

::区间::合格率的范围？ {#90..100}

::论述::简述投诉处理步骤。{}

::转义::价格 1\:1 \= 对等，符号 \{ \} \~ \# 都要保留 {=是\=的 ~否}

::缺词::我们的产品 {=质量 ~价格} 最好。

[html]<p>富文本题干</p>{T}
"""


def test_gift_every_common_construct():
    result = parse_gift(GIFT)
    assert result.errors == []
    q = {item["title"]: item for item in result.questions}
    single = q["单选"]
    assert single["qtype"] == "single" and single["category"] == "sales-skills"
    assert [o["weight"] for o in single["options"]] == [100, 0, 0]
    assert single["options"][0]["feedback"] == "对，先问清楚"
    assert single["explanation"] == "处理价格异议要先弄清原因。"
    assert q["判断"]["qtype"] == "truefalse" and q["判断"]["answer"] == {"value": False}
    assert q["简答短"]["answer"] == {"accepted": ["strength", "strengths"]}
    multi = q["多选权重"]
    assert multi["qtype"] == "multiple" and multi["partial_credit"] == "weighted"
    assert [o["weight"] for o in multi["options"]] == [50, 50, -100]
    assert q["数值"]["qtype"] == "numeric" and q["数值"]["answer"] == {"value": "1000", "tolerance": "5"}
    assert q["数值"]["category"] == "product"
    assert q["区间"]["answer"] == {"min": "90", "max": "100"}
    assert q["论述"]["qtype"] == "essay"
    escaped = q["转义"]
    assert escaped["stem"] == "价格 1:1 = 对等，符号 { } ~ # 都要保留"
    assert escaped["options"][0]["text"] == "是=的"
    assert q["缺词"]["stem"] == "我们的产品 _____ 最好。"
    untitled = result.questions[-1]
    assert untitled["stem"] == "<p>富文本题干</p>" and untitled["answer"] == {"value": True}
    assert single["line"] == 4


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("没有答案块的题目", "No answer block"),
        ("未关闭 {=a ~b", "never closed"),
        ("配对题 {=猫 -> cat =狗 -> dog}", "Matching questions are not supported"),
        ("没有正确答案 {~a ~b}", "No correct answer"),
        ("权重不对 {~%50%a ~%20%b ~c}", "add up to 100"),
        ("两个都对 {=a =b ~c}", "Several answers"),
        ("数值错误 {#abc}", "not a number"),
        ("空区间 {#5..1}", "empty"),
        ("{=a ~b}", "no text"),
        ("只有一个选项 {=a ~}", "empty"),
        ("两个块 {=a ~b} 和 {=c ~d}", "Only one answer block"),
    ],
)
def test_gift_errors_have_line_and_reason(text, fragment):
    result = parse_gift("// 头\n\n" + text + "\n")
    assert result.questions == []
    assert len(result.errors) == 1
    assert result.errors[0]["line"] == 3
    assert fragment in result.errors[0]["message"]


def test_gift_good_and_bad_questions_are_reported_separately():
    result = parse_gift("好题 {T}\n\n坏题\n\n另一个好题 {=a ~b}\n")
    assert len(result.questions) == 2
    assert result.errors == [{"line": 3, "message": result.errors[0]["message"]}]


AIKEN = """公司成立于哪一年？
A. 1998
B. 2003
C. 2010
ANSWER: B

以下哪些属于竞品分析内容？
A) 价格
B) 渠道
C) 天气
ANSWER: A, B
"""


def test_aiken_single_and_multiple():
    result = parse_aiken(AIKEN)
    assert result.errors == []
    first, second = result.questions
    assert first["qtype"] == "single" and [o["weight"] for o in first["options"]] == [0, 100, 0]
    assert first["line"] == 1
    assert second["qtype"] == "multiple" and [o["key"] for o in second["options"] if o["weight"] > 0] == ["A", "B"]


@pytest.mark.parametrize(
    "text,line,fragment",
    [
        ("题目\nA. 一\nB. 二\nANSWER: D\n", 4, "does not name"),
        ("题目\nA. 一\nANSWER: A\n", 3, "at least two options"),
        ("题目\nA. 一\nB. 二\n\n下一题\n", 1, "no ANSWER"),
        ("A. 一\n", 1, "before any question"),
        ("题目\nA. 一\n随便一行\nB. 二\nANSWER: A\n", 3, "Expected the next option"),
    ],
)
def test_aiken_errors(text, line, fragment):
    result = parse_aiken(text)
    assert any(e["line"] == line and fragment in e["message"] for e in result.errors), result.errors


CSV = """题型,题干,选项A,选项B,选项C,选项D,选项E,选项F,答案,解析,分类,难度
单选,客户说太贵了？,降价,了解原因,离开,,,,B,先了解原因,销售技能和推销技巧,2
多选,拜访准备？,客户背景,产品资料,简历,,,,"A,B",,product,中
判断,区域管理只和路线有关,,,,,,,错,,time-territory,
填空,SWOT 的 S？,,,,,,,strength|优势,,market,3
数值,一公里多少米,,,,,,,1000±5,,,
简答,简述投诉处理,,,,,,,,倾听确认,company,难
"""


def test_csv_template_every_type():
    result = parse_csv(CSV)
    assert result.errors == []
    types = [q["qtype"] for q in result.questions]
    assert types == ["single", "multiple", "truefalse", "short", "numeric", "essay"]
    single, multiple, tf, short, numeric, essay = result.questions
    assert single["line"] == 2 and single["category"] == "销售技能和推销技巧" and single["difficulty"] == 2
    assert [o["key"] for o in multiple["options"] if o["weight"] > 0] == ["A", "B"] and multiple["difficulty"] == 3
    assert tf["answer"] == {"value": False}
    assert short["answer"] == {"accepted": ["strength", "优势"]}
    assert numeric["answer"] == {"value": "1000", "tolerance": "5"}
    assert essay["difficulty"] == 5 and essay["explanation"] == "倾听确认"


@pytest.mark.parametrize(
    "row,fragment",
    [
        ("问答X,题干,,,,,,,,,,", "Unknown question type"),
        ("单选,,a,b,,,,,A,,,", "stem"),
        ("单选,题,a,,,,,,A,,,", "at least two options"),
        ("单选,题,a,b,,,,,AB,,,", "exactly one"),
        ("单选,题,a,b,,,,,E,,,", "must name options"),
        ("单选,题,a,,c,,,,A,,,", "without gaps"),
        ("判断,题,,,,,,,也许,,,", "对 or 错"),
        ("填空,题,,,,,,,,,,", "accepted answers"),
        ("数值,题,,,,,,,很多,,,", "not a number"),
        ("单选,题,a,b,,,,,A,,,9", "Difficulty"),
    ],
)
def test_csv_row_errors(row, fragment):
    result = parse_csv(CSV.splitlines()[0] + "\n" + row + "\n")
    assert result.questions == []
    assert result.errors[0]["line"] == 2 and fragment in result.errors[0]["message"], result.errors


def test_csv_without_template_header_is_rejected():
    with pytest.raises(FileRejected, match="missing"):
        parse_csv("a,b,c\n1,2,3\n")


def test_xlsx_template_parses_and_template_examples_are_valid():
    data = parsers.export_xlsx([], examples=True)
    result = parse_xlsx(data)
    assert result.errors == [] and len(result.questions) == len(parsers.TEMPLATE_EXAMPLES)


def test_xlsx_errors_use_row_numbers():
    wb = Workbook()
    ws = wb.active
    ws.append(parsers.TEMPLATE_COLUMNS)
    ws.append(["单选", "好题", "a", "b", None, None, None, None, "A", None, None, 3])
    ws.append([None] * 5)
    ws.append(["单选", "坏题", "a", "b", None, None, None, None, "Z", None, None, 3])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = parse_xlsx(buffer.getvalue())
    assert len(result.questions) == 1 and result.errors[0]["line"] == 4


@pytest.mark.parametrize(
    "data,fmt,fragment",
    [
        (b"", "gift", "empty"),
        (b"   \n\n", "aiken", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "gift", "not a text file"),
        ("问题 {T}".encode("utf-16"), "gift", "not a text file"),
        ("caf\u00e9 {T}".encode("latin-1"), "gift", "not UTF-8"),
        (b"not a zip at all", "xlsx", "not an Excel"),
        (b"PK\x03\x04junkjunkjunk", "xlsx", "not an Excel"),
        (b"x" * 2048, "gift", "too large"),
        (b"{T}", "yaml", "Unknown format"),
    ],
)
def test_bad_files_get_a_clear_message(data, fmt, fragment):
    with pytest.raises(FileRejected, match=fragment):
        parse_upload(data=data, fmt=fmt, max_bytes=1024)


def test_gbk_csv_from_chinese_excel_is_read():
    result = parse_upload(data=CSV.encode("gb18030"), fmt="csv", max_bytes=10**6)
    assert len(result.questions) == 6


def test_junk_text_gives_bounded_errors_not_a_crash():
    junk = "\n\n".join(f"垃圾行 {i}" for i in range(5000))
    result = parse_gift(junk)
    assert len(result.errors) == parsers.MAX_ERRORS and result.truncated_errors == 5000 - parsers.MAX_ERRORS


def _comparable(questions):
    keep = ("qtype", "stem", "answer", "explanation", "category", "difficulty")
    out = []
    for q in questions:
        item = {k: q[k] for k in keep}
        item["options"] = [(o["text"], round(o["weight"], 2) > 0) for o in q["options"]]
        out.append(item)
    return out


def test_gift_round_trip():
    first = parse_gift(GIFT).questions
    again = parse_gift(parsers.export_gift(first))
    assert again.errors == []
    assert _comparable(again.questions) == _comparable(first)
    assert [q["title"] for q in again.questions] == [q["title"] for q in first]
    assert [[o["feedback"] for o in q["options"]] for q in again.questions] == [
        [o["feedback"] for o in q["options"]] for q in first
    ]


def test_excel_round_trip():
    first = parse_csv(CSV).questions
    again = parse_xlsx(parsers.export_xlsx(first))
    assert again.errors == []
    assert _comparable(again.questions) == _comparable(first)
    assert _comparable(parse_csv(parsers.export_csv(first)).questions) == _comparable(first)


def test_csv_in_gb18030_beyond_gbk_is_read_through_the_shared_decoder():
    """Characters outside GBK (four-byte GB18030 sequences) still read: the project's one decoder tries GBK, then
    GB18030 for the question CSV."""
    rare = CSV.replace("客户", "𠀀客户", 1)
    data = rare.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gbk")
    result = parse_upload(data=data, fmt="csv", max_bytes=10**6)
    assert len(result.questions) == 6
    assert "𠀀" in str(result.questions)


def test_decode_text_goes_through_trainees_importing_decode(monkeypatch):
    from assessments import parsers
    from trainees import importing

    calls = []
    real = importing.decode

    def spy(content, **kwargs):
        calls.append(kwargs)
        return real(content, **kwargs)

    monkeypatch.setattr(importing, "decode", spy)
    assert parsers.decode_text("题目 {T}".encode()) == "题目 {T}"
    assert parsers.decode_text("题目".encode("gbk"), allow_gb18030=True) == "题目"
    assert calls == [{"legacy": ()}, {"legacy": ("gbk", "gb18030")}]


def test_text_formats_refuse_gbk_with_the_line_of_the_first_bad_byte():
    with pytest.raises(FileRejected, match="line 1"):
        parse_upload(data="坏 {F}".encode("gbk"), fmt="aiken", max_bytes=10**6)
    with pytest.raises(FileRejected, match="line 3"):
        parse_upload(data="::Q1:: 好 {T}\n\n".encode() + "坏 {F}".encode("gbk"), fmt="gift", max_bytes=10**6)


def test_csv_in_no_known_encoding_gets_the_shared_message():
    with pytest.raises(FileRejected, match="neither UTF-8 nor GBK"):
        parse_upload(data=b"\x81\x30\x81" * 3, fmt="csv", max_bytes=10**6)


def test_excel_export_writes_text_that_looks_like_a_formula_as_text():
    """A stem, option or tag starting with "=" is exported as text (no formula cell Excel would run, no cached value
    an import would read instead), and comes back the same."""
    import zipfile

    from openpyxl import load_workbook

    hostile = (
        'type,stem,option_a,option_b,answer,tags\nsingle,"=HYPERLINK(""http://x.example/"",""点此"")",'
        "=1+1,@SUM(A1),A,=cmd\n"
    )
    first = parse_csv(hostile).questions
    assert first and first[0]["stem"].startswith("=HYPERLINK")
    data = parsers.export_xlsx(first)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    cells = [c for row in load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2) for c in row if c.value]
    assert all(c.data_type in ("s", "n") for c in cells)
    again = parse_xlsx(data)
    assert again.errors == []
    assert again.questions[0]["stem"] == first[0]["stem"]
    assert [o["text"] for o in again.questions[0]["options"]] == [o["text"] for o in first[0]["options"]]


def test_spreadsheet_rows_keep_dates_and_numbers():
    import datetime as dt

    from lms.spreadsheets import append_row

    sheet = Workbook().active
    when = dt.datetime(2026, 12, 8, 1, 30, tzinfo=dt.UTC)
    append_row(sheet, ["=A1", 3, 2.5, dt.date(2026, 12, 8), when, None])
    text, integer, real, day, moment, empty = sheet[1]
    assert (text.data_type, text.value) == ("s", "=A1")
    assert integer.data_type == real.data_type == "n"
    assert day.is_date and day.number_format == "yyyy-mm-dd"
    assert moment.is_date and moment.value == dt.datetime(2026, 12, 8, 9, 30)  # Asia/Shanghai, as people read it
    assert empty.value is None
