"""The question editor by type (only the chosen type's fields count, per-type answer checks) and the bank's bulk
actions."""

import pytest
from django.urls import reverse

from assessments.forms import QuestionForm
from assessments.models import Question, QuestionVersion
from tests.assessments import factories as f
from tests.factories import make_trainer

pytestmark = pytest.mark.django_db

NEW = "assessments:question_new"


def post_new(client, **data):
    base = {"stem": "客户说太贵了怎么办？", "difficulty": 3}
    return client.post(reverse(NEW), {**base, **data})


def errors_of(response) -> dict:
    return response.context["form"].errors


# ---------------------------------------------------------------------------------------------------------------
# Editor by type


def test_editor_marks_each_section_with_its_types_and_loads_its_script(client_for, trainer):
    page = client_for(trainer).get(reverse(NEW))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-qtypes="single multiple"' in body and 'data-qtypes="truefalse"' in body
    assert 'data-qtypes="numeric"' in body and 'data-qtypes="multiple"' in body
    assert "js/question_editor.js" in body and 'id="question-preview"' in body
    assert "<script>" not in body  # CSP: no inline script


def test_editor_is_refused_to_salespeople(client_for, sales_a):
    assert client_for(sales_a).get(reverse(NEW)).status_code == 404
    assert post_new(client_for(sales_a), qtype="essay").status_code == 404
    assert Question.objects.count() == 0


def test_single_choice_needs_exactly_one_correct(client_for, trainer):
    client = client_for(trainer)
    two = post_new(client, qtype="single", option_a="降价", option_b="了解", correct=["A", "B"])
    assert two.status_code == 200 and any(
        w in " ".join(errors_of(two)["correct"]) for w in ("exactly one correct", "只能有一个正确")
    )
    none = post_new(client, qtype="single", option_a="降价", option_b="了解")
    assert "correct" in errors_of(none)
    one_option = post_new(client, qtype="single", option_a="降价", correct=["A"])
    assert "两个选项" in errors_of(one_option)["option_a"][0]
    on_empty = post_new(client, qtype="single", option_a="降价", option_b="了解", correct=["C"])
    assert any(w in errors_of(on_empty)["correct"][0] for w in ("has no text", "没有内容"))
    assert Question.objects.count() == 0
    good = post_new(client, qtype="single", option_a="降价", option_b="了解", correct=["B"])
    assert good.status_code == 302
    version = Question.objects.get().current
    assert [o["weight"] for o in version.options] == [0.0, 100.0]


def test_multiple_choice_weights_must_be_positive_and_add_up_to_100(client_for, trainer):
    client = client_for(trainer)
    options = {"option_a": "客户背景", "option_b": "产品资料", "option_c": "个人简历"}
    none = post_new(client, qtype="multiple", **options)
    assert "至少标出一个正确选项" in errors_of(none)["correct"][0]
    short_sum = post_new(
        client, qtype="multiple", **options, correct=["A", "B"], weight_a="50", weight_b="40", partial_credit="weighted"
    )
    assert "100" in errors_of(short_sum)["correct"][0] and "90" in errors_of(short_sum)["correct"][0]
    zero = post_new(client, qtype="multiple", **options, correct=["A", "B"], weight_a="100", weight_b="0")
    assert any(w in errors_of(zero)["weight_b"][0] for w in ("positive weight", "正的权重"))
    wrong_positive = post_new(
        client, qtype="multiple", **options, correct=["A", "B"], weight_a="50", weight_b="50", weight_c="10"
    )
    assert "weight_c" in errors_of(wrong_positive)
    weighted_without = post_new(client, qtype="multiple", **options, correct=["A", "B"], partial_credit="weighted")
    assert "weight_a" in errors_of(weighted_without)
    assert Question.objects.count() == 0
    good = post_new(
        client,
        qtype="multiple",
        **options,
        correct=["A", "B"],
        weight_a="66.67",
        weight_b="33.33",
        weight_c="-20",
        partial_credit="weighted",
    )
    assert good.status_code == 302
    version = Question.objects.get().current
    assert [o["weight"] for o in version.options] == [66.67, 33.33, -20.0]
    assert version.partial_credit == "weighted"
    page = client.get(reverse("assessments:question_edit", args=[version.question_id]))
    assert page.context["form"].initial["weight_a"] == "66.67"


def test_multiple_choice_without_weights_shares_equally(client_for, trainer):
    response = post_new(
        client_for(trainer), qtype="multiple", option_a="a", option_b="b", option_c="c", correct=["A", "C"]
    )
    assert response.status_code == 302
    assert [o["weight"] for o in Question.objects.get().current.options] == [50.0, 0.0, 50.0]


def test_true_false_needs_its_answer(client_for, trainer):
    client = client_for(trainer)
    missing = post_new(client, qtype="truefalse")
    assert "true_false" in errors_of(missing)
    assert post_new(client, qtype="truefalse", true_false="false").status_code == 302
    assert Question.objects.get().current.answer == {"value": False}


def test_numeric_needs_a_number_and_a_tolerance_of_zero_or_more(client_for, trainer):
    client = client_for(trainer)
    assert "numeric" in errors_of(post_new(client, qtype="numeric"))
    assert "不是数字" in errors_of(post_new(client, qtype="numeric", numeric="一千"))["numeric"][0]
    negative = post_new(client, qtype="numeric", numeric="1000", tolerance="-5")
    assert any(w in errors_of(negative)["tolerance"][0] for w in ("0 or more", "不能小于 0"))
    assert "tolerance" in errors_of(post_new(client, qtype="numeric", numeric="1000", tolerance="abc"))
    assert "tolerance" in errors_of(post_new(client, qtype="numeric", numeric="1000±-5"))
    assert "为空" in errors_of(post_new(client, qtype="numeric", numeric="45..40"))["numeric"][0]
    assert Question.objects.count() == 0
    assert post_new(client, qtype="numeric", numeric="1000", tolerance="5").status_code == 302
    assert post_new(client, qtype="numeric", numeric="40..45").status_code == 302
    answers = [q.current.answer for q in Question.objects.order_by("id")]
    assert answers == [{"value": "1000", "tolerance": "5"}, {"min": "40", "max": "45"}]
    first = Question.objects.order_by("id").first()
    initial = client.get(reverse("assessments:question_edit", args=[first.pk])).context["form"].initial
    assert initial["numeric"] == "1000" and initial["tolerance"] == "5"


def test_short_answer_needs_an_accepted_answer_and_essay_no_key(client_for, trainer):
    client = client_for(trainer)
    assert "accepted" in errors_of(post_new(client, qtype="short", accepted="  \n "))
    assert post_new(client, qtype="short", accepted="优势\nstrength").status_code == 302
    assert post_new(client, qtype="essay").status_code == 302
    short, essay = Question.objects.order_by("id").select_related("current")
    assert short.current.answer == {"accepted": ["优势", "strength"]}
    assert essay.current.answer == {} and essay.current.options == []


def test_fields_of_other_types_are_ignored(client_for, trainer):
    """A true/false question sent with options, a numeric answer and bad weights (left in hidden sections) saves,
    and keeps none of them."""
    response = post_new(
        client_for(trainer),
        qtype="truefalse",
        true_false="true",
        option_a="A 项",
        option_b="B 项",
        correct=["A", "B"],
        weight_a="-999",
        numeric="abc",
        tolerance="-1",
        accepted="关键词",
        partial_credit="weighted",
    )
    assert response.status_code == 302
    version = Question.objects.get().current
    assert version.options == [] and version.answer == {"value": True}
    assert version.partial_credit == "all"


def test_form_ignores_other_types_fields_in_its_cleaned_data():
    form = QuestionForm(
        {"qtype": "essay", "stem": "简述", "difficulty": "3", "numeric": "x", "option_a": "a", "correct": ["A"]}
    )
    assert form.is_valid(), form.errors
    data = form.to_data()
    assert data["options"] == [] and data["answer"] == {} and form.cleaned_data["numeric"] == ""


# ---------------------------------------------------------------------------------------------------------------
# Bulk actions in the bank

BULK = "assessments:question_bulk"


def foreign_quiz_question(qbank, stem="别人的测验里的题"):
    """A question another trainer's published quiz uses as a fixed question: the trainer may not edit it."""
    question = f.single(qbank, stem=stem)
    f.quiz(make_trainer(username="quiz_owner"), [question])
    return question


def test_bulk_move_to_category_makes_new_versions(client_for, trainer, qbank):
    mine = [f.single(qbank, stem=f"题{i}", author=trainer) for i in range(3)]
    other = f.single(qbank, stem="不选的题")
    product = f.category("product")
    back = reverse("assessments:questions") + "?q=abc&category="
    response = client_for(trainer).post(
        reverse(BULK),
        {"ids": [q.pk for q in mine], "action": "category", "category": product.pk, "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    for question in mine:
        question.refresh_from_db()
        assert question.category_id == product.pk and question.current.category_id == product.pk
        assert question.current.number == 2
    other.refresh_from_db()
    assert other.category.code == "sales-skills" and other.current.number == 1


def test_bulk_competency_tags_and_retire(client_for, trainer, qbank):
    questions = [f.single(qbank, stem=f"题{i}") for i in range(2)]
    ids = [q.pk for q in questions]
    client = client_for(trainer)
    client.post(reverse(BULK), {"ids": ids, "action": "competency", "competency": f.competency("ethics").pk})
    client.post(reverse(BULK), {"ids": ids, "action": "tag_add", "tag": "异议处理"})
    client.post(reverse(BULK), {"ids": ids, "action": "tag_add", "tag": "异议处理"})  # already there: no new version
    for question in Question.objects.filter(pk__in=ids).select_related("current", "competency"):
        assert question.competency.code == "ethics" and question.current.tags == ["异议处理"]
        assert question.current.number == 3
    client.post(reverse(BULK), {"ids": ids[:1], "action": "tag_remove", "tag": "异议处理"})
    assert Question.objects.get(pk=ids[0]).current.tags == []
    page = client.post(reverse(BULK), {"ids": ids, "action": "retire"}, follow=True)
    assert page.status_code == 200 and Question.objects.filter(is_archived=True).count() == 2
    assert page.context["page"].paginator.count == 0


def test_bulk_refuses_the_whole_selection_when_one_is_not_editable(client_for, trainer, qbank):
    mine = f.single(qbank, stem="我的题", author=trainer)
    theirs = foreign_quiz_question(qbank)
    page = client_for(trainer).post(reverse(BULK), {"ids": [mine.pk, theirs.pk], "action": "retire"}, follow=True)
    text = " ".join(str(m) for m in page.context["messages"])
    assert "1" in text and Question.objects.filter(is_archived=True).count() == 0
    page = client_for(trainer).post(
        reverse(BULK),
        {"ids": [mine.pk, theirs.pk], "action": "category", "category": f.category("company").pk},
        follow=True,
    )
    assert QuestionVersion.objects.count() == 2  # no new version for either
    mine.refresh_from_db()
    assert mine.category.code == "sales-skills"


def test_bulk_refuses_unknown_ids_bad_input_and_salespeople(client_for, trainer, sales_a, qbank):
    question = f.single(qbank)
    client = client_for(trainer)
    for data in (
        {"ids": [question.pk, 999999], "action": "retire"},
        {"ids": [question.pk], "action": "explode"},
        {"ids": [], "action": "retire"},
        {"ids": [question.pk], "action": "category"},
        {"ids": [question.pk], "action": "category", "category": "abc"},
        {"ids": [question.pk], "action": "tag_add", "tag": "two words"},
        {"ids": ["x"], "action": "retire"},
    ):
        response = client.post(reverse(BULK), data, follow=True)
        assert response.status_code == 200 and list(response.context["messages"]), data
        assert response.context["messages"]._loaded_messages[-1].level_tag == "error", data
    question.refresh_from_db()
    assert not question.is_archived and question.current.number == 1
    assert client_for(sales_a).post(reverse(BULK), {"ids": [question.pk], "action": "retire"}).status_code == 404
    assert client.get(reverse(BULK)).status_code in (404, 405)


def test_bulk_queries_do_not_grow_with_the_selection(client_for, trainer, qbank, django_assert_max_num_queries):
    few = [f.single(qbank, stem=f"少{i}").pk for i in range(2)]
    many = [f.single(qbank, stem=f"多{i}").pk for i in range(40)]
    client = client_for(trainer)
    client.get(reverse("assessments:questions"))  # logged in before counting
    category = f.category("market").pk
    with django_assert_max_num_queries(14) as small:
        client.post(reverse(BULK), {"ids": few, "action": "category", "category": category})
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.post(reverse(BULK), {"ids": many, "action": "category", "category": category})
    assert Question.objects.filter(category_id=category).count() == 42


def test_bank_list_offers_checkboxes_only_for_editable_questions(
    client_for, trainer, qbank, django_assert_max_num_queries
):
    for i in range(55):
        f.single(qbank, stem=f"题目{i}")
    theirs = foreign_quiz_question(qbank, stem="锁定的题")
    client = client_for(trainer)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("assessments:questions"))
    assert len(page.context["page"].object_list) == 50
    page = client.get(reverse("assessments:questions") + "?q=锁定")
    body = page.content.decode()
    assert f'name="ids" value="{theirs.pk}" form="bulk-form"' in body and " disabled>" in body
    assert "js/question_bank.js" in body and 'class="table-responsive"' in body
