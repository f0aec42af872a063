"""The scorecard people understand: each key point with its state, the sentence behind it and why, compliance hits
with their rule, what to drill, in the viewer's language. The scorer's numbers and the customer's trace only for
those who may see them (managers of the person, trainers, admins), on the page and in the API."""

import copy
import re

import pytest
from django.urls import reverse

from practice import selectors
from practice.models import CoachingComment
from tests.practice.cards import CARD, OLD_CARD, finished_session
from tests.practice.factories import ScenarioFactory

pytestmark = pytest.mark.django_db

NUMBERS = ("0.91", "0.66", "0.77", "0.41", "0.58", "0.47", "0.3127", "0.818", "0.267")


def page_of(client, session, language="zh-hans"):
    client.cookies["django_language"] = language
    response = client.get(reverse("practice:session", args=[session.id]))
    assert response.status_code == 200
    return response.text


def _block(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</li>", start)]


@pytest.fixture
def scenario(db):
    return ScenarioFactory(code="card-scenario")


@pytest.fixture
def card_a(sales_a, scenario):
    return finished_session(user=sales_a, scenario=scenario)


# --- the learner ----------------------------------------------------------------------------------------


def test_the_learner_reads_each_key_point_with_its_state_and_why_in_english(client_for, sales_a, card_a):
    html = page_of(client_for(sales_a), card_a, "en")
    covered = _block(html, "point-ask")
    assert 'data-state="covered"' in covered and "✓ Covered" in covered and "请问您是和哪家比较的？" in covered
    partial = _block(html, "point-waiting")
    assert "Partly covered" in partial and "Still missing:" in partial and "说明期间出险不赔" in partial
    assert "等待期是九十天。" in partial  # what they did say
    contradicted = _block(html, "point-claims")
    assert "Contradicted" in contradicted and "没有等待期，出险就赔。" in contradicted
    assert "it says the opposite of the point" in contradicted
    missed = _block(html, "point-close")
    assert "Missed" in missed and "The nearest you said:" in missed and "理解您的顾虑。" in missed
    assert "you touched on it but did not state it" in missed


def test_the_learner_reads_the_scorecard_in_chinese(client_for, sales_a, card_a):
    html = page_of(client_for(sales_a), card_a)
    assert "部分覆盖" in _block(html, "point-waiting") and "还缺" in _block(html, "point-waiting")
    assert "意思相反" in _block(html, "point-claims")
    assert "最接近的一句" in _block(html, "point-close")
    hits = html[html.index('data-testid="compliance-hits"') :]
    assert "承诺收益或无风险" in hits and "保证收益" in hits and "导致不通过" in hits
    assert "显示评分数据" not in html


def test_compliance_hits_name_the_rule_and_the_severity(client_for, sales_a, card_a):
    html = page_of(client_for(sales_a), card_a, "en")
    hits = html[html.index('data-testid="compliance-hits"') : html.index('data-testid="dimensions"')]
    assert hits.count('data-testid="compliance-hit"') == 2
    assert "我们保证收益，绝对没有风险。" in hits and "promise of returns or of no risk" in hits
    assert "fails the session" in hits
    assert "a phrase this scenario forbids" in hits and "理赔以条款为准" in hits and "costs points" in hits
    gate = html[html.index('data-testid="compliance-failed"') :].split("</div>\n")[0]
    assert "我们保证收益" in gate and "没有等待期" not in gate  # the gate names the blocker only


def test_the_learner_gets_what_to_drill(client_for, sales_a, card_a):
    html = page_of(client_for(sales_a), card_a, "en")
    drill = html[html.index('data-testid="recommendations"') :].split("</ul>")[0]
    assert drill.index("Next step and close") < drill.index("Key points covered")  # the weakest first
    assert "End with a concrete next step" in drill


def test_the_learner_never_sees_numbers_node_ids_or_the_trace(client_for, sales_a, card_a):
    html = page_of(client_for(sales_a), card_a, "en")
    for number in NUMBERS:
        assert number not in html
    assert "node2" not in html and "compared" not in html and "matched_by" not in html
    assert 'data-testid="score-numbers"' not in html


def test_a_manager_of_the_person_opens_the_numbers_and_the_trace(client_for, manager_a, card_a):
    html = page_of(client_for(manager_a), card_a, "en")
    numbers = html[html.index('data-testid="score-numbers"') :]
    assert "<summary>Show the numbers</summary>" in numbers
    assert "0.91" in numbers and "0.3127" in numbers and "not_stated" in numbers
    trace = numbers[numbers.index('data-testid="customer-trace"') :]
    assert "node2" in trace and "compared" in trace and "0.818" in trace
    assert 'data-testid="trace-branches"' in trace
    assert "显示评分数据" in page_of(client_for(manager_a), card_a)


def test_a_salesperson_who_is_a_trainer_sees_the_numbers_of_their_own_session(client_for, trainer, scenario):
    session = finished_session(user=trainer, scenario=scenario)
    assert 'data-testid="score-numbers"' in page_of(client_for(trainer), session)


def test_an_old_scorecard_renders_its_reasons_without_numbers_for_the_learner(client_for, sales_a, manager_a, scenario):
    session = finished_session(user=sales_a, scenario=scenario, card=OLD_CARD)
    html = page_of(client_for(sales_a), session, "en")
    assert "覆盖要点“询问客户是和哪家的报价在比较”" in html
    assert "0.91" not in html and "0.66" not in html
    assert 'data-state="covered"' in _block(html, "point-ask")
    missed = html[html.index('data-state="missed"') :]
    assert "约定下次拜访时间" in missed.split("</li>")[0]
    assert "0.91" in page_of(client_for(manager_a), session, "en")  # the manager still reads the old reason whole


def test_a_scorecard_without_key_points_or_evidence_renders(client_for, sales_a, scenario):
    card = copy.deepcopy(CARD)
    card["dimensions"]["key_points"] = {"code": "key_points", "score": None, "band": "n/a", "weight": 25.0,
                                        "evidence": [], "details": {}}  # fmt: skip
    card["dimensions"]["compliance"]["evidence"] = []
    card["compliance_evidence"] = []
    session = finished_session(user=sales_a, scenario=scenario, card=card)
    html = page_of(client_for(sales_a), session, "en")
    assert 'data-testid="key-points"' not in html and 'data-testid="compliance-hits"' not in html


def test_the_transcript_highlights_a_quote_over_two_sentences(sales_a, scenario):
    card = copy.deepcopy(CARD)
    card["dimensions"]["key_points"]["evidence"] = [
        {"turn": 3, "quote": "没有等待期，出险就赔。 我们保证收益，绝对没有风险。", "code": "kp.covered",
         "params": {"point": "x"}, "kind": "key_point"}
    ]  # fmt: skip
    session = finished_session(user=sales_a, scenario=scenario, card=card)
    rows = selectors.transcript(session=session)
    kinds = [seg["kinds"] for seg in rows[3]["segments"]]
    assert all("key_point" in k for k in kinds)


def test_the_result_page_queries_stay_bounded(client_for, manager_a, card_a, django_assert_max_num_queries):
    for i in range(20):
        CoachingComment.objects.create(session=card_a, author=manager_a, body=f"评语{i}")
    client = client_for(manager_a)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("practice:session", args=[card_a.id])).status_code == 200


# --- the API --------------------------------------------------------------------------------------------


def detail(api, session, language="en"):
    response = api.get(f"/api/v1/practice/sessions/{session.id}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()


def test_the_api_returns_the_key_points_with_state_quote_and_why(api_for, sales_a, card_a):
    body = detail(api_for(sales_a), card_a)
    points = {p["code"]: p for p in body["key_points"]}
    assert points["ask"]["state"] == "covered" and points["ask"]["quote"] == "请问您是和哪家比较的？"
    waiting = points["waiting"]
    assert waiting["state"] == "partial" and waiting["credit"] == 0.5
    assert waiting["missing_parts"] == ["说明期间出险不赔"]
    assert [s["state"] for s in waiting["sub_points"]] == ["covered", "missed"]
    assert points["claims"]["why"] == "opposite" and points["claims"]["why_text"] == "it says the opposite of the point"
    assert points["close"]["why"] == "not_stated" and points["close"]["quote"] == "理解您的顾虑。"
    assert body["key_point_states"] == {"covered": ["ask"], "partial": ["waiting"], "missed": ["close"],
                                        "contradicted": ["claims"]}  # fmt: skip
    hits = body["compliance_hits"]
    assert [(h["rule"], h["severity"]) for h in hits] == [("financial_promise", "blocker"), ("custom", "warning")]
    assert hits[0]["rule_label"] == "promise of returns or of no risk" and hits[0]["match"] == "保证收益"
    assert body["offending_sentence"] == "我们保证收益，绝对没有风险。"
    assert body["compliance_evidence"][0]["reason"]
    assert body["recommendations"][0]["dimension"] == "close"
    kp = next(d for d in body["dimensions"] if d["code"] == "key_points")
    assert kp["evidence"][0]["reason"] == "states “询问客户是和哪家的报价在比较”"


def test_the_api_gives_the_learner_no_numbers_and_no_trace(api_for, sales_a, card_a):
    body = detail(api_for(sales_a), card_a)
    assert body["numbers_visible"] is False and body["scorer"] is None
    assert all(p["numbers"] is None for p in body["key_points"])
    assert all(s["numbers"] is None for p in body["key_points"] for s in p["sub_points"])
    assert all(e["numbers"] is None for d in body["dimensions"] for e in d["evidence"])
    assert all(t["trace"] is None for t in body["transcript"])
    flat = str(body)
    assert not any(n in flat for n in NUMBERS) and "node2" not in flat


def test_the_api_gives_the_manager_the_numbers_and_the_trace(api_for, manager_a, card_a):
    body = detail(api_for(manager_a), card_a)
    assert body["numbers_visible"] is True and body["scorer"]["scorer_version"] == "2"
    points = {p["code"]: p for p in body["key_points"]}
    assert points["ask"]["numbers"] == {"semantic": 0.91, "lexical": 0.66}
    customer = [t for t in body["transcript"] if t["speaker"] == "customer"]
    assert customer[1]["trace"]["node_id"] == "node2" and customer[1]["trace"]["detail"]["chosen"] == "compared"
    assert all(t["trace"] is None for t in body["transcript"] if t["speaker"] == "trainee")


def test_the_api_renders_in_the_language_of_the_request(api_for, sales_a, card_a):
    body = detail(api_for(sales_a), card_a, "zh-hans")
    points = {p["code"]: p for p in body["key_points"]}
    assert points["waiting"]["state_label"] == "部分覆盖"
    assert "意思相反" in points["claims"]["why_text"]


def test_the_api_renders_an_old_scorecard(api_for, sales_a, scenario):
    session = finished_session(user=sales_a, scenario=scenario, card=OLD_CARD)
    body = detail(api_for(sales_a), session)
    assert [(p["code"], p["state"]) for p in body["key_points"]] == [("ask", "covered"), ("", "missed")]
    reason = body["dimensions"][0]["evidence"][0]["reason"]
    assert reason.startswith("覆盖要点") and not re.search(r"\d\.\d", reason)


def test_the_session_list_queries_do_not_grow(api_for, sales_a, scenario, django_assert_max_num_queries):
    for _i in range(15):
        finished_session(user=sales_a, scenario=scenario)
    api = api_for(sales_a)
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/practice/sessions/")
    assert response.status_code == 200 and len(response.json()) == 15
    assert all(len(r["transcript"]) == 5 for r in response.json())
