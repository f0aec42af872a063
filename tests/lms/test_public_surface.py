"""What users and API clients rely on stays as committed: the OpenAPI schema and the set of addresses.

The snapshots in tests/lms/snapshots/ were taken before the apps were layered (the schema, on SQLite and on
PostgreSQL, is byte for byte the one the old layout generated; the addresses differ only by the admin pages of the
models that moved app, whose old addresses redirect). A deliberate change regenerates them with `make snapshots`
(SQLite) and `DATABASE_URL=postgres://... make snapshots` (PostgreSQL), and shows in the diff of the commit.
"""

import difflib
import io
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
ROUTES = SNAPSHOTS / "routes.txt"


def schema_snapshot() -> Path:
    """One per database backend: integer bounds in the schema come from the backend's column ranges."""
    return SNAPSHOTS / f"openapi-{connection.vendor}.yaml"


def current_schema() -> str:
    out = io.StringIO()
    with translation.override(settings.LANGUAGE_CODE):  # as `manage.py spectacular` writes it
        call_command("spectacular", stdout=out)
    return out.getvalue()


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield f"{prefix}{pattern.pattern}\t{namespace}{pattern.name or ''}"


def current_routes() -> str:
    return "\n".join(sorted(set(_walk(get_resolver().url_patterns)))) + "\n"


def _diff(expected: str, actual: str, name: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(), actual.splitlines(), f"{name} (committed)", f"{name} (now)", lineterm="", n=2
    )
    return "\n".join(list(lines)[:80]) + "\n(`make snapshots` if the change is meant)"


def test_openapi_schema_is_the_committed_one():
    expected = schema_snapshot().read_text(encoding="utf-8")
    actual = current_schema()
    assert actual == expected, _diff(expected, actual, "openapi.yaml")


def test_addresses_and_their_names_are_the_committed_ones():
    expected = ROUTES.read_text(encoding="utf-8")
    actual = current_routes()
    assert actual == expected, _diff(expected, actual, "routes.txt")


if __name__ == "__main__":  # `make snapshots`: write the snapshots from the code as it is
    import django

    django.setup()
    schema_snapshot().write_text(current_schema(), encoding="utf-8")
    ROUTES.write_text(current_routes(), encoding="utf-8")
    sys.stdout.write(f"wrote {schema_snapshot()} and {ROUTES}\n")
