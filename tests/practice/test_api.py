import pytest

from practice.models import PracticeSession, Scenario, Turn
from tests.practice.conftest import GOOD_REPLIES

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/practice/sessions/"


def test_scenarios_list_published_for_salespeople(api_for, sales_a, scenarios):
    Scenario.objects.filter(code="b2b-decision-maker").update(status=Scenario.Status.DRAFT)
    response = api_for(sales_a).get("/api/v1/scenarios/")
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["results"]}
    assert "objection-too-expensive" in codes and "b2b-decision-maker" not in codes
    row = next(r for r in response.json()["results"] if r["code"] == "objection-too-expensive")
    assert row["persona"]["role"] == "采购经理（李经理）" and row["pass_mark"] == 65


def test_scenarios_filter_by_language(api_for, sales_a, scenarios):
    rows = api_for(sales_a).get("/api/v1/scenarios/?language=en").json()["results"]
    assert {r["code"] for r in rows} == {"objection-too-expensive-en", "compliance-trap-en"}


def test_scenarios_refuse_anonymous(api_for, scenarios):
    response = api_for(None).get("/api/v1/scenarios/")
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_draft_scenario_detail_is_404_for_salespeople(api_for, sales_a, too_expensive):
    too_expensive.status = Scenario.Status.DRAFT
    too_expensive.save()
    assert api_for(sales_a).get(f"/api/v1/scenarios/{too_expensive.id}/").status_code == 404


def test_full_conversation_through_the_api(api_for, sales_a, too_expensive):
    api = api_for(sales_a)
    started = api.post(SESSIONS, {"scenario": too_expensive.id})
    assert started.status_code == 201
    body = started.json()
    assert body["transcript"][0]["speaker"] == "customer"
    sid = body["id"]
    turn = api.post(f"{SESSIONS}{sid}/turns/", {"text": GOOD_REPLIES[0]})
    assert turn.status_code == 201
    assert turn.json()["customer"]["text"] == "是另一个牌子的，规格应该差不多吧。"
    assert turn.json()["ended"] is False
    finished = api.post(f"{SESSIONS}{sid}/finish/")
    assert finished.status_code == 200
    card = finished.json()
    assert card["status"] == "finished"
    assert {d["code"] for d in card["dimensions"]} == {
        "key_points", "objections", "compliance", "discovery", "empathy", "conciseness", "close"
    }  # fmt: skip
    kp = next(d for d in card["dimensions"] if d["code"] == "key_points")
    assert kp["band"] in {"good", "fair", "poor"} and kp["evidence"][0]["quote"]
    assert card["passed"] is False and card["compliance_failed"] is False
    detail = api.get(f"{SESSIONS}{sid}/").json()
    assert detail["score"] == card["score"] and len(detail["transcript"]) == 3


def test_compliance_failure_names_the_sentence(api_for, sales_a, scenarios):
    api = api_for(sales_a)
    sid = api.post(SESSIONS, {"scenario": scenarios["compliance-trap"].id}).json()["id"]
    api.post(f"{SESSIONS}{sid}/turns/", {"text": "您放心。我们保证收益，绝对没有风险。"})
    card = api.post(f"{SESSIONS}{sid}/finish/").json()
    assert card["compliance_failed"] is True and card["passed"] is False
    assert card["offending_sentence"] == "我们保证收益，绝对没有风险。"


def test_conversation_that_reaches_the_end_is_scored(api_for, sales_a, too_expensive):
    api = api_for(sales_a)
    sid = api.post(SESSIONS, {"scenario": too_expensive.id}).json()["id"]
    for text in GOOD_REPLIES:
        last = api.post(f"{SESSIONS}{sid}/turns/", {"text": text}).json()
    assert last["ended"] is True and last["status"] == "finished"
    assert api.get(f"{SESSIONS}{sid}/").json()["passed"] is True


@pytest.mark.parametrize("payload", [{}, {"scenario": "x"}, {"scenario": 999999}])
def test_start_with_bad_input(api_for, sales_a, scenarios, payload):
    response = api_for(sales_a).post(SESSIONS, payload)
    assert response.status_code in (400, 404)
    assert "error" in response.json()
    assert not PracticeSession.objects.exists()


def test_empty_turn_is_a_field_error(api_for, sales_a, too_expensive):
    api = api_for(sales_a)
    sid = api.post(SESSIONS, {"scenario": too_expensive.id}).json()["id"]
    response = api.post(f"{SESSIONS}{sid}/turns/", {"text": ""})
    assert response.status_code == 400
    assert "text" in response.json()["error"]["fields"]
    assert Turn.objects.filter(session_id=sid).count() == 1


def test_turn_after_finish_is_refused(api_for, finished_a):
    response = api_for(finished_a.user).post(f"{SESSIONS}{finished_a.id}/turns/", {"text": "你好"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "persona,status", [("sales_a", 200), ("manager_a", 200), ("manager_b", 404), ("sales_b", 404), ("trainer", 404)]
)
def test_session_detail_scope(request, api_for, finished_a, persona, status):
    assert api_for(request.getfixturevalue(persona)).get(f"{SESSIONS}{finished_a.id}/").status_code == status


@pytest.mark.parametrize("persona", ["manager_a", "sales_b"])
def test_only_the_salesperson_posts_turns_or_finishes(request, api_for, sales_a, too_expensive, persona):
    sid = api_for(sales_a).post(SESSIONS, {"scenario": too_expensive.id}).json()["id"]
    api = api_for(request.getfixturevalue(persona))
    assert api.post(f"{SESSIONS}{sid}/turns/", {"text": "你好"}).status_code == 404
    assert api.post(f"{SESSIONS}{sid}/finish/").status_code == 404


def test_session_list_is_own_only(api_for, sales_a, sales_b, too_expensive, play):
    play(sales_b, too_expensive, GOOD_REPLIES[:1])
    mine = play(sales_a, too_expensive, GOOD_REPLIES[:1])
    rows = api_for(sales_a).get(SESSIONS).json()
    assert [r["id"] for r in rows] == [mine.id]


def test_schema_documents_the_routes(api_for, admin_user):
    schema = api_for(admin_user).get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/practice/sessions/{id}/turns/" in paths
    assert "/api/v1/scenarios/" in paths
