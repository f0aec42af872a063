"""Imports that guide: the format read from the file itself, a clear sentence when it is not the one chosen, a
template in Chinese labels with its allowed values, and a preview that shows names, never codes."""

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assessments import parsers
from assessments.models import Question, QuestionImport

pytestmark = pytest.mark.django_db

GIFT = "::报价::客户说太贵了，第一步？ {=了解比较对象 ~立刻降价 ~结束拜访}\n\n::判断::区域管理只和路线有关。 {F}\n"
AIKEN = "客户说太贵了，第一步？\nA. 立刻降价\nB. 了解比较对象\nANSWER: B\n\n拜访前准备？\nA. 客户背景\nB. 个人简历\nANSWER: A\n"


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


OLD_TEMPLATE = xlsx(
    [
        [
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
            "分类",
            "难度",
            "素质",
            "标签",
        ],
        ["单选", "老模板的题", "降价", "了解", "", "", "", "", "B", "", "sales-skills", "2", "ability", ""],
        ["判断", "老模板的判断题", "", "", "", "", "", "", "错", "", "time-territory", "2", "knowledge", ""],
    ]
)


def upload(client, name, data, fmt, follow=True):
    return client.post(
        reverse("assessments:import"), {"file": SimpleUploadedFile(name, data), "format": fmt}, follow=follow
    )


def notices(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# ---------------------------------------------------------------------------------------------------------------
# Detection


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (OLD_TEMPLATE, "q.xlsx", "xlsx"),
        (OLD_TEMPLATE, "q.txt", "xlsx"),
        (GIFT.encode(), "q.txt", "gift"),
        (AIKEN.encode(), "q.gift", "aiken"),
        ("题型,题干,答案\n判断题,对吗,对\n".encode("gbk"), "q.txt", "csv"),
        (b"type,stem,answer\ntruefalse,ok?,T\n", "q.txt", "csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "q.xls", "xls"),
        (b"\x00\x01\x02binary\xff\xfe", "q.gift", "binary"),
        (b"just some words\n", "q.txt", None),
        (b"just some words\n", "q.gift", "gift"),
    ],
)
def test_detect_format_from_content_then_name(data, name, expected):
    assert parsers.detect_format(data=data, filename=name) == expected


def test_detect_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert parsers.detect_format(data=buffer.getvalue(), filename="q.docx") == "zip"
    with pytest.raises(parsers.FileRejected, match="ZIP"):
        parsers.format_mismatch(data=buffer.getvalue(), filename="q.docx", chosen="xlsx")


# ---------------------------------------------------------------------------------------------------------------
# The import page


def test_xlsx_chosen_as_gift_is_read_as_excel_and_says_so(client_for, trainer):
    page = upload(client_for(trainer), "题库.xlsx", parsers.export_xlsx([], examples=True), "gift")
    assert page.status_code == 200 and page.request["PATH_INFO"].startswith("/questions/import/")
    text = notices(page)
    assert "Excel" in text and "GIFT" in text
    assert "UTF-8" not in page.content.decode()
    pending = QuestionImport.objects.get()
    assert pending.fmt == "xlsx" and len(pending.parsed) == len(parsers.TEMPLATE_EXAMPLES) and pending.errors == []


def test_gift_chosen_as_excel_is_read_as_gift(client_for, trainer):
    page = upload(client_for(trainer), "q.txt", GIFT.encode(), "xlsx")
    text = notices(page)
    assert "GIFT" in text and "Excel" in text
    pending = QuestionImport.objects.get()
    assert pending.fmt == "gift" and len(pending.parsed) == 2


def test_aiken_chosen_as_gift_is_read_as_aiken(client_for, trainer):
    page = upload(client_for(trainer), "q.txt", AIKEN.encode(), "gift")
    assert "Aiken" in notices(page)
    pending = QuestionImport.objects.get()
    assert pending.fmt == "aiken" and len(pending.parsed) == 2 and pending.errors == []


def test_matching_format_says_nothing(client_for, trainer):
    page = upload(client_for(trainer), "q.gift", GIFT.encode(), "gift")
    assert notices(page) == "" and QuestionImport.objects.get().fmt == "gift"


@pytest.mark.parametrize(
    ("data", "fmt", "words"),
    [
        (b"\x00\x01\x02\x03junk\xff" * 50, "gift", "Excel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "xlsx", "Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "xlsx", ".xls"),
    ],
)
def test_binary_junk_gets_a_clear_message_not_the_utf8_one(client_for, trainer, data, fmt, words):
    response = upload(client_for(trainer), "x.bin", data, fmt, follow=False)
    assert response.status_code == 200
    message = response.context["form"].errors["file"][0]
    assert words in message and "UTF-8" not in message
    assert QuestionImport.objects.count() == 0


def test_import_refused_to_salespeople(client_for, sales_a):
    assert upload(client_for(sales_a), "q.gift", GIFT.encode(), "gift", follow=False).status_code == 404
    assert client_for(sales_a).get(reverse("assessments:import_template")).status_code == 404


# ---------------------------------------------------------------------------------------------------------------
# The template and the preview


def test_template_uses_chinese_labels_and_lists_the_allowed_values(client_for, trainer):
    response = client_for(trainer).get(reverse("assessments:import_template"))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet, allowed = workbook["试题"], workbook[parsers.ALLOWED_SHEET]
    header = [c.value for c in sheet[1]]
    assert header[10] == "类别" and header[12] == "素质"
    cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert cells[0][0] == "单选题" and cells[0][10] == "销售技能和推销技巧" and cells[0][12] == "能力素质"
    assert not any(row[10] in {"sales-skills", "market", "company"} for row in cells)
    columns = {c[0].value: [v.value for v in c[1:] if v.value] for c in allowed.iter_cols()}
    assert "判断题" in columns["题型"] and "产品知识" in columns["类别"] and "心理素质" in columns["素质"]
    assert sheet.data_validations.dataValidation  # the cells offer the lists


def test_template_round_trip_with_chinese_labels(client_for, trainer):
    client = client_for(trainer)
    template = client.get(reverse("assessments:import_template")).content
    page = upload(client, "template.xlsx", template, "xlsx")
    body = page.content.decode()
    assert "销售技能和推销技巧" in body and "单选题" in body
    assert "sales-skills" not in body and "time-territory" not in body
    pending = QuestionImport.objects.get()
    client.post(reverse("assessments:import_preview", args=[pending.pk]))
    questions = Question.objects.select_related("category", "competency").order_by("id")
    assert questions.count() == len(parsers.TEMPLATE_EXAMPLES)
    first = questions[0]
    assert first.category.code == "sales-skills" and first.competency.code == "ability" and first.qtype == "single"
    assert [q.qtype for q in questions] == ["single", "multiple", "truefalse", "short", "numeric", "essay"]
    assert all(q.current.tags in ([], ["异议处理"]) for q in questions)  # every category was known


def test_old_template_with_codes_and_english_headers_still_imports(client_for, trainer):
    client = client_for(trainer)
    page = upload(client, "old.xlsx", OLD_TEMPLATE, "xlsx")
    body = page.content.decode()
    assert "老模板的题" in body and "sales-skills" not in body and "销售技能和推销技巧" in body
    english = io.StringIO()
    csv.writer(english).writerows(
        [
            ["type", "stem", "option_a", "option_b", "answer", "category", "competency"],
            ["single", "英文表头", "a", "b", "A", "Product knowledge", "Ethics"],
        ]
    )
    upload(client, "en.csv", english.getvalue().encode(), "csv")
    pending = QuestionImport.objects.order_by("-id").first()
    assert pending.errors == [] and pending.parsed[0]["stem"] == "英文表头"
    client.post(reverse("assessments:import_preview", args=[pending.pk]))
    question = Question.objects.select_related("category", "competency").get(current__stem="英文表头")
    assert question.category.code == "product" and question.competency.code == "ethics"


def test_preview_shows_names_and_flags_unknown_categories(client_for, trainer, django_assert_max_num_queries):
    rows = [parsers.TEMPLATE_COLUMNS]
    for i in range(40):
        rows.append(["判断", f"题{i}", "", "", "", "", "", "", "对", "", "market", "", "mindset", ""])
    rows.append(["判断", "未知类别的题", "", "", "", "", "", "", "对", "", "不存在的类别", "", "", ""])
    client = client_for(trainer)
    response = upload(client, "q.xlsx", xlsx(rows), "xlsx", follow=False)
    with django_assert_max_num_queries(12):
        page = client.get(response["Location"])
    body = page.content.decode()
    assert body.count("市场与产业知识") == 40 and "心理素质" in body and "mindset" not in body
    assert "不存在的类别" in body and page.context["rows"][-1]["category_unknown"]
