"""Input no database column can hold, refused where it comes in: text with a NUL character or a lone UTF-16
surrogate, and numbers that are not finite.

PostgreSQL refuses NUL in text and jsonb, and a lone surrogate (`"\\ud800"` in JSON, which Python decodes to a str
that cannot be encoded as UTF-8) cannot even be sent to it: either was a 500 (a quiz answer, a practice reply). A
JSON number too large for a float (`1e400`) reads as infinity, which JSON itself cannot write back. The API refuses
all of these in its JSON parser (lms.api.parsers), pages that read JSON through `json_parse`.

Form posts cannot carry a lone surrogate: Django decodes them replacing what is not UTF-8. A NUL in a form field is
refused by Django's forms (ProhibitNullCharactersValidator) or by the service that takes the raw value."""

import json
import math
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SURROGATE = re.compile("[\ud800-\udfff]")
# A parsed body holding more bad values than this is refused with the first ones named.
MAX_REPORTED = 20


def text_problem(value: str) -> str:
    """Why the text cannot be stored, or "" when it can."""
    if "\x00" in value:
        return _("Contains a NUL character, which cannot be stored; remove it and send again.")
    if SURROGATE.search(value):
        return _(
            "Contains a broken character (half of an emoji or symbol: a lone UTF-16 surrogate), which cannot be "
            "stored; remove it and send again."
        )
    return ""


def _value_problem(value) -> str:
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, float) and not math.isfinite(value):
        return _("Must be a finite number (JSON has no Infinity or NaN; 1e400 is too large).")
    return ""


def unstorable_values(data, *, root: str = "non_field_errors") -> dict[str, list[str]]:
    """The bad values in parsed JSON, as the API's error fields: {path: [message]}.

    Paths are named like the API's other field errors (lms.api.exceptions): `answers.12` for a key of an object,
    `items.0.title` inside a list of objects; a bad text directly in a list is reported on the list ("Item 2: ...").
    A bad value at the top of the body is reported under `root`. The messages never repeat the bad text (a lone
    surrogate cannot be written into the response either). Walked without recursion, so any depth is safe."""
    errors: dict[str, list[str]] = {}
    stack = [(data, "", None)]  # (value, path of the value, its position when it sits directly in a list)
    while stack and len(errors) < MAX_REPORTED:
        value, path, index = stack.pop()
        children = []
        if isinstance(value, dict):
            for key, item in value.items():
                if problem := text_problem(str(key)):
                    message = _("A key in this object: %(message)s") % {"message": problem}
                    errors.setdefault(path or root, []).append(message)
                else:
                    children.append((item, f"{path}.{key}" if path else str(key), None))
        elif isinstance(value, list):
            for position, item in enumerate(value):
                if isinstance(item, dict | list):
                    children.append((item, f"{path}.{position}" if path else str(position), None))
                else:
                    children.append((item, path, position))
        elif problem := _value_problem(value):
            if index is not None:
                problem = _("Item %(n)d: %(message)s") % {"n": index + 1, "message": problem}
            errors.setdefault(path or root, []).append(problem)
        stack.extend(reversed(children))  # popped in document order
    return errors


def _refuse_constant(name: str):
    raise ValueError(name)


def json_parse(raw: bytes | str):
    """json.loads for a request body a page reads itself: anything it cannot take is a ValidationError with a
    message (never a 500): not JSON or not UTF-8, nested too deeply, NaN/Infinity or a number of thousands of
    digits, and the values `unstorable_values` finds."""
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValidationError(_("Not valid JSON: the lists and objects are nested too deeply."), code="parse") from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, NaN/Infinity, an integer of more than 4300 digits
        raise ValidationError(_("Not valid JSON."), code="parse") from None
    if errors := unstorable_values(data):
        raise ValidationError(errors)
    return data
