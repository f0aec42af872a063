"""The JSON shape of every error the app answers: {"error": {"code": ..., "message": ..., "fields": {...}}}.

Here, below the API (lms.api.exceptions maps exceptions to it) and the middleware (lms.security, lms.outage), which
answer in this shape before any API view runs."""


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}
