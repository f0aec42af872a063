"""Input serializers that hold a JSON body to the types the OpenAPI schema documents.

DRF coerces leniently (0 -> "0" for a CharField, 0 -> False for a BooleanField, "5" -> 5 for an IntegerField), so a
request the schema calls invalid would be accepted. `JSONInSerializer` refuses a JSON value of the wrong type with
the usual 400 (field message) before DRF's own validation. Form and multipart bodies (QueryDicts, every value a
string) are left to DRF."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty

_TYPE_MESSAGES = {
    "string": _("Expected a string."),
    "boolean": _("Expected true or false."),
    "integer": _("Expected a whole number."),
    "number": _("Expected a number."),
    "array": _("Expected a list."),
    "object": _("Expected an object."),
}


def _json_type(field) -> str | None:
    # Order matters: ChoiceField and the relational fields carry their own checks.
    if isinstance(field, serializers.BooleanField):
        return "boolean"
    if isinstance(field, serializers.IntegerField):
        return "integer"
    if isinstance(field, serializers.DecimalField):  # documented as a decimal string; DRF takes numbers too
        return None
    if isinstance(field, serializers.FloatField):
        return "number"
    if isinstance(field, (serializers.CharField, serializers.DateField, serializers.DateTimeField)):
        return "string"
    if isinstance(field, serializers.TimeField):
        return "string"
    if isinstance(field, (serializers.ListField, serializers.ListSerializer, serializers.ManyRelatedField)):
        return "array"
    if isinstance(field, (serializers.DictField, serializers.Serializer)):
        return "object"
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return "integer"
    if isinstance(field, serializers.SlugRelatedField):
        return "string"
    return None


def _has_type(value, json_type: str) -> bool:
    if json_type == "string":
        return isinstance(value, str)
    if json_type == "boolean":
        return isinstance(value, bool)
    if json_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if json_type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if json_type == "array":
        return isinstance(value, list)
    if json_type == "object":
        return isinstance(value, dict)
    return True


def _too_long(field, value) -> bool:
    return (
        isinstance(field, serializers.CharField)
        and field.max_length is not None
        and isinstance(value, str)
        and len(value) > field.max_length
    )


class JSONInSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict) and not hasattr(data, "getlist"):
            errors = {}
            for name, field in self.fields.items():
                if field.read_only:
                    continue
                value = data.get(field.field_name, empty) if isinstance(data, Mapping) else empty
                if value is empty or value is None:
                    continue
                json_type = _json_type(field)
                if json_type and not _has_type(value, json_type):
                    errors[name] = [str(_TYPE_MESSAGES[json_type])]
                elif _too_long(field, value):
                    # The schema's maxLength is of what is sent; DRF would check it after trimming ("\r" + 200).
                    errors[name] = [field.error_messages["max_length"].format(max_length=field.max_length)]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
