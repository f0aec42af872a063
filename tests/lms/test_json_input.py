"""JSON a request brings is refused with a 400 and a message when no column could store it (a lone surrogate, a
NUL character, a number past a float's range) or it is nested too deeply to parse: never a 500 (issue 18)."""

import json

import pytest
from django.core.exceptions import ValidationError

from lms.storable import json_parse, unstorable_values

SURROGATE = "\ud800"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"title": "好", "n": 1.5, "ok": [1, "a", None, True]}, {}),
        ({"title": SURROGATE}, {"title": "broken character"}),
        ({"title": "a\x00b"}, {"title": "NUL character"}),
        ({"answers": {"12": "\udfff"}}, {"answers.12": "broken character"}),
        ({"nos": ["E1", "E\x002"]}, {"nos": "Item 2: Contains a NUL"}),
        ({"rows": [{"t": "x"}, {"t": SURROGATE}]}, {"rows.1.t": "broken character"}),
        ({"answers": {SURROGATE: "A"}}, {"answers": "A key in this object"}),
        ({"score": float("inf")}, {"score": "finite number"}),
        ([SURROGATE], {"non_field_errors": "Item 1:"}),
        ("\x00", {"non_field_errors": "NUL character"}),
    ],
)
def test_unstorable_values_are_named_by_their_path(data, expected, settings):
    settings.LANGUAGE_CODE = "en"
    errors = unstorable_values(data)
    assert set(errors) == set(expected)
    for path, part in expected.items():
        [message] = errors[path]
        assert part in message and SURROGATE not in message and "\x00" not in message


def test_unstorable_values_walks_any_depth_without_recursion():
    deep = current = {}
    for _ in range(5000):
        current["x"] = current = {}
    current["x"] = "\x00"
    assert list(unstorable_values(deep)) == [".".join(["x"] * 5001)]


@pytest.mark.parametrize(
    "raw",
    [b"{", b"\xff\xfe", b"[" * 100_000, b"[NaN]", b"1" * 5000, b'{"a": "\\ud800"}', b'{"a": 1e400}'],
    ids=["not json", "not utf-8", "too deep", "NaN", "5000 digits", "surrogate", "1e400"],
)
def test_json_parse_refuses_with_a_validation_error(raw):
    with pytest.raises(ValidationError):
        json_parse(raw)


def test_json_parse_reads_good_json():
    assert json_parse('{"modules": [1, 2], "t": "课"}'.encode()) == {"modules": [1, 2], "t": "课"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": SURROGATE, "kind": "text", "body": "x"}, "title"),
        ({"title": "课时", "kind": "text", "body": "前\ud83d后"}, "body"),
        ({"title": "课时", "kind": "text", "body": "x", "extra": {"deep": [SURROGATE]}}, "extra.deep"),
        ({"title": "课时", "kind": "text", "body": "x", "estimated_minutes": 1e400}, "estimated_minutes"),
    ],
    ids=["surrogate", "surrogate pair cut", "deep in an unknown field", "1e400"],
)
def test_the_api_refuses_unstorable_json_with_the_field_named(api_for, trainer, body, field):
    """Through any JSON endpoint (here the lesson library, which also takes multipart): 400 in the API's error
    shape, the field path named, nothing created."""
    from courses.models import Lesson

    raw = json.dumps(body).replace("Infinity", "1e400")  # as a client writes it: JSON has no Infinity
    response = api_for(trainer).post(
        "/api/v1/lessons/", raw, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field]
    assert not Lesson.objects.exists()


@pytest.mark.django_db
def test_json_nested_too_deeply_is_a_400_not_a_500(api_for, trainer):
    response = api_for(trainer).post("/api/v1/lessons/", "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
