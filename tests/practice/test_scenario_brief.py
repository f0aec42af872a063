"""Scenarios from a description: the form-first editor builds the script graph (practice.spec_builder), which passes
the shared checks and plays to the end; the form refuses bad input with messages beside the fields and saves nothing,
refuses a script edited in the expert view, and is only for the trainer who may edit the scenario."""

import copy

import pytest
from django.urls import reverse

from practice import spec_builder
from practice.engine.spec import DEFAULT_WEIGHTS, validate_spec
from practice.forms import brief_from_post
from practice.models import PracticeSession, Scenario
from practice.services import scenario_save, session_reply, session_start
from tests.factories import make_trainer
from tests.practice.factories import ScenarioFactory

pytestmark = pytest.mark.django_db

OBJECTIONS = [
    (
        "你们比别家贵了百分之十五，太贵了。",
        ["先认同客户的顾虑", "讲清综合成本更低"],
        ["同样规格下我们寿命更长，综合成本其实更低"],
    ),
    ("质量好谁都会说，你怎么证明？", ["给出检测报告或案例"], ["我们有第三方检测报告，还有很多工程案例"]),
    ("交货期能保证吗？上次别家拖了一个月。", ["说明交货承诺和违约条款"], ["合同里写明交货期，延误按天赔付"]),
    ("付款方式太死板了。", ["提出有条件的灵活方案"], ["签年度框架协议的话，付款方式可以灵活一些"]),
    ("我还要跟领导商量一下。", ["约定下一步和时间"], ["那我下周二把方案发给您，再约您和领导一起谈"]),
]


def brief(n=None, **changes):
    n = len(OBJECTIONS) if n is None else n
    data = {
        "opening": "喂，你好，哪位？",
        "closing": "",
        "fallback": "",
        "objections": [{"says": s, "answer": a, "examples": e} for s, a, e in OBJECTIONS[:n]],
        "key_points": [
            {
                "point": "说明综合成本更低",
                "examples": ["算上返工和维修，总成本更低"],
                "sub_points": [],
                "counter_examples": ["我们的价格肯定最低"],
            }
        ],
        "forbidden": ["绝对不会坏"],
        "use_default_forbidden": True,
        "pass_mark": 70,
        "weights": dict(DEFAULT_WEIGHTS),
    }
    data.update(changes)
    return data


def post_values(b=None, **meta) -> dict:
    """What the brief form posts for the description `b` and the scenario's meta fields."""
    b = b or brief()
    values = {
        "editor": "brief",
        "code": "brief-made",
        "title": "描述新建的场景",
        "language": "zh-hans",
        "status": "draft",
        "difficulty": "medium",
        "persona_role": "采购经理（李经理）",
        "persona_company": "宏达建筑",
        "persona_temperament": "精打细算",
        "situation": "你上周报了价，客户回电话说太贵。",
        "goal": "讲清价值，约下一步",
        "brief-opening": b["opening"],
        "brief-closing": b["closing"],
        "brief-fallback": b["fallback"],
        "brief-forbidden": "\n".join(b["forbidden"]),
        "brief-pass_mark": str(b["pass_mark"]),
    }
    if b["use_default_forbidden"]:
        values["brief-use_default_forbidden"] = "1"
    for d, w in b["weights"].items():
        values[f"brief-weights-{d}"] = str(w)
    for i, o in enumerate(b["objections"]):
        values[f"brief-objections-{i}-says"] = o["says"]
        values[f"brief-objections-{i}-answer"] = "\n".join(o["answer"])
        values[f"brief-objections-{i}-examples"] = "\n".join(o["examples"])
    for i, kp in enumerate(b["key_points"]):
        values[f"brief-key_points-{i}-point"] = kp["point"]
        for part in ("examples", "sub_points", "counter_examples"):
            values[f"brief-key_points-{i}-{part}"] = "\n".join(kp[part])
    values.update(meta)
    return values


NEW = reverse("practice:scenario_new")


def edit(scenario):
    return reverse("practice:scenario_edit", args=[scenario.id])


# --- the builder -------------------------------------------------------------------------------------------


def test_the_built_graph_passes_the_checks_and_keeps_the_brief():
    b = brief()
    assert spec_builder.brief_errors(b) == []
    spec = spec_builder.spec_from_brief(b)
    assert validate_spec(spec) == []
    assert spec_builder.spec_from_brief(copy.deepcopy(b)) == spec  # deterministic
    assert spec["nodes"][0] == {"id": "open", "lines": ["喂，你好，哪位？"], "next": "objection-1"}
    raised = [n["objection"] for n in spec["nodes"] if n.get("objection")]
    assert raised == [f"objection-{i}" for i in range(1, 6)]  # in order
    first = spec["nodes"][1]
    assert first["branches"][0]["to"] == "objection-2" and first["next"] == "objection-1-press"
    assert "同样规格下我们寿命更长，综合成本其实更低" in first["branches"][0]["intents"]
    assert spec["nodes"][-1]["closing"] is True
    assert spec["objections"][0]["points"] == ["先认同客户的顾虑", "讲清综合成本更低"]
    assert spec["key_points"][0]["counter_examples"] == ["我们的价格肯定最低"]
    assert spec["forbidden"] == [{"pattern": "绝对不会坏", "severity": "blocker"}]
    assert spec["rubric"]["pass_mark"] == 70
    assert spec["brief"]["opening"] == "喂，你好，哪位？" and spec_builder.brief_applies(spec)
    spec["nodes"][0]["lines"] = ["改过了"]
    assert not spec_builder.brief_applies(spec)


def test_a_ten_turn_conversation_through_the_built_script_reaches_the_end(trainer):
    spec = spec_builder.spec_from_brief(brief())
    scenario = scenario_save(scenario=None, data=dict(post_values(), status="published"), spec=spec, user=trainer)
    off_topic = "嗯，今天天气真不错啊。"
    replies = [
        "李经理您好，我是电缆公司的小王。",  # -> objection 1
        "理解您的顾虑，同样规格下我们寿命更长，综合成本其实更低。",  # matched -> objection 2
        off_topic,  # missed -> a push-back
        "我们有第三方检测报告，还有很多工程案例。",  # -> objection 3
        off_topic,  # push-back
        off_topic,  # moves on anyway -> objection 4
        "签年度框架协议的话，付款方式可以灵活一些。",  # -> objection 5
        off_topic,  # push-back
        "那我下周二把方案发给您，再约您和领导一起谈。",  # -> closing line
        "好的，谢谢李经理，再见。",  # the end
    ]
    session = session_start(user=trainer, scenario=scenario, is_trial=True)
    assert session.turns.get().text == "喂，你好，哪位？"
    nodes = []
    for text in replies:
        session.refresh_from_db()
        assert not session.is_finished
        _trainee, customer = session_reply(session=session, text=text)
        nodes.append(customer.node_id)
    session.refresh_from_db()
    assert session.is_finished and session.scorecard
    assert nodes[:9] == [
        "objection-1",
        "objection-2",
        "objection-2-press",
        "objection-3",
        "objection-3-press",
        "objection-4",
        "objection-5",
        "objection-5-press",
        "close",
    ]
    # every objection the form described was raised and is scored, in order
    handled = session.scorecard["dimensions"]["objections"]["details"]["objections"]
    assert [o["code"] for o in handled] == [f"objection-{i}" for i in range(1, 6)]


# --- the form: allowed and refused -------------------------------------------------------------------------


def test_a_new_scenario_opens_on_the_description_form(client_for, trainer):
    page = client_for(trainer).get(NEW)
    assert page.status_code == 200
    assert 'data-testid="brief-form"' in page.text and 'data-testid="mode-brief"' in page.text
    assert 'id="brief-check"' in page.text and 'aria-live="polite"' in page.text
    assert "nodes-0-id" not in page.text  # the graph's fields are in the expert view


def test_a_trainer_creates_a_scenario_from_the_description_and_sees_it_again(client_for, trainer):
    client = client_for(trainer)
    response = client.post(NEW, post_values())
    assert response.status_code == 302, response.text[:2000]
    scenario = Scenario.objects.get(code="brief-made")
    assert scenario.created_by == trainer and scenario.persona_temperament == "精打细算"
    assert validate_spec(scenario.spec) == [] and spec_builder.brief_applies(scenario.spec)
    page = client.get(response.url)
    assert 'data-testid="brief-form"' in page.text  # built from its brief: the form is the default
    assert "质量好谁都会说，你怎么证明？" in page.text and "我们的价格肯定最低" in page.text
    assert 'data-testid="try-scenario"' in page.text  # 试一试, for a draft too
    # saved again unchanged: no new version
    assert client.post(edit(scenario), post_values()).status_code == 302
    scenario.refresh_from_db()
    assert scenario.version == 1
    changed = brief(pass_mark=80)
    assert client.post(edit(scenario), post_values(changed)).status_code == 302
    scenario.refresh_from_db()
    assert scenario.version == 2 and scenario.pass_mark == 80


def test_save_and_try_starts_a_trial(client_for, trainer):
    client = client_for(trainer)
    response = client.post(NEW, {**post_values(), "then_try": "1"})
    session = PracticeSession.objects.get(user=trainer)
    assert session.is_trial and response.url == reverse("practice:session", args=[session.id])


@pytest.mark.parametrize("persona", ["sales_a", "manager_a"])
def test_the_form_is_404_for_everyone_but_trainers(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    scenario = ScenarioFactory(spec=spec_builder.spec_from_brief(brief()))
    assert client.get(NEW).status_code == 404
    assert client.post(NEW, post_values()).status_code == 404
    assert client.post(edit(scenario), post_values(brief(pass_mark=10))).status_code == 404
    assert not Scenario.objects.filter(code="brief-made").exists()
    scenario.refresh_from_db()
    assert scenario.pass_mark == 70


def test_another_trainers_scenario_is_404(client_for, trainer):
    theirs = ScenarioFactory(created_by=make_trainer(username="other_t"), spec=spec_builder.spec_from_brief(brief()))
    client = client_for(trainer)
    assert client.get(edit(theirs)).status_code == 404
    assert client.post(edit(theirs), post_values(brief(pass_mark=10), code=theirs.code)).status_code == 404
    assert client.post(reverse("practice:scenario_try", args=[theirs.id])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.pass_mark == 70
    assert theirs.title not in client.get(reverse("practice:manage")).text


# --- bad input: a clear message, nothing saved -------------------------------------------------------------


def _refused(client, values, field, words):
    response = client.post(NEW, values)
    assert response.status_code == 422
    html = response.text
    assert f'data-testid="error-{field}"' in html, html[
        html.find('id="brief-check"') : html.find('id="brief-check"') + 2000
    ]
    assert 'data-testid="brief-errors"' in html  # beside the buttons too
    assert any(w in html for w in words), html[html.find(f'data-testid="error-{field}"') :][:400]
    assert not Scenario.objects.exists()
    return html


def test_empty_persona_is_refused(client_for, trainer):
    _refused(
        client_for(trainer),
        post_values(persona_role="  "),
        "persona_role",
        ["该字段是必填项", "此项为必填", "This field is required"],
    )


def test_no_objection_is_refused(client_for, trainer):
    html = _refused(
        client_for(trainer), post_values(brief(n=0)), "brief-objections", ["至少", "at least one objection"]
    )
    assert 'href="#bf-brief-objections"' in html


def test_two_hundred_objections_are_refused(client_for, trainer):
    many = brief(objections=[{"says": f"异议{i}", "answer": ["回答"], "examples": []} for i in range(200)])
    _refused(client_for(trainer), post_values(many), "brief-objections", ["12", "split"])


def test_huge_text_is_refused(client_for, trainer):
    big = brief()
    big["objections"][0]["says"] = "贵" * 20000
    html = _refused(client_for(trainer), post_values(big), "brief-objections-0-says", ["500"])
    assert "贵" * 20000 in html  # what was typed is still in the box


def test_an_objection_without_what_a_good_answer_contains_is_refused(client_for, trainer):
    b = brief(n=1)
    b["objections"][0]["answer"] = []
    _refused(client_for(trainer), post_values(b), "brief-objections-0-answer", ["good answer", "好的回答"])


def test_weights_that_do_not_add_up_are_refused(client_for, trainer):
    _refused(client_for(trainer), post_values(**{"brief-weights-close": "90"}), "brief-weights", ["100"])


def test_a_lone_surrogate_is_refused(client_for, trainer):
    from urllib.parse import urlencode

    values = post_values()
    body = urlencode(values).replace("brief-opening=", "brief-opening=%ED%A0%80", 1)  # "\ud800" as UTF-8
    response = client_for(trainer).post(NEW, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert 'data-testid="error-brief-opening"' in response.text
    assert not Scenario.objects.exists()


def test_a_lone_surrogate_in_the_brief_data_is_refused_by_the_builder_check():
    b = brief()
    b["objections"][1]["examples"] = ["好\ud800"]
    assert [name for name, _m in spec_builder.brief_errors(b)] == ["brief-objections-1-examples"]


def test_posted_rows_are_read_whatever_their_numbers():
    values = post_values()
    values["brief-objections-7-says"] = values.pop("brief-objections-4-says")
    values["brief-objections-7-answer"] = values.pop("brief-objections-4-answer")
    values["brief-objections-7-examples"] = values.pop("brief-objections-4-examples")
    assert brief_from_post(values)["objections"][4]["says"] == OBJECTIONS[4][0]


# --- check beside the button, rows, expert view ------------------------------------------------------------


def test_check_answers_beside_the_button_with_htmx_and_saves_nothing(client_for, trainer):
    client = client_for(trainer)
    ok = client.post(NEW, {**post_values(), "brief_action": "check"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and 'data-testid="brief-ok"' in ok.text and "<form" not in ok.text
    assert "5" in ok.text
    bad = client.post(NEW, {**post_values(brief(n=0)), "brief_action": "check"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="brief-errors"' in bad.text and 'href="#bf-brief-objections"' in bad.text
    assert not Scenario.objects.exists()


def test_rows_are_added_and_removed_without_saving(client_for, trainer):
    client = client_for(trainer)
    added = client.post(NEW, {**post_values(), "brief_action": "add-objection"})
    assert added.status_code == 200 and 'data-testid="brief-objection-5"' in added.text
    removed = client.post(NEW, {**post_values(), "brief_action": "remove-objection-0"})
    assert 'data-testid="brief-objection-4"' not in removed.text
    assert OBJECTIONS[0][0] not in removed.text and OBJECTIONS[1][0] in removed.text
    assert not Scenario.objects.exists()


def test_a_script_changed_in_the_expert_view_is_not_overwritten_by_the_form(client_for, trainer):
    client = client_for(trainer)
    client.post(NEW, post_values())
    scenario = Scenario.objects.get(code="brief-made")
    spec = copy.deepcopy(scenario.spec)
    spec["nodes"][0]["lines"] = ["专家改过的开场白"]
    scenario_save(scenario=scenario, data={}, spec=spec, user=trainer)
    page = client.get(edit(scenario))
    assert 'data-testid="spec-editor"' in page.text  # opens in the expert view, which says why
    form = client.get(edit(scenario) + "?mode=brief").text
    assert 'data-testid="brief-locked"' in form and 'data-testid="open-expert-view"' in form
    assert f'href="{edit(scenario)}?mode=graph"' in form
    response = client.post(edit(scenario), post_values(brief(pass_mark=10)))
    assert response.status_code == 409 and 'data-testid="brief-locked"' in response.text
    scenario.refresh_from_db()
    assert scenario.spec["nodes"][0]["lines"] == ["专家改过的开场白"] and scenario.pass_mark == 70


def test_a_library_scenario_opens_in_the_expert_view(client_for, trainer):
    scenario = ScenarioFactory()
    client = client_for(trainer)
    assert 'data-testid="spec-editor"' in client.get(edit(scenario)).text
    assert 'data-testid="brief-locked"' in client.get(edit(scenario) + "?mode=brief").text


def test_the_manage_list_runs_a_bounded_number_of_queries(client_for, trainer, django_assert_max_num_queries):
    for i in range(30):
        ScenarioFactory(created_by=trainer, spec=spec_builder.spec_from_brief(brief(n=1)), code=f"s-{i}")
    client = client_for(trainer)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("practice:manage"))
    assert page.status_code == 200 and page.text.count('data-testid="try-s-') == 30


def test_an_empty_key_point_row_stays_while_rows_are_added_and_is_no_point_when_saved(client_for, trainer):
    client = client_for(trainer)
    values = post_values(brief(key_points=[{"point": "", "examples": [], "sub_points": [], "counter_examples": []}]))
    added = client.post(NEW, {**values, "brief_action": "add-objection"})
    assert 'id="bf-brief-key_points-0-point"' in added.text
    assert client.post(NEW, values).status_code == 302
    assert Scenario.objects.get(code="brief-made").spec["key_points"] == []
