"""API routes: allowed and refused cases, error shapes, import through the API."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import services
from assessments.models import Attempt, Question
from tests.assessments import factories as f


def start(api, quiz):
    response = api.post(f"/api/v1/quizzes/{quiz.id}/attempts/")
    assert response.status_code == 201, response.content
    return response.json()


def test_salesperson_takes_quiz_through_the_api(api_for, sales_a, auto_quiz):
    api = api_for(sales_a)
    assert [q["id"] for q in api.get("/api/v1/quizzes/").json()["results"]] == [auto_quiz.id]
    attempt = start(api, auto_quiz)
    item = next(i for i in attempt["items"] if i["qtype"] == "single")
    url = f"/api/v1/attempts/{attempt['id']}/answers/"
    assert api.patch(url, {"seq": 1, "answers": {str(item["id"]): "B"}}).json() == {"seq": 1}
    stale = api.patch(url, {"seq": 1, "answers": {str(item["id"]): "A"}})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    assert "刷新页面" in stale.json()["error"]["message"]
    bad = api.patch(url, {"seq": 2, "answers": {str(item["id"]): "Q"}})
    assert bad.status_code == 400 and str(item["id"]) in bad.json()["error"]["fields"]
    submitted = api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    # The submit answers at once; the grading (run at once by the eager test broker) is read from the attempt.
    assert submitted.status_code == 200
    assert submitted.json() == {
        "id": attempt["id"],
        "status": "submitted",
        "grading": True,
        "submitted_at": submitted.json()["submitted_at"],
        "result": f"/api/v1/attempts/{attempt['id']}/",
    }
    again = api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_submitted"
    detail = api.get(f"/api/v1/attempts/{attempt['id']}/").json()
    assert detail["status"] == "graded" and detail["grading"] is False
    assert detail["score"] == "1.00" and detail["passed"] is False


def test_attempt_of_someone_else_is_404(api_for, sales_a, sales_b, auto_quiz):
    attempt = start(api_for(sales_a), auto_quiz)
    other = api_for(sales_b)
    assert other.get(f"/api/v1/attempts/{attempt['id']}/").status_code == 404
    assert other.patch(f"/api/v1/attempts/{attempt['id']}/answers/", {"seq": 1, "answers": {}}).status_code == 404
    assert other.post(f"/api/v1/attempts/{attempt['id']}/submit/").status_code == 404
    assert api_for(None).get(f"/api/v1/attempts/{attempt['id']}/").status_code in (401, 403)


def test_manager_sees_team_attempt_summary_but_cannot_act(api_for, sales_a, manager_a, manager_b, auto_quiz):
    attempt = start(api_for(sales_a), auto_quiz)
    api_for(sales_a).post(f"/api/v1/attempts/{attempt['id']}/submit/")
    seen = api_for(manager_a).get(f"/api/v1/attempts/{attempt['id']}/")
    assert seen.status_code == 200 and seen.json()["items"] == [] and seen.json()["percent"] is not None
    assert api_for(manager_a).post(f"/api/v1/attempts/{attempt['id']}/submit/").status_code == 404
    assert api_for(manager_b).get(f"/api/v1/attempts/{attempt['id']}/").status_code == 404


def test_start_refusals_are_409_with_message(api_for, sales_a, trainer, qbank):
    quiz = f.quiz(trainer, [f.single(qbank)], attempts_allowed=1, takers=[sales_a])
    api = api_for(sales_a)
    attempt = start(api, quiz)
    api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    refused = api.post(f"/api/v1/quizzes/{quiz.id}/attempts/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "no_attempts_left"
    assert api.post("/api/v1/quizzes/999999/attempts/").status_code == 404


def test_draft_quiz_is_invisible_to_salespeople(api_for, sales_a, trainer, qbank):
    draft = f.quiz(trainer, [f.single(qbank)], status="draft", takers=[sales_a])
    assert api_for(sales_a).get(f"/api/v1/quizzes/{draft.id}/").status_code == 404
    assert api_for(trainer).get(f"/api/v1/quizzes/{draft.id}/").status_code == 200


def test_questions_api_trainer_only_and_edit_makes_version(api_for, trainer, sales_a, manager_a, qbank):
    f.single(qbank)
    assert api_for(sales_a).get("/api/v1/questions/").status_code == 403
    assert api_for(manager_a).get("/api/v1/questions/").status_code == 403
    api = api_for(trainer)
    created = api.post(
        "/api/v1/questions/",
        {
            "qtype": "truefalse",
            "stem": "<p>诚信是底线<script>alert(1)</script></p>",
            "answer": {"value": True},
            "category": "company",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert "<script>" not in body["stem"] and body["category"] == "company" and body["version"] == 1
    changed = api.put(
        f"/api/v1/questions/{body['id']}/", {"qtype": "truefalse", "stem": "诚信是底线吗", "answer": {"value": False}}
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    bad = api.post("/api/v1/questions/", {"qtype": "single", "stem": "题", "options": [{"text": "a"}]})
    assert bad.status_code == 400 and "options" in bad.json()["error"]["fields"]
    assert api.get("/api/v1/questions/").json()["count"] == 2


GIFT_OK = "::一::题一 {=对 ~错}\n\n::二::题二 {T}\n"
GIFT_BAD = GIFT_OK + "\n坏题没有答案\n"


def _upload(api, content: bytes, fmt="gift", **extra):
    data = {"file": SimpleUploadedFile("q.txt", content), "format": fmt, **extra}
    return api.post("/api/v1/questions/import/", data, format="multipart")


def test_import_api_dry_run_errors_and_valid_only(api_for, trainer, sales_a):
    api = api_for(trainer)
    dry = _upload(api, GIFT_BAD.encode(), dry_run="true")
    assert dry.status_code == 200
    assert dry.json()["parsed"] == 2 and dry.json()["errors"][0]["line"] == 5 and Question.objects.count() == 0
    blocked = _upload(api, GIFT_BAD.encode())
    assert blocked.status_code == 400 and blocked.json()["error"]["code"] == "import_has_errors"
    assert blocked.json()["errors"][0]["line"] == 5 and Question.objects.count() == 0
    partial = _upload(api, GIFT_BAD.encode(), valid_only="true")
    assert partial.status_code == 200 and partial.json()["imported"] == 2 and Question.objects.count() == 2
    rejected = _upload(api, b"\x00\x01\x02binary")
    assert rejected.status_code == 400 and rejected.json()["error"]["code"] == "file_rejected"
    assert _upload(api_for(sales_a), GIFT_OK.encode()).status_code == 403


def test_import_api_refuses_files_over_the_limit(api_for, trainer, settings):
    settings.IMPORT_MAX_BYTES = 1024
    response = _upload(api_for(trainer), b"x" * 4096)
    assert response.status_code == 400 and "MB" in response.json()["error"]["message"]


def test_grading_queue_api(api_for, trainer, sales_a, mixed_quiz, django_user_model):
    from tests.factories import make_trainer

    api = api_for(sales_a)
    attempt = start(api, mixed_quiz)
    essay = next(i for i in attempt["items"] if i["qtype"] == "essay")
    api.patch(f"/api/v1/attempts/{attempt['id']}/answers/", {"seq": 1, "answers": {str(essay["id"]): "我的回答"}})
    api.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    queue = api_for(trainer).get("/api/v1/grading/").json()
    assert queue["count"] == 1 and queue["results"][0]["answer"] == "我的回答"
    other_trainer = make_trainer(username="t2")
    assert api_for(other_trainer).get("/api/v1/grading/").json()["count"] == 0
    assert api_for(other_trainer).post(f"/api/v1/grading/{essay['id']}/", {"score": 1}).status_code == 404
    assert api_for(sales_a).get("/api/v1/grading/").status_code == 403
    too_much = api_for(trainer).post(f"/api/v1/grading/{essay['id']}/", {"score": 5})
    assert too_much.status_code == 400 and "score" in too_much.json()["error"]["fields"]
    ok = api_for(trainer).post(f"/api/v1/grading/{essay['id']}/", {"score": "0.5", "comment": "好"})
    assert ok.status_code == 200
    assert Attempt.objects.get(pk=attempt["id"]).status == Attempt.Status.GRADED
    assert api_for(trainer).get("/api/v1/grading/").json()["count"] == 0


def test_item_analysis_api_owner_only(api_for, trainer, sales_a, manager_a, auto_quiz):
    from tests.factories import make_trainer

    attempt = services.attempt_start(quiz=auto_quiz, user=sales_a)
    services.attempt_submit(attempt=attempt)
    ok = api_for(trainer).get(f"/api/v1/quizzes/{auto_quiz.id}/item-analysis/")
    assert ok.status_code == 200 and ok.json()["attempts"] == 1 and len(ok.json()["questions"]) == 4
    assert api_for(make_trainer(username="t3")).get(f"/api/v1/quizzes/{auto_quiz.id}/item-analysis/").status_code == 404
    assert api_for(sales_a).get(f"/api/v1/quizzes/{auto_quiz.id}/item-analysis/").status_code == 403
    assert api_for(manager_a).get(f"/api/v1/quizzes/{auto_quiz.id}/item-analysis/").status_code == 403


@pytest.mark.django_db
def test_openapi_schema_lists_the_routes(api_for, admin_user):
    schema = api_for(admin_user).get("/api/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    for route in ("/api/v1/quizzes/{id}/attempts/", "/api/v1/attempts/{id}/answers/", "/api/v1/questions/import/"):
        assert route in text


def test_attempt_list_is_scoped(
    api_for, team_a, team_b, sales_a, sales_b, manager_a, trainer, auto_quiz, django_assert_max_num_queries
):
    from tests.factories import make_salesperson

    for person in [sales_a, sales_b] + [make_salesperson(team_a) for _ in range(10)]:
        services.attempt_submit(attempt=services.attempt_start(quiz=auto_quiz, user=person))
    api = api_for(manager_a)
    with django_assert_max_num_queries(10):
        listed = api.get("/api/v1/attempts/")
    assert listed.status_code == 200 and listed.json()["count"] == 11
    assert api_for(sales_a).get("/api/v1/attempts/").json()["count"] == 1
    assert api_for(trainer).get(f"/api/v1/attempts/?quiz={auto_quiz.id}&status=graded").json()["count"] == 12
    assert api_for(None).get("/api/v1/attempts/").status_code in (401, 403)


def test_import_api_twenty_megabytes_of_junk_gets_a_clear_message(api_for, trainer):
    import os

    api = api_for(trainer)
    too_big = _upload(api, os.urandom(20 * 1024 * 1024 + 1))
    assert too_big.status_code == 400 and "20 MB" in too_big.json()["error"]["message"]
    binary = _upload(api, os.urandom(2 * 1024 * 1024), fmt="xlsx")
    assert binary.status_code == 400 and binary.json()["error"]["code"] == "file_rejected"
    junk_text = _upload(api, ("乱码" * 500_000).encode(), dry_run="true")
    assert junk_text.status_code == 200 and junk_text.json()["parsed"] == 0 and junk_text.json()["errors"]
    assert Question.objects.count() == 0


def test_overdue_attempt_is_closed_on_next_access(api_for, sales_a, auto_quiz):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() - dt.timedelta(hours=2), tick=False):
        attempt = start(api_for(sales_a), auto_quiz)
    detail = api_for(sales_a).get(f"/api/v1/attempts/{attempt['id']}/")
    assert detail.json()["status"] == "graded"
    assert Attempt.objects.get(pk=attempt["id"]).auto_closed


def test_imported_unknown_category_is_kept_as_a_tag(api_for, trainer):
    gift = "$CATEGORY: $course$/top/默认分类\n\n题 {T}\n\n$CATEGORY: 产品知识\n\n题二 {F}\n"
    response = _upload(api_for(trainer), gift.encode())
    assert response.status_code == 200 and response.json()["imported"] == 2
    first, second = Question.objects.order_by("id").select_related("current", "category")
    assert first.category is None and first.current.tags == ["默认分类"]
    assert second.category.code == "product" and second.current.tags == []


def test_api_lists_have_bounded_queries(api_for, trainer, qbank, mixed_quiz, django_assert_max_num_queries):
    from tests.factories import make_salesperson

    for i in range(60):
        f.single(qbank, stem=f"题{i}")
    for _ in range(12):
        f.quiz(trainer, [], title="另一个测验")
    for person in [make_salesperson() for _ in range(12)]:
        attempt = services.attempt_start(quiz=mixed_quiz, user=person)
        essay = attempt.items.get(version__qtype="essay")
        services.attempt_save_answers(attempt=attempt, seq=1, answers={str(essay.id): "答"})
        services.attempt_submit(attempt=attempt)
    api = api_for(trainer)
    for url, count in (("/api/v1/questions/", 65), ("/api/v1/quizzes/", 13), ("/api/v1/grading/", 12)):
        with django_assert_max_num_queries(8):
            response = api.get(url)
        assert response.json()["count"] == count, url


def test_an_answer_with_a_nul_character_is_refused_not_stored(api_for, client_for, sales_a, auto_quiz):
    """PostgreSQL cannot store NUL, not even inside JSON: saving one was a 500 through the page and the API."""
    from django.urls import reverse

    from assessments.models import Attempt

    api = api_for(sales_a)
    attempt = start(api, auto_quiz)
    short = next(i for i in attempt["items"] if i["qtype"] == "short")
    url = f"/api/v1/attempts/{attempt['id']}/answers/"
    bad = api.patch(url, {"seq": 1, "answers": {str(short["id"]): "a\x00b"}})
    assert bad.status_code == 400 and f"answers.{short['id']}" in bad.json()["error"]["fields"]
    page = client_for(sales_a).post(
        reverse("assessments:attempt_save", args=[attempt["id"]]),
        {"seq": "1", f"q-{short['id']}": "a\x00b"},
        HTTP_HX_REQUEST="true",
    )
    assert page.status_code == 400
    # nothing was written: the next save with sequence 1 is still accepted
    assert api.patch(url, {"seq": 1, "answers": {str(short["id"]): "ab"}}).json() == {"seq": 1}
    assert Attempt.objects.get(id=attempt["id"]).items.get(id=short["id"]).answer == "ab"


@pytest.mark.parametrize(
    "answer",
    ["\ud800", "前\udfff后", ["A", "\ud83d"]],
    ids=["lone high surrogate", "lone low surrogate", "in a list"],
)
def test_an_answer_with_a_lone_surrogate_is_a_400_and_nothing_is_stored(
    api_for, client_for, sales_a, auto_quiz, answer
):
    """Issue 18: a lone surrogate ("\\ud800" in JSON) in a quiz answer was a 500 on PostgreSQL, which cannot store
    it. The API's JSON parser refuses it with the field named; a page's form post cannot even carry one (Django
    decodes the bytes of one as U+FFFD)."""
    from django.urls import reverse

    from assessments.models import Attempt

    api = api_for(sales_a)
    attempt = start(api, auto_quiz)
    items = {i["qtype"]: i for i in attempt["items"]}
    item = items["multiple" if isinstance(answer, list) else "short"]
    url = f"/api/v1/attempts/{attempt['id']}/answers/"
    # json.dumps writes the surrogate as the escape a client sends ("\ud800"); the test client would not encode it
    body = json.dumps({"seq": 1, "answers": {str(item["id"]): answer}})
    bad = api.generic("PATCH", url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["code"] == "invalid"
    [message] = error["fields"][f"answers.{item['id']}"]
    assert "broken character" in message and ("Item 2: " in message) == isinstance(answer, list)
    assert Attempt.objects.get(id=attempt["id"]).save_seq == 0
    assert Attempt.objects.get(id=attempt["id"]).items.get(id=item["id"]).answer is None
    # the bytes of a surrogate in a form post arrive replaced, and are stored as such
    short = items["short"]
    page = client_for(sales_a).post(
        reverse("assessments:attempt_save", args=[attempt["id"]]),
        f"seq=1&q-{short['id']}=%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
        HTTP_HX_REQUEST="true",
    )
    assert page.status_code == 200
    assert "\ufffd" in Attempt.objects.get(id=attempt["id"]).items.get(id=short["id"]).answer


def test_clearing_answers_stores_no_answer_and_grades_none(api_for, sales_a, auto_quiz):
    """Issue 18: unticking an answer (`[]`, or a null) was a 500 on PostgreSQL and the old answer stayed stored
    and was graded. Several cleared at once, and cleared beside a kept one."""
    api = api_for(sales_a)
    attempt = start(api, auto_quiz)
    items = {i["qtype"]: i for i in attempt["items"]}
    single, multiple, short = items["single"], items["multiple"], items["short"]
    url = f"/api/v1/attempts/{attempt['id']}/answers/"
    first = {str(single["id"]): "B", str(multiple["id"]): ["A", "B"], str(short["id"]): "电话邀约"}
    assert api.patch(url, {"seq": 1, "answers": first}, format="json").json() == {"seq": 1}
    cleared = {str(single["id"]): None, str(multiple["id"]): []}
    assert api.patch(url, {"seq": 2, "answers": cleared}, format="json").json() == {"seq": 2}
    stored = dict(Attempt.objects.get(id=attempt["id"]).items.values_list("id", "answer"))
    assert stored[single["id"]] is None and stored[multiple["id"]] is None
    assert stored[short["id"]] == "电话邀约"
    assert api.patch(url, {"seq": 3, "answers": {str(short["id"]): ""}}, format="json").json() == {"seq": 3}
    assert Attempt.objects.get(id=attempt["id"]).items.get(id=short["id"]).answer is None
