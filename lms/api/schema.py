"""The OpenAPI schema: the common error shape on every operation, and request strings described as DRF checks them."""

import re

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

# A character Python's str.strip() keeps. ECMAScript's \S (the schema's regex dialect) lets through a few characters
# Python counts as space (\x1c-\x1f, \x85 NEL): the API fuzz test sent a title of "\x85", which DRF trims to blank.
NOT_ONLY_SPACE = r"[^\s\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def conflict(description: str) -> OpenApiResponse:
    """A documented 409: the request conflicts with the state of the object (the body is the common error)."""
    return OpenApiResponse(description=description)


_SPECTACULAR_DECIMAL = re.compile(r"\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$")


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, plus one truth it leaves out: a required text field that trims whitespace
    refuses a value of spaces only, so its request schema says it must contain a non-space character."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and isinstance(schema, dict)
            and schema.get("type") == "string"
            and not {"pattern", "enum", "format", "$ref"} & schema.keys()
        ):
            schema = {**schema, "pattern": NOT_ONLY_SPACE}
        if direction == "request" and isinstance(field, serializers.DecimalField) and isinstance(schema, dict):
            # drf-spectacular's pattern (^-?\d{0,6}(?:\.\d{0,2})?$) lets through "" and "-", which are no number.
            found = _SPECTACULAR_DECIMAL.fullmatch(schema.get("pattern", ""))
            if found:
                whole, places = found.groups()
                number = rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
                schema = {**schema, "pattern": number}
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        """A PATCH whose view validates the whole body (`whole_body_patch = True`: the answers of an attempt)
        documents its required fields as required, not as drf-spectacular's partial `Patched...` body."""
        if self.method == "PATCH" and getattr(self.view, "whole_body_patch", False):
            self.method = "PUT"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}

_DESCRIPTIONS = {
    "400": "Invalid input",
    "401": "Not authenticated",
    "403": "Not allowed",
    "404": "Not found, or outside your scope",
    "405": "Method not allowed",
    "406": "Not acceptable (the Accept header asks for something other than JSON)",
    "409": "Conflicts with the current state",
    "415": "Unsupported media type (the request body's Content-Type)",
    "429": "Too many requests",
}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            _require_constrained_body(operation, components)
            # 400: bad body or bad query parameters (page_size=abc); 404: unknown object, or a page past the end.
            codes = ["400", "401", "403", "404", "405", "406", "429"]
            if method in ("post", "put", "patch"):
                codes.append("415")
            for code in codes:
                responses.setdefault(
                    code, {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}}
                )
            if "409" in responses:  # declared with `conflict(...)`: the body is the common error
                responses["409"].setdefault("content", {"application/json": {"schema": ref}})
    return result


def _require_constrained_body(operation: dict, components: dict) -> None:
    """A request body whose schema has its own rules (allOf/oneOf: "one of course or plan") cannot be left out,
    even when no single field is required."""
    body = operation.get("requestBody")
    if not body or body.get("required"):
        return
    for media in body.get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        schema = components.get(ref.rsplit("/", 1)[-1], {}) if ref else media.get("schema", {})
        if "allOf" in schema or "oneOf" in schema:
            body["required"] = True
            return
