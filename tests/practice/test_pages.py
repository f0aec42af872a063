import json

import pytest
from django.urls import reverse

from practice.models import CoachingComment, PracticeSession, Scenario, ScoreOverride, Turn
from practice.services import session_start
from tests.factories import make_salesperson
from tests.practice.conftest import GOOD_REPLIES
from tests.practice.factories import ScenarioFactory, SessionFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"practice:{name}", args=args)


# --- home and practising ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sales_a", "manager_a", "trainer"])
def test_practice_home_lists_published_scenarios(request, client_for, scenarios, persona):
    Scenario.objects.filter(code="b2b-decision-maker").update(status=Scenario.Status.DRAFT)
    response = client_for(request.getfixturevalue(persona)).get(url("home"))
    assert response.status_code == 200
    assert "客户异议：太贵了" in response.text
    assert "B2B 决策人会谈" not in response.text  # drafts are not offered for practice


def test_practice_home_refuses_people_without_a_practising_role(client_for, django_user_model, scenarios):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert client_for(nobody).get(url("home")).status_code == 404


def test_anonymous_is_sent_to_login(client):
    assert client.get(url("home")).status_code == 302


def test_nav_has_practice_for_salespeople(client_for, sales_a):
    assert 'data-nav="practice:home"' in client_for(sales_a).get("/").text


def test_start_creates_a_session_where_the_customer_speaks_first(client_for, sales_a, too_expensive):
    response = client_for(sales_a).post(url("start", too_expensive.id))
    session = PracticeSession.objects.get(user=sales_a)
    assert response.url == url("session", session.id)
    page = client_for(sales_a).get(response.url)
    assert "比别家贵了差不多百分之十五" in page.text
    assert 'data-testid="reply-text"' in page.text


def test_start_twice_resumes_the_unfinished_session(client_for, sales_a, too_expensive):
    client = client_for(sales_a)
    client.post(url("start", too_expensive.id))
    client.post(url("start", too_expensive.id))
    assert PracticeSession.objects.filter(user=sales_a).count() == 1


def test_start_of_a_draft_scenario_is_404_for_salespeople(client_for, sales_a, too_expensive):
    too_expensive.status = Scenario.Status.DRAFT
    too_expensive.save()
    assert client_for(sales_a).post(url("start", too_expensive.id)).status_code == 404


def test_start_needs_post(client_for, sales_a, too_expensive):
    client = client_for(sales_a)
    assert client.get(url("start", too_expensive.id)).status_code == 200  # the brief and the start button
    assert client.put(url("start", too_expensive.id)).status_code == 405
    assert not PracticeSession.objects.exists()  # only a POST starts a conversation


def test_htmx_reply_returns_both_turns_and_saves_them(client_for, sales_a, too_expensive):
    session = session_start(user=sales_a, scenario=too_expensive)
    response = client_for(sales_a).post(url("reply", session.id), {"text": GOOD_REPLIES[0]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert GOOD_REPLIES[0] in response.text
    assert "是另一个牌子的" in response.text
    assert list(session.turns.values_list("speaker", flat=True)) == ["customer", "trainee", "customer"]


def test_reload_shows_the_whole_transcript(client_for, sales_a, too_expensive):
    session = session_start(user=sales_a, scenario=too_expensive)
    client = client_for(sales_a)
    client.post(url("reply", session.id), {"text": GOOD_REPLIES[0]}, HTTP_HX_REQUEST="true")
    page = client.get(url("session", session.id))
    assert GOOD_REPLIES[0] in page.text and "是另一个牌子的" in page.text


def test_empty_reply_shows_an_error_and_saves_nothing(client_for, sales_a, too_expensive):
    session = session_start(user=sales_a, scenario=too_expensive)
    response = client_for(sales_a).post(url("reply", session.id), {"text": "   "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx 2 only swaps 2xx answers
    assert response["X-Practice-Error"] == "1"
    assert response["HX-Retarget"] == "#reply-error"
    assert session.turns.count() == 1


def test_too_long_reply_is_refused(client_for, sales_a, too_expensive):
    session = session_start(user=sales_a, scenario=too_expensive)
    response = client_for(sales_a).post(url("reply", session.id), {"text": "长" * 1001})
    assert response.status_code == 422  # without JavaScript: the conversation again, with the message
    assert "长" * 1001 in response.text  # what was typed is still in the box
    assert session.turns.count() == 1


def test_last_reply_redirects_htmx_to_the_scorecard(client_for, sales_a, too_expensive):
    session = session_start(user=sales_a, scenario=too_expensive)
    client = client_for(sales_a)
    for text in GOOD_REPLIES:
        response = client.post(url("reply", session.id), {"text": text}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == url("session", session.id)
    page = client.get(url("session", session.id))
    assert 'data-testid="scorecard"' in page.text
    assert 'data-testid="drill"' in page.text


def test_reply_to_a_finished_session_is_refused(client_for, finished_a):
    response = client_for(finished_a.user).post(url("reply", finished_a.id), {"text": "还在吗"}, HTTP_HX_REQUEST="true")
    assert response["X-Practice-Error"] == "1"
    assert Turn.objects.filter(session=finished_a, text="还在吗").count() == 0


@pytest.mark.parametrize("persona", ["manager_a", "sales_b", "manager_b", "trainer"])
def test_only_the_salesperson_can_reply_or_finish(request, client_for, sales_a, too_expensive, persona):
    session = session_start(user=sales_a, scenario=too_expensive)
    client = client_for(request.getfixturevalue(persona))
    assert client.post(url("reply", session.id), {"text": "你好"}).status_code == 404
    assert client.post(url("finish", session.id)).status_code == 404
    assert session.turns.count() == 1


def test_finish_scores_and_shows_the_scorecard_with_evidence(client_for, sales_a, too_expensive):
    session = session_start(user=sales_a, scenario=too_expensive)
    client = client_for(sales_a)
    client.post(url("reply", session.id), {"text": GOOD_REPLIES[0]})
    response = client.post(url("finish", session.id))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == "finished" and session.score is not None
    page = client.get(url("session", session.id))
    assert "请问您是和哪家的报价在比较？" in page.text
    assert "hl-key_point" in page.text or "hl-discovery" in page.text


def test_compliance_failure_is_shown_with_the_sentence(client_for, sales_a, scenarios, play):
    session = play(sales_a, scenarios["compliance-trap"], ["放心，这个产品稳赚不赔。"])
    page = client_for(sales_a).get(url("session", session.id))
    assert 'data-testid="compliance-failed"' in page.text
    assert "放心，这个产品稳赚不赔。" in page.text
    assert session.passed is False


# --- managers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,status", [("manager_a", 200), ("sales_a", 200), ("manager_b", 404), ("sales_b", 404), ("trainer", 404)]
)
def test_who_can_open_a_session(request, client_for, finished_a, persona, status):
    assert client_for(request.getfixturevalue(persona)).get(url("session", finished_a.id)).status_code == status


def test_manager_of_a_parent_team_sees_sub_team_sessions(client_for, manager_a, sub_team_a, too_expensive, play):
    junior = make_salesperson(sub_team_a, username="junior")
    session = play(junior, too_expensive, GOOD_REPLIES[:1])
    assert client_for(manager_a).get(url("session", session.id)).status_code == 200


def test_manager_comments_and_the_salesperson_sees_it(client, client_for, manager_a, finished_a):
    response = client_for(manager_a).post(url("comment", finished_a.id), {"body": "异议处理很好，下次先问预算。"})
    assert response.status_code == 302
    client.logout()
    page = client_for(finished_a.user).get(url("session", finished_a.id))
    assert "异议处理很好，下次先问预算。" in page.text
    assert 'data-testid="add-comment"' not in page.text  # salespeople do not coach themselves


def test_empty_comment_shows_an_error(client_for, manager_a, finished_a):
    response = client_for(manager_a).post(url("comment", finished_a.id), {"body": " "})
    assert response.status_code == 422
    assert "Write a comment first." in response.text or "请先填写评语" in response.text
    assert CoachingComment.objects.count() == 0


@pytest.mark.parametrize("persona", ["manager_b", "sales_b", "sales_a"])
def test_others_cannot_comment_or_override(request, client_for, finished_a, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.post(url("comment", finished_a.id), {"body": "x"}).status_code == 404
    data = {"key_points-score": "90", "key_points-reason": "x"}
    assert client.post(url("override", finished_a.id), data).status_code == 404
    assert CoachingComment.objects.count() == 0 and ScoreOverride.objects.count() == 0


def test_manager_overrides_a_dimension_with_a_reason(client_for, manager_a, finished_a):
    scorer = finished_a.score  # 79: key points 100 of weight 25 among the others
    data = {"key_points-score": "0", "key_points-reason": "答非所问"}
    response = client_for(manager_a).post(url("override", finished_a.id), data)
    assert response.status_code == 302
    finished_a.refresh_from_db()
    assert finished_a.score == 54 and finished_a.passed is False  # recomputed with the weights: below 65
    override = ScoreOverride.objects.get()
    assert override.scorer_score == scorer and "答非所问" in override.reason


@pytest.mark.parametrize(
    "data",
    [
        {"key_points-score": "101", "key_points-reason": "x"},
        {"key_points-score": "abc", "key_points-reason": "x"},
        {"key_points-score": "50", "key_points-reason": ""},
        {"nonsense-score": "50", "nonsense-reason": "x"},
        {},
    ],
)
def test_bad_override_shows_errors_and_changes_nothing(client_for, manager_a, finished_a, data):
    before = finished_a.score
    response = client_for(manager_a).post(url("override", finished_a.id), data)
    assert response.status_code == 422
    finished_a.refresh_from_db()
    assert finished_a.score == before and ScoreOverride.objects.count() == 0


def test_team_page_lists_team_sessions_only(client_for, manager_a, finished_a, sales_b, too_expensive, play):
    other = play(sales_b, too_expensive, GOOD_REPLIES[:1])
    page = client_for(manager_a).get(url("team"))
    assert page.status_code == 200
    assert url("session", finished_a.id) in page.text
    assert url("session", other.id) not in page.text


@pytest.mark.parametrize("persona", ["sales_a", "trainer"])
def test_team_page_is_for_managers(request, client_for, persona):
    assert client_for(request.getfixturevalue(persona)).get(url("team")).status_code == 404


def test_team_page_queries_do_not_grow(client_for, manager_a, team_a, too_expensive, django_assert_max_num_queries):
    for i in range(30):
        session = SessionFactory(user=make_salesperson(team_a, username=f"s{i}"), scenario=too_expensive)
        CoachingComment.objects.create(session=session, author=manager_a, body="好")
    client = client_for(manager_a)
    with django_assert_max_num_queries(12):
        page = client.get(url("team"))
    assert page.text.count('data-testid="open-session"') == 25


def test_history_shows_best_scores_with_bounded_queries(
    client_for, sales_a, too_expensive, django_assert_max_num_queries
):
    for i in range(30):
        SessionFactory(
            user=sales_a,
            scenario=ScenarioFactory() if i % 3 else too_expensive,
            status="finished",
            score=i,
            passed=i > 20,
        )
    client = client_for(sales_a)
    with django_assert_max_num_queries(10):
        page = client.get(url("history"))
    assert page.status_code == 200
    assert too_expensive.title in page.text


def test_home_queries_do_not_grow(client_for, sales_a, django_assert_max_num_queries):
    from courses.models import Course, TrainingPlan
    from learning.models import Enrollment
    from practice.models import ScenarioRequirement

    course, plan = Course.objects.create(title="课程"), TrainingPlan.objects.create(title="计划")
    Enrollment.objects.create(user=sales_a, course=course)
    Enrollment.objects.create(user=sales_a, plan=plan)
    for i in range(30):
        scenario = ScenarioFactory(status=Scenario.Status.PUBLISHED)
        ScenarioRequirement.objects.create(scenario=scenario, **({"course": course} if i % 2 else {"plan": plan}))
    client = client_for(sales_a)
    with django_assert_max_num_queries(10):
        assert client.get(url("home")).status_code == 200


def test_result_page_queries_are_bounded(client_for, manager_a, finished_a, django_assert_max_num_queries):
    for i in range(20):
        CoachingComment.objects.create(session=finished_a, author=manager_a, body=f"评语{i}")
    client = client_for(manager_a)
    with django_assert_max_num_queries(20):
        assert client.get(url("session", finished_a.id)).status_code == 200


# --- authoring ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["manage", "scenario_new", "scenario_import", "calibration", "scenario_export_all"])
@pytest.mark.parametrize("persona", ["sales_a", "manager_a"])
def test_authoring_pages_are_for_trainers_only(request, client_for, scenarios, name, persona):
    assert client_for(request.getfixturevalue(persona)).get(url(name)).status_code == 404


@pytest.mark.parametrize("name", ["manage", "scenario_new", "scenario_import", "calibration", "scenario_export_all"])
def test_authoring_pages_open_for_trainers(client_for, trainer, scenarios, name):
    assert client_for(trainer).get(url(name)).status_code == 200


def test_manage_page_queries_do_not_grow(client_for, trainer, django_assert_max_num_queries):
    for _i in range(40):
        ScenarioFactory()
    client = client_for(trainer)
    with django_assert_max_num_queries(10):
        assert client.get(url("manage")).status_code == 200


def _form_data(scenario=None, **overrides):
    data = {
        "code": "new-one",
        "title": "新场景",
        "language": "zh-hans",
        "status": "published",
        "difficulty": "easy",
        "persona_role": "客户",
        "situation": "情境",
        "goal": "目标",
        "spec_json": json.dumps(scenario.spec if scenario else ScenarioFactory.build().spec, ensure_ascii=False),
    }
    data.update(overrides)
    return data


def test_trainer_creates_a_scenario_in_the_browser(client_for, trainer, db):
    response = client_for(trainer).post(url("scenario_new"), _form_data())
    assert response.status_code == 302
    scenario = Scenario.objects.get(code="new-one")
    assert scenario.created_by == trainer and scenario.spec["start"] == "open"


def test_spec_errors_name_the_path_in_the_form(client_for, trainer, db):
    spec = ScenarioFactory.build().spec
    spec["nodes"][0]["branches"][0]["to"] = "nowhere"
    response = client_for(trainer).post(url("scenario_new"), _form_data(spec_json=json.dumps(spec)))
    assert response.status_code == 422
    assert "nodes[0].branches[0].to" in response.text
    assert not Scenario.objects.exists()


def test_broken_json_says_where(client_for, trainer, db):
    response = client_for(trainer).post(url("scenario_new"), _form_data(spec_json='{"start": '))
    assert response.status_code == 422
    assert "line 1" in response.text or "第" in response.text


def test_editing_the_spec_bumps_the_version(client_for, trainer, too_expensive):
    spec = dict(too_expensive.spec, max_turns=6)
    data = _form_data(too_expensive, code=too_expensive.code, spec_json=json.dumps(spec, ensure_ascii=False))
    assert client_for(trainer).post(url("scenario_edit", too_expensive.id), data).status_code == 302
    too_expensive.refresh_from_db()
    assert too_expensive.version == 2 and too_expensive.spec["max_turns"] == 6


def test_export_then_import_round_trips(client_for, trainer, scenarios):
    client = client_for(trainer)
    exported = client.get(url("scenario_export_all"))
    payload = json.loads(exported.content)
    assert len(payload["scenarios"]) == 8
    payload["scenarios"][0]["title"] = "改过的标题"
    response = client.post(url("scenario_import"), {"text": json.dumps(payload, ensure_ascii=False)})
    assert response.status_code == 302
    assert Scenario.objects.count() == 8
    assert Scenario.objects.filter(title="改过的标题").exists()
    assert Scenario.objects.get(code="compliance-trap-en").variant_of.code == "compliance-trap"


def test_import_errors_name_the_path_and_save_nothing(client_for, trainer, scenarios):
    payload = json.loads(client_for(trainer).get(url("scenario_export", scenarios["hotel-banquet-enquiry"].id)).content)
    payload["scenarios"][0]["code"] = "brand-new"
    payload["scenarios"][0]["category"] = "astrology"
    payload["scenarios"][0]["spec"]["nodes"][1]["lines"] = []
    response = client_for(trainer).post(url("scenario_import"), {"text": json.dumps(payload)})
    assert response.status_code == 422
    assert "scenarios[0].category" in response.text
    assert "scenarios[0].spec.nodes[1].lines" in response.text
    assert not Scenario.objects.filter(code="brand-new").exists()


def test_import_of_garbage_is_a_clear_error(client_for, trainer, db):
    response = client_for(trainer).post(url("scenario_import"), {"text": "not json"})
    assert response.status_code == 422
    assert "line 1" in response.text or "第" in response.text


def test_calibration_shows_agreement_between_overrides_and_scorer(client_for, trainer, manager_a, finished_a):
    client_for(manager_a).post(
        url("override", finished_a.id), {"key_points-score": "0", "key_points-reason": "漏了关键点"}
    )
    page = client_for(trainer).get(url("calibration"))
    assert 'data-testid="agreement"' in page.text
    assert "0%" in page.text  # the scorer passed it, the manager failed it


def test_check_the_script_shows_the_graph_or_the_errors(client_for, trainer, too_expensive):
    client = client_for(trainer)
    ok = client.post(url("scenario_check"), {"spec_json": json.dumps(too_expensive.spec)})
    assert 'data-testid="spec-ok"' in ok.text and "质量好谁都会说" in ok.text
    spec = dict(too_expensive.spec, start="nowhere")
    bad = client.post(url("scenario_check"), {"spec_json": json.dumps(spec)})
    assert 'data-testid="spec-errors"' in bad.text and "<code>start</code>" in bad.text
    broken = client.post(url("scenario_check"), {"spec_json": "{"})
    assert 'data-testid="spec-errors"' in broken.text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[" * 100_000, "nested too deeply"),
        ("1" * 5000, "too long"),
        ('{"start": "\\ud800"}', "broken character"),
        ('{"nodes": [{"say": "a\\u0000"}]}', "NUL character"),
    ],
    ids=["too deep", "5000 digits", "surrogate", "NUL"],
)
def test_checking_and_saving_an_unstorable_script_says_why(client_for, trainer, too_expensive, raw, expected):
    """Issue 18: the check (htmx preview) answered RecursionError and a 4300-digit ValueError with a 500; saving a
    script holding a lone surrogate (typed as the escape "\\ud800") was a 500 too."""
    client = client_for(trainer)
    client.cookies["django_language"] = "en"
    check = client.post(url("scenario_check"), {"spec_json": raw})
    assert check.status_code == 200 and 'data-testid="spec-errors"' in check.text and expected in check.text
    spec = dict(too_expensive.spec, fallback_line=json.loads('"\\ud800"'))
    data = _form_data(too_expensive, code=too_expensive.code, spec_json=json.dumps(spec))
    saved = client.post(url("scenario_edit", too_expensive.id) + "?mode=json", data)
    assert saved.status_code == 422 and "broken character" in saved.text
    too_expensive.refresh_from_db()
    assert too_expensive.version == 1


def test_check_the_script_is_for_trainers(client_for, manager_a):
    assert client_for(manager_a).post(url("scenario_check"), {"spec_json": "{}"}).status_code == 404


def test_edit_page_previews_the_saved_script(client_for, trainer, too_expensive):
    page = client_for(trainer).get(url("scenario_edit", too_expensive.id) + "?mode=json")
    assert 'data-testid="spec-ok"' in page.text


def test_team_summary_aggregates_per_person(client_for, manager_a, sales_a, too_expensive, play):
    play(sales_a, too_expensive, ["随便说说"])
    best = play(sales_a, too_expensive, GOOD_REPLIES)
    from practice.selectors import team_summary

    rows = team_summary(user=manager_a)
    assert len(rows) == 1
    assert rows[0]["sessions"] == 2 and rows[0]["finished"] == 2 and rows[0]["best"] == best.score
    assert rows[0]["passes"] == 1
    assert 'data-testid="team-summary"' in client_for(manager_a).get(url("team")).text


def test_trainer_requires_a_scenario_in_a_plan_day_and_removes_it(client_for, trainer, too_expensive):
    from courses.models import TrainingPlan

    plan = TrainingPlan.objects.create(title="六日培训")
    client = client_for(trainer)
    response = client.post(url("requirement_add", too_expensive.id), {"plan": plan.id, "day": 4})
    assert response.status_code == 302
    requirement = too_expensive.requirements.get()
    assert (requirement.plan, requirement.day) == (plan, 4)
    assert "六日培训" in client.get(url("scenario_edit", too_expensive.id)).text
    client.post(url("requirement_remove", too_expensive.id, requirement.id))
    assert not too_expensive.requirements.exists()


@pytest.mark.parametrize("data", [{}, {"day": 2}])
def test_requirement_needs_exactly_one_target(client_for, trainer, too_expensive, data):
    from courses.models import Course

    if data:
        data["course"] = Course.objects.create(title="课").id
    response = client_for(trainer).post(url("requirement_add", too_expensive.id), data)
    assert response.status_code == 422
    assert not too_expensive.requirements.exists()


def test_requirements_are_for_trainers(client_for, manager_a, too_expensive):
    from courses.models import Course

    course = Course.objects.create(title="课")
    assert (
        client_for(manager_a).post(url("requirement_add", too_expensive.id), {"course": course.id}).status_code == 404
    )
