"""Pages: allowed and refused for each persona, bad input, and query budgets with enough rows to show an N+1."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assessments import services
from assessments.models import Attempt, Question, QuestionVersion
from tests.assessments import factories as f
from tests.factories import make_salesperson, make_trainer


def _take(user, quiz, answers=None):
    attempt = services.attempt_start(quiz=quiz, user=user)
    if answers:
        services.attempt_save_answers(attempt=attempt, seq=1, answers=answers(attempt))
    services.attempt_submit(attempt=attempt)
    return attempt


def test_anonymous_is_sent_to_login(client, auto_quiz):
    for url in (
        reverse("assessments:quizzes"),
        reverse("assessments:quiz", args=[auto_quiz.id]),
        reverse("assessments:questions"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_quiz_list_and_detail(client_for, sales_a, trainer, qbank, django_assert_max_num_queries):
    for i in range(30):
        f.quiz(trainer, [], title=f"测验{i:02d}", takers=[sales_a])
    draft = f.quiz(trainer, [], title="草稿测验", status="draft", takers=[sales_a])
    client = client_for(sales_a)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("assessments:quizzes"))
    assert page.status_code == 200 and "测验00" in page.content.decode() and "草稿测验" not in page.content.decode()
    assert client.get(reverse("assessments:quiz", args=[draft.id])).status_code == 404


def test_taking_a_quiz_through_pages(client_for, sales_a, auto_quiz, django_assert_max_num_queries):
    client = client_for(sales_a)
    response = client.post(reverse("assessments:quiz_start", args=[auto_quiz.id]))
    attempt = Attempt.objects.get(user=sales_a)
    assert response["Location"] == reverse("assessments:attempt", args=[attempt.id])
    with django_assert_max_num_queries(10):
        page = client.get(response["Location"])
    assert page.status_code == 200 and b'id="quiz-form"' in page.content and b"quiz.js" in page.content
    items = {i.version.qtype: i for i in attempt.items.select_related("version")}
    form = {"seq": "1", f"q-{items['single'].id}": "B", f"q-{items['multiple'].id}": ["A", "B"]}
    saved = client.post(reverse("assessments:attempt_save", args=[attempt.id]), form, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and b'data-testid="saved"' in saved.content
    stale = client.post(reverse("assessments:attempt_save", args=[attempt.id]), form, HTTP_HX_REQUEST="true")
    assert stale.status_code == 409 and b'data-testid="save-error"' in stale.content
    bad = client.post(
        reverse("assessments:attempt_save", args=[attempt.id]), {**form, "seq": "2", f"q-{items['single'].id}": "Z"}
    )
    assert bad.status_code == 400
    # Reload: the saved answers are checked in the page.
    page = client.get(response["Location"]).content.decode()
    assert f'id="q-{items["single"].id}-B" value="B" checked' in page
    form["seq"] = "3"
    done = client.post(reverse("assessments:attempt_submit", args=[attempt.id]), form, follow=True)
    assert done.status_code == 200 and b'data-testid="result-summary"' in done.content
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED and attempt.score == 2
    again = client.post(reverse("assessments:attempt_submit", args=[attempt.id]), {"seq": "9"}, follow=True)
    assert "已经提交" in again.content.decode() or "already been submitted" in again.content.decode()


def test_attempt_pages_refuse_others(client_for, sales_a, sales_b, manager_a, manager_b, auto_quiz):
    attempt = _take(sales_a, auto_quiz)
    url = reverse("assessments:attempt", args=[attempt.id])
    assert client_for(sales_b).get(url).status_code == 404
    assert (
        client_for(sales_b).post(reverse("assessments:attempt_save", args=[attempt.id]), {"seq": 1}).status_code == 404
    )
    assert client_for(sales_b).post(reverse("assessments:attempt_submit", args=[attempt.id])).status_code == 404
    assert client_for(manager_b).get(url).status_code == 404
    seen = client_for(manager_a).get(url)
    assert seen.status_code == 200 and b'data-testid="review-item"' not in seen.content


def test_results_page_for_managers_and_trainers(
    client_for, team_a, team_b, manager_a, sales_a, trainer, auto_quiz, django_assert_max_num_queries
):
    people = [make_salesperson(team_a) for _ in range(15)] + [make_salesperson(team_b) for _ in range(15)]
    for person in people:
        _take(person, auto_quiz)
    client = client_for(manager_a)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("assessments:results"))
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 15
    client = client_for(trainer)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("assessments:results") + "?status=graded")
    assert page.context["page"].paginator.count == 30
    assert client_for(sales_a).get(reverse("assessments:results")).status_code == 404


def test_question_bank_pages(client_for, trainer, manager_a, sales_a, qbank, django_assert_max_num_queries):
    for i in range(60):
        f.single(qbank, stem=f"题目{i}")
    client = client_for(trainer)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("assessments:questions"))
    assert page.status_code == 200 and len(page.context["page"].object_list) == 50
    assert client_for(manager_a).get(reverse("assessments:questions")).status_code == 404
    assert client_for(sales_a).get(reverse("assessments:question_new")).status_code == 404


def test_question_form_creates_and_edits_as_versions(client_for, trainer, qbank):
    client = client_for(trainer)
    bad = client.post(
        reverse("assessments:question_new"),
        {"qtype": "single", "stem": "题", "option_a": "a", "partial_credit": "all", "difficulty": 3},
    )
    assert bad.status_code == 200 and Question.objects.count() == 0
    assert bad.context["form"].errors
    data = {
        "qtype": "multiple",
        "stem": "<b>哪些</b>是产品优势？",
        "option_a": "耐用",
        "option_b": "便宜",
        "option_c": "难用",
        "correct": ["A", "B"],
        "partial_credit": "rmw",
        "difficulty": 2,
        "category": f.category("product").id,
        "tags": "产品 优势",
    }
    assert client.post(reverse("assessments:question_new"), data).status_code == 302
    question = Question.objects.get()
    assert question.current.partial_credit == "rmw" and question.current.tags == ["产品", "优势"]
    edit_url = reverse("assessments:question_edit", args=[question.id])
    form_page = client.get(edit_url)
    assert form_page.context["form"].initial["correct"] == ["A", "B"]
    assert client.post(edit_url, {**data, "correct": ["A"]}).status_code == 302
    assert QuestionVersion.objects.filter(question=question).count() == 2
    question.refresh_from_db()
    assert question.current.number == 2


GIFT = "::一::题一 {=对 ~错}\n\n::二::题二 {T}\n\n坏题没有答案\n"


def test_import_preview_then_confirm(client_for, trainer, sales_a):
    assert client_for(sales_a).get(reverse("assessments:import")).status_code == 404
    client = client_for(trainer)
    upload = SimpleUploadedFile("q.gift", GIFT.encode())
    response = client.post(reverse("assessments:import"), {"file": upload, "format": "gift"})
    assert response.status_code == 302 and Question.objects.count() == 0
    preview = client.get(response["Location"])
    body = preview.content.decode()
    assert preview.status_code == 200 and "题一" in body and ("Line 5" in body or "第 5 行" in body)
    blocked = client.post(response["Location"], {}, follow=True)
    assert Question.objects.count() == 0 and blocked.status_code == 200
    done = client.post(response["Location"], {"valid_only": "1"})
    assert done.status_code == 302 and Question.objects.count() == 2
    client.post(response["Location"], {"valid_only": "1"})
    assert Question.objects.count() == 2  # the same preview never imports twice
    other = make_trainer(username="other_t")
    assert client_for(other).get(response["Location"]).status_code == 404


def test_import_bad_file_message_next_to_field(client_for, trainer, settings):
    client = client_for(trainer)
    response = client.post(
        reverse("assessments:import"), {"file": SimpleUploadedFile("x.gift", b"\x00\x01bin"), "format": "gift"}
    )
    assert response.status_code == 200 and response.context["form"].errors["file"]
    settings.IMPORT_MAX_BYTES = 10
    response = client.post(
        reverse("assessments:import"), {"file": SimpleUploadedFile("x.gift", b"x" * 100), "format": "gift"}
    )
    assert "MB" in response.context["form"].errors["file"][0]


def test_template_and_exports(client_for, trainer, sales_a, qbank):
    f.single(qbank)
    f.short(qbank)
    client = client_for(trainer)
    template = client.get(reverse("assessments:import_template"))
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]][:3] == ["题型", "题干", "选项A"]
    gift = client.get(reverse("assessments:export") + "?format=gift")
    assert gift.status_code == 200 and "了解比较对象" in gift.content.decode()
    xlsx = client.get(reverse("assessments:export") + "?format=xlsx")
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.content)).active.max_row == 3
    assert client_for(sales_a).get(reverse("assessments:export")).status_code == 404


def test_bank_round_trip_through_export_and_import(client_for, trainer, qbank):
    f.single(qbank)
    f.multiple(qbank)
    f.truefalse(qbank)
    f.short(qbank)
    f.essay(qbank)
    client = client_for(trainer)

    def snapshot():
        return sorted(
            (
                v.qtype,
                v.stem,
                tuple((o["text"], o["weight"] > 0) for o in v.options),
                str(v.answer),
                v.explanation,
                v.category_id,
                v.difficulty,
            )
            for v in QuestionVersion.objects.all()
        )

    for fmt in ("gift", "xlsx"):
        before = snapshot()
        exported = client.get(reverse("assessments:export") + f"?format={fmt}").content
        Question.objects.all().update(current=None)
        QuestionVersion.objects.all().delete()
        Question.objects.all().delete()
        result = services.import_upload(
            bank=qbank, user=trainer, fmt=fmt, data=exported, dry_run=False, valid_only=False
        )
        assert result["errors"] == [] and result["imported"] == 5
        assert snapshot() == before, fmt


def test_grading_page(client_for, trainer, sales_a, manager_a, mixed_quiz, django_assert_max_num_queries):
    people = [sales_a] + [make_salesperson() for _ in range(10)]
    for person in people:
        _take(person, mixed_quiz, lambda a: {str(i.id): "我的看法" for i in a.items.filter(version__qtype="essay")})
    client = client_for(trainer)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("assessments:grading"))
    assert page.status_code == 200 and page.context["page"].paginator.count == 11
    item = page.context["page"].object_list[0]
    assert client.post(reverse("assessments:grade_item", args=[item.id]), {"score": "9"}).status_code == 302
    item.refresh_from_db()
    assert item.needs_grading
    client.post(reverse("assessments:grade_item", args=[item.id]), {"score": "1", "comment": "好"})
    item.refresh_from_db()
    assert not item.needs_grading and item.attempt.status == Attempt.Status.GRADED
    assert client_for(manager_a).get(reverse("assessments:grading")).status_code == 404
    assert (
        client_for(make_trainer(username="tx"))
        .post(reverse("assessments:grade_item", args=[item.id]), {"score": 1})
        .status_code
        == 404
    )


def test_item_analysis_page(client_for, trainer, sales_a, auto_quiz, django_assert_max_num_queries):
    for person in [make_salesperson() for _ in range(20)]:
        _take(person, auto_quiz, lambda a: {str(i.id): "B" for i in a.items.filter(version__qtype="single")})
    client = client_for(trainer)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("assessments:analysis", args=[auto_quiz.id]))
    assert page.status_code == 200 and page.context["analysis"]["attempts"] == 20
    assert client_for(sales_a).get(reverse("assessments:analysis", args=[auto_quiz.id])).status_code == 404
    assert (
        client_for(make_trainer(username="ty")).get(reverse("assessments:analysis", args=[auto_quiz.id])).status_code
        == 404
    )


@pytest.mark.parametrize("persona,visible", [("sales_a", False), ("manager_a", False), ("trainer", True)])
def test_navigation_entries(request, client_for, persona, visible):
    page = client_for(request.getfixturevalue(persona)).get(reverse("assessments:quizzes"))
    assert b'data-nav="assessments:quizzes"' in page.content
    assert (b'data-nav="assessments:questions"' in page.content) is visible


def _quiz_post(**overrides):
    data = {
        "title": "新测验",
        "status": "published",
        "mode": "fixed",
        "pass_mark": 60,
        "attempts_allowed": 1,
        "review_policy": "after_submit",
        "rules-TOTAL_FORMS": "2",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "12",
    }
    data.update(overrides)
    return data


def test_trainer_builds_a_quiz_in_the_browser(client_for, trainer, sales_a, qbank, django_assert_max_num_queries):
    from assessments.models import Quiz

    questions = [f.single(qbank, stem=f"题{i}") for i in range(40)]
    assert client_for(sales_a).get(reverse("assessments:quiz_new")).status_code == 404
    client = client_for(trainer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("assessments:quiz_new")).status_code == 200
    empty = client.post(reverse("assessments:quiz_new"), _quiz_post())
    assert empty.status_code == 200 and empty.context["form"].errors["questions"] and not Quiz.objects.exists()
    bad_window = client.post(
        reverse("assessments:quiz_new"),
        _quiz_post(questions=[questions[0].id], opens_at="2026-03-02T10:00", closes_at="2026-03-01T10:00"),
    )
    assert bad_window.status_code == 200 and not Quiz.objects.exists()
    done = client.post(reverse("assessments:quiz_new"), _quiz_post(questions=[q.id for q in questions[:3]]))
    quiz = Quiz.objects.get()
    assert done.status_code == 302 and quiz.quiz_questions.count() == 3 and trainer in quiz.owners.all()
    edit_url = reverse("assessments:quiz_edit", args=[quiz.id])
    random_quiz = _quiz_post(
        mode="random",
        **{"rules-0-category": f.category("sales-skills").id, "rules-0-count": "5", "rules-0-points": "2"},
    )
    assert client.post(edit_url, random_quiz).status_code == 302
    quiz.refresh_from_db()
    assert quiz.mode == "random" and quiz.rules.get().count == 5 and quiz.quiz_questions.count() == 0
    assert client.get(edit_url).context["rules"].initial[0]["count"] == 5
    other = make_trainer(username="tz")
    assert client_for(other).get(edit_url).status_code == 404


def test_overdue_attempt_page_shows_the_result(client_for, sales_a, auto_quiz):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() - dt.timedelta(hours=2), tick=False):
        attempt = services.attempt_start(quiz=auto_quiz, user=sales_a)
    page = client_for(sales_a).get(reverse("assessments:attempt", args=[attempt.id]))
    assert page.status_code == 200 and b'data-testid="result-summary"' in page.content
    assert "截止时间" in page.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED


def test_attempt_and_result_pages_query_budget_with_many_questions(
    client_for, sales_a, trainer, qbank, django_assert_max_num_queries
):
    from assessments.models import Quiz

    questions = [f.single(qbank, stem=f"题{i}", category=["product", "market", "company"][i % 3]) for i in range(30)]
    quiz = f.quiz(trainer, questions, review_policy=Quiz.Review.AFTER_SUBMIT, review_shows_answers=True)
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    client = client_for(sales_a)
    url = reverse("assessments:attempt", args=[attempt.id])
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    services.attempt_submit(attempt=attempt)
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.content.decode().count('data-testid="review-item"') == 30
    client = client_for(trainer)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_results_filter_by_quiz(client_for, trainer, sales_a, auto_quiz, qbank):
    other = f.quiz(trainer, [f.single(qbank)], title="另一个")
    _take(sales_a, auto_quiz)
    _take(sales_a, other)
    page = client_for(trainer).get(reverse("assessments:results") + f"?quiz={other.id}")
    assert page.context["page"].paginator.count == 1
    detail = client_for(trainer).get(reverse("assessments:quiz", args=[other.id]))
    assert f"?quiz={other.id}".encode() in detail.content


def test_review_shows_numeric_key_when_allowed(client_for, sales_a, trainer, qbank):
    from assessments.models import Quiz

    numeric = services.question_create(
        bank=qbank,
        author=None,
        data={"qtype": "numeric", "stem": "一公里多少米？", "answer": {"value": "1000", "tolerance": "5"}},
    )
    quiz = f.quiz(trainer, [numeric], review_policy=Quiz.Review.AFTER_SUBMIT, review_shows_answers=True)
    attempt = services.attempt_start(quiz=quiz, user=sales_a)
    item = attempt.items.get()
    services.attempt_save_answers(attempt=attempt, seq=1, answers={str(item.id): "１００３"})
    services.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.passed
    page = client_for(sales_a).get(reverse("assessments:attempt", args=[attempt.id])).content.decode()
    assert "1000 ± 5" in page
