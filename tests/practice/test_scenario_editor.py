"""The form-based script editor: round trip of every shipped scenario through the real page, create and edit
with good and bad input (messages next to the field, nothing saved), htmx rows, permissions."""

import copy
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from practice import scenario_library, spec_editor
from practice.engine.spec import rubric_of, validate_spec
from practice.models import Scenario
from tests.practice.factories import SPEC, ScenarioFactory

pytestmark = pytest.mark.django_db

LIBRARY = [v for v in vars(scenario_library).values() if isinstance(v, dict) and "spec" in v]


class _FormValues(HTMLParser):
    """The values a browser would submit from the page's scenario form (inputs, checked boxes, textareas,
    selected options); submit buttons are left out."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._in_form = False
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("data-testid") == "scenario-form":
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            else:
                self.values[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            value = self.values[self._textarea] + data
            # browsers drop the one newline right after <textarea>
            self.values[self._textarea] = (
                value[1:] if value.startswith("\n") and not self.values[self._textarea] else value
            )


def form_values(html: str) -> dict:
    parser = _FormValues()
    parser.feed(html)
    return parser.values


def edit_url(scenario=None):
    return reverse("practice:scenario_edit", args=[scenario.id]) if scenario else reverse("practice:scenario_new")


ROWS = reverse("practice:scenario_editor_rows")


def _comparable(spec):
    """The parts of a spec the editor must keep exactly, with empty optional lists dropped."""
    out = {}
    for key in ("start", "max_turns", "fallback_line", "end_line", "objections", "forbidden"):
        if spec.get(key) not in (None, []):
            out[key] = spec[key]
    out["nodes"] = [{k: v for k, v in n.items() if v not in ([], None, False)} for n in spec["nodes"]]
    out["key_points"] = [{k: v for k, v in kp.items() if v != []} for kp in spec.get("key_points", [])]
    out["rubric"] = rubric_of(spec)
    out["use_default_forbidden"] = spec.get("use_default_forbidden", True)
    return out


@pytest.mark.parametrize("item", LIBRARY, ids=lambda i: i["code"])
def test_every_shipped_script_survives_the_editor_unchanged(client_for, trainer, item):
    scenario = ScenarioFactory(code=item["code"], spec=copy.deepcopy(item["spec"]))
    client = client_for(trainer)
    page = client.get(edit_url(scenario))
    assert page.status_code == 200
    values = form_values(page.text)
    assert "nodes-0-id" in values and "spec_json" not in values
    response = client.post(edit_url(scenario), values)
    assert response.status_code == 302, response.text[:3000]
    scenario.refresh_from_db()
    assert not validate_spec(scenario.spec)
    assert _comparable(scenario.spec) == _comparable(item["spec"])
    assert scenario.version == 1  # nothing changed, so no new version


def _new_values(client, **changes):
    values = form_values(client.get(edit_url() + "?mode=graph").text)
    values.update(
        {
            "code": "editor-made",
            "title": "表单新建的场景",
            "language": "zh-hans",
            "status": "draft",
            "difficulty": "easy",
            "persona_role": "采购经理",
            "situation": "第一次电话",
            "goal": "约见面",
        }
    )
    values.update(changes)
    return values


def test_create_a_scenario_through_the_form(client_for, trainer):
    client = client_for(trainer)
    values = _new_values(
        client,
        **{
            "nodes-0-lines": "你好，哪位？\n\n  有事快说。  ",
            "nodes-0-branches-0-keywords": "公司, 介绍、拜访",
            "key_points-0-synonyms": "公司, 企业\n拜访，来访",
        },
    )
    response = client.post(edit_url(), values)
    assert response.status_code == 302
    spec = Scenario.objects.get(code="editor-made").spec
    assert spec["nodes"][0]["lines"] == ["你好，哪位？", "有事快说。"]  # blank lines dropped, text trimmed
    assert spec["nodes"][0]["branches"][0]["keywords"] == ["公司", "介绍", "拜访"]
    assert spec["key_points"][0]["synonyms"] == [["公司", "企业"], ["拜访", "来访"]]
    assert spec["nodes"][1]["closing"] is True
    assert sum(spec["rubric"]["weights"].values()) == 100


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"nodes-0-branches-0-to": "nowhere"}, "nodes-0-branches-0-to", "unknown node"),
        ({"nodes-1-lines": " \n  \n"}, "nodes-1-lines", "at least one entry"),
        ({"nodes-0-branches-0-intents": "", "nodes-0-branches-0-keywords": ""}, "nodes-0-branches-0", "intent"),
        ({"rubric-weights-close": "50"}, "rubric-weights", "add up to 100"),
        ({"rubric-weights-close": "abc"}, "rubric-weights-close", "must be a number"),
        ({"rubric-thresholds-fair": "80"}, "rubric-thresholds-fair", "below"),
        ({"rubric-pass_mark": "101"}, "rubric-pass_mark", "from 0 to 100"),
        ({"max_turns": "0"}, "max_turns", "1 to 50"),
        ({"fallback_line": "  "}, "fallback_line", "non-empty"),
        ({"start": "close", "nodes-1-closing": ""}, "nodes-0-id", "cannot be reached"),
        ({"nodes-1-closing": ""}, "nodes-1-branches", "dead end"),
        ({"nodes-0-id": "x" * 61, "start": "x" * 61}, "nodes-0-id", "at most 60"),
        ({"nodes-1-next": "ghost", "nodes-1-closing": ""}, "nodes-1-next", "unknown node"),
        ({"forbidden-0-pattern": "**", "forbidden-0-severity": "blocker"}, "forbidden-0-pattern", "besides"),
    ],
)
def test_bad_script_shows_the_message_next_to_the_field_and_saves_nothing(client_for, trainer, changes, field, message):
    client = client_for(trainer)
    response = client.post(edit_url(), _new_values(client, **changes))
    assert response.status_code == 422
    html = response.text
    marker = f'data-testid="error-{field}"'
    assert marker in html, html[html.find("editor-errors") - 200 : html.find("editor-errors") + 1500]
    assert "</div>" in html[html.index(marker) : html.index(marker) + 400]
    posted = spec_editor.spec_from_post(_new_values(client, **changes))
    with translation.override("en"):  # the message, in English, comes from the shared validator for this field
        found = validate_spec(posted)
    messages = [m for _p, m in found]
    fields = [spec_editor.field_name(p) for p, _m in found]
    assert any(message in m and f == field for m, f in zip(messages, fields, strict=True)), found
    assert f'id="ed-{field}"' in html or field.endswith(("-branches", "-branches-0", "rubric-weights"))
    assert not Scenario.objects.filter(code="editor-made").exists()
    # what the trainer typed is still there
    values = form_values(html)
    for name, value in changes.items():
        if name in values and name != "nodes-1-lines":
            assert values[name].strip() == value.strip()


def test_bad_meta_field_keeps_the_script(client_for, trainer):
    client = client_for(trainer)
    response = client.post(edit_url(), _new_values(client, title="", **{"nodes-0-lines": "改过的开场白"}))
    assert response.status_code == 422
    assert form_values(response.text)["nodes-0-lines"] == "改过的开场白"
    assert not Scenario.objects.filter(code="editor-made").exists()


def test_overlong_meta_field_is_a_message_not_a_500(client_for, trainer):
    client = client_for(trainer)
    response = client.post(edit_url(), _new_values(client, persona_role="长" * 101))
    assert response.status_code == 422
    assert not Scenario.objects.filter(code="editor-made").exists()


def test_edit_an_existing_scenario_through_the_form(client_for, trainer):
    scenario = ScenarioFactory()
    client = client_for(trainer)
    values = form_values(client.get(edit_url(scenario)).text)
    values["nodes-0-lines"] = "你好，我是李经理，有什么事？"
    values["rubric-pass_mark"] = "70"
    assert client.post(edit_url(scenario), values).status_code == 302
    scenario.refresh_from_db()
    assert scenario.spec["nodes"][0]["lines"] == ["你好，我是李经理，有什么事？"]
    assert scenario.pass_mark == 70 and scenario.version == 2


def test_rows_are_added_and_removed_with_htmx(client_for, trainer):
    client = client_for(trainer)
    values = form_values(client.get(edit_url() + "?mode=graph").text)
    added = client.post(ROWS, {**values, "editor_action": "add-node"}, HTTP_HX_REQUEST="true")
    assert added.status_code == 200
    values = form_values('<form data-testid="scenario-form">' + added.text + "</form>")
    assert values["nodes-2-id"] == "node3"
    added = client.post(ROWS, {**values, "editor_action": "add-branch-2"}, HTTP_HX_REQUEST="true")
    values = form_values('<form data-testid="scenario-form">' + added.text + "</form>")
    assert "nodes-2-branches-0-to" in values
    removed = client.post(ROWS, {**values, "editor_action": "remove-node-0"}, HTTP_HX_REQUEST="true")
    values = form_values('<form data-testid="scenario-form">' + removed.text + "</form>")
    assert values["nodes-0-id"] == "close" and "nodes-2-id" not in values
    # the remaining rows were renumbered with their content
    assert values["nodes-1-id"] == "node3" and "nodes-1-branches-0-to" in values


def test_check_shows_errors_next_to_fields_without_saving(client_for, trainer):
    client = client_for(trainer)
    values = form_values(client.get(edit_url() + "?mode=graph").text)
    bad = client.post(ROWS, {**values, "nodes-0-branches-0-to": "nowhere", "editor_action": "check"})
    assert 'data-testid="error-nodes-0-branches-0-to"' in bad.text
    ok = client.post(ROWS, {**values, "editor_action": "check"})
    assert 'data-testid="editor-ok"' in ok.text


def test_rows_without_javascript_go_through_the_page(client_for, trainer):
    client = client_for(trainer)
    values = form_values(client.get(edit_url() + "?mode=graph").text)
    response = client.post(edit_url(), {**_new_values(client), "editor_action": "add-objection"})
    assert response.status_code == 200
    assert "objections-0-code" in form_values(response.text)
    assert not Scenario.objects.filter(code="editor-made").exists()
    assert values  # the page was there first


def test_json_mode_still_edits_and_shares_the_validator(client_for, trainer):
    scenario = ScenarioFactory()
    client = client_for(trainer)
    page = client.get(edit_url(scenario) + "?mode=json")
    assert "spec_json" in form_values(page.text)
    bad = copy.deepcopy(SPEC)
    bad["rubric"] = {"weights": {"key_points": 50, "close": 10}}
    values = {**form_values(page.text), "spec_json": __import__("json").dumps(bad)}
    response = client.post(edit_url(scenario), values)
    assert response.status_code == 422
    assert "add up to 100" in response.text or "之和必须为 100" in response.text


def test_unrecognised_actions_and_indexes_change_nothing():
    spec = copy.deepcopy(SPEC)
    for action in ("remove-node-99", "add-branch-99", "remove-branch-0-99", "explode", "remove-node"):
        assert spec_editor.apply_action(copy.deepcopy(spec), action) == spec


def test_field_names_follow_the_validator_paths():
    assert spec_editor.field_name("nodes[0].branches[1].to") == "nodes-0-branches-1-to"
    assert spec_editor.field_name("key_points[2].synonyms[1]") == "key_points-2-synonyms"
    assert spec_editor.field_name("rubric.weights.close") == "rubric-weights-close"


@pytest.mark.parametrize("persona", ["manager_a", "sales_a"])
def test_editor_is_404_for_everyone_but_trainers(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    scenario = ScenarioFactory()
    assert client.get(edit_url() + "?mode=graph").status_code == 404
    assert client.get(edit_url(scenario)).status_code == 404
    assert client.post(edit_url(scenario), {"nodes-0-id": "x"}).status_code == 404
    assert client.post(ROWS, {"editor_action": "add-node"}).status_code == 404


def test_editor_rows_refuse_anonymous_and_get(client, client_for, trainer):
    response = client.post(ROWS, {"editor_action": "add-node"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert client_for(trainer).get(ROWS).status_code == 405


# --- key points: required parts, typical wrong answers, suggested examples ---------------------------------

COMPOUND = "说明等待期为90天，并说明期间出险不赔"


def _spec_with_point(**point):
    spec = copy.deepcopy(SPEC)
    spec["key_points"] = [{"code": "waiting", "canonical": COMPOUND, "examples": ["等待期九十天"], **point}]
    return spec


@pytest.mark.parametrize(
    "point,path,message",
    [
        ({"sub_points": ["a"] * 7}, "key_points[0].sub_points", "more than 6"),
        ({"sub_points": ["说明等待期", " "]}, "key_points[0].sub_points[1]", "non-empty"),
        ({"sub_points": "说明等待期"}, "key_points[0].sub_points", "list of non-empty texts"),
        ({"counter_examples": ["x"] * 6}, "key_points[0].counter_examples", "more than 5"),
        ({"counter_examples": ["出险都赔", 3]}, "key_points[0].counter_examples[1]", "non-empty"),
        ({"counter_examples": ["长" * 301]}, "key_points[0].counter_examples[0]", "at most 300"),
    ],
)
def test_sub_points_and_counter_examples_are_validated_with_their_path(point, path, message):
    with translation.override("en"):
        errors = validate_spec(_spec_with_point(**point))
    assert any(p == path and message in m for p, m in errors), errors


def test_valid_sub_points_and_counter_examples_pass():
    assert (
        validate_spec(
            _spec_with_point(sub_points=["说明等待期为90天", "说明期间出险不赔"], counter_examples=["出险都赔"])
        )
        == []
    )


def test_a_compound_point_shows_its_suggested_split_which_is_not_stored_untouched(client_for, trainer):
    scenario = ScenarioFactory(spec=_spec_with_point())
    client = client_for(trainer)
    values = form_values(client.get(edit_url(scenario)).text)
    assert values["key_points-0-sub_points"] == "说明等待期为90天\n说明期间出险不赔"
    assert client.post(edit_url(scenario), values).status_code == 302
    scenario.refresh_from_db()
    assert "sub_points" not in scenario.spec["key_points"][0] and scenario.version == 1


def test_an_edited_split_and_counter_examples_are_saved_and_shown_again(client_for, trainer):
    scenario = ScenarioFactory(spec=_spec_with_point())
    client = client_for(trainer)
    values = form_values(client.get(edit_url(scenario)).text)
    values["key_points-0-sub_points"] = "说明等待期为90天\n说明等待期内出险不赔\n说明过了等待期才保障"
    values["key_points-0-counter_examples"] = "放心，出了险我们都赔\n\n没有等待期"
    assert client.post(edit_url(scenario), values).status_code == 302
    scenario.refresh_from_db()
    point = scenario.spec["key_points"][0]
    assert point["sub_points"] == ["说明等待期为90天", "说明等待期内出险不赔", "说明过了等待期才保障"]
    assert point["counter_examples"] == ["放心，出了险我们都赔", "没有等待期"]
    assert scenario.version == 2
    values = form_values(client.get(edit_url(scenario)).text)
    assert values["key_points-0-sub_points"].splitlines()[2] == "说明过了等待期才保障"
    assert values["key_points-0-sub_points_suggested"] == ""  # a stored split is no suggestion
    assert client.post(edit_url(scenario), values).status_code == 302
    scenario.refresh_from_db()
    assert scenario.version == 2  # shown and saved again unchanged


def test_a_split_left_as_suggested_follows_a_changed_sentence(client_for, trainer):
    scenario = ScenarioFactory(spec=_spec_with_point())
    client = client_for(trainer)
    values = form_values(client.get(edit_url(scenario)).text)
    values["key_points-0-canonical"] = "说明等待期为180天；说明期间出险不赔"
    assert client.post(edit_url(scenario), values).status_code == 302
    scenario.refresh_from_db()
    assert "sub_points" not in scenario.spec["key_points"][0]  # the scorer splits the new sentence itself


def test_too_many_parts_are_a_message_next_to_the_field(client_for, trainer):
    scenario = ScenarioFactory(spec=_spec_with_point())
    client = client_for(trainer)
    values = form_values(client.get(edit_url(scenario)).text)
    values["key_points-0-sub_points"] = "\n".join(f"第{i}部分" for i in range(7))
    response = client.post(edit_url(scenario), values)
    assert response.status_code == 422
    assert 'data-testid="error-key_points-0-sub_points"' in response.text


def test_a_point_that_is_not_compound_gets_no_split(client_for, trainer):
    spec = _spec_with_point()
    spec["key_points"][0]["canonical"] = "约定下次拜访时间"
    scenario = ScenarioFactory(spec=spec)
    values = form_values(client_for(trainer).get(edit_url(scenario)).text)
    assert values["key_points-0-sub_points"] == "" and values["key_points-0-sub_points_suggested"] == ""


def test_saving_a_point_without_examples_warns_and_offers_paraphrases(client_for, trainer):
    scenario = ScenarioFactory(spec=_spec_with_point(examples=[]))
    client = client_for(trainer)
    client.cookies["django_language"] = "en"
    values = form_values(client.get(edit_url(scenario)).text)
    response = client.post(edit_url(scenario), values, follow=True)
    assert response.status_code == 200  # a warning, not an error: saved
    html = response.text
    assert "These key points have no example phrasings: waiting" in html
    assert 'data-testid="warning-key_points-0-examples"' in html
    assert 'data-testid="editor-warnings"' in html
    offered = form_values(html)["key_points-0-example_suggestions"].splitlines()
    assert len(offered) == 3 and all(offered)
    assert 'data-testid="add-examples-0"' in html
    # one click adds them (htmx), nothing is saved until the trainer saves
    added = client.post(ROWS, {**form_values(html), "editor_action": "examples-key_point-0"}, HTTP_HX_REQUEST="true")
    after = form_values('<form data-testid="scenario-form">' + added.text + "</form>")
    assert after["key_points-0-examples"].splitlines() == offered
    assert 'data-testid="warning-key_points-0-examples"' not in added.text
    scenario.refresh_from_db()
    assert scenario.spec["key_points"][0]["examples"] == []
    assert client.post(edit_url(scenario), {**values, **after}).status_code == 302
    scenario.refresh_from_db()
    assert scenario.spec["key_points"][0]["examples"] == offered


def test_adding_examples_keeps_at_most_five_and_ignores_bad_indexes():
    spec = _spec_with_point(examples=["一", "二", "三", "四"])
    data = {"key_points-0-example_suggestions": "五\n六\n一"}
    out = spec_editor.apply_action(copy.deepcopy(spec), "examples-key_point-0", data)
    assert out["key_points"][0]["examples"] == ["一", "二", "三", "四", "五"]
    assert spec_editor.apply_action(copy.deepcopy(spec), "examples-key_point-9", data) == spec
    assert spec_editor.apply_action(copy.deepcopy(spec), "examples-key_point-0") == spec


def test_the_check_result_is_at_the_top_of_the_form_and_by_the_button(client_for, trainer):
    client = client_for(trainer)
    values = form_values(client.get(edit_url() + "?mode=graph").text)
    bad = client.post(ROWS, {**values, "nodes-0-branches-0-to": "nowhere", "editor_action": "check"}).text
    # the summary replaces the one at the top of the form (out of band), and a line by the button points to it
    assert bad.index('id="editor-summary"') < bad.index('id="spec-editor"')
    assert 'hx-swap-oob="true"' in bad.split('id="spec-editor"')[0]
    assert 'data-testid="editor-errors"' in bad and 'href="#ed-nodes-0-branches-0-to-error"' in bad
    assert 'data-testid="check-status"' in bad
    page = client.post(edit_url(), {**values, "nodes-0-branches-0-to": "nowhere"}).text
    form = page[page.index('data-testid="scenario-form"') :]
    assert form.index('data-testid="editor-errors"') < form.index("<fieldset")  # before the first field


def test_the_json_check_shows_right_under_the_editor(client_for, trainer):
    scenario = ScenarioFactory()
    page = client_for(trainer).get(edit_url(scenario) + "?mode=json").text
    assert page.index('id="spec-preview"') < page.index('data-testid="requirements"')
