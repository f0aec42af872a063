"""Walk every URL pattern of the project as a salesperson, a manager of another team and an anonymous visitor,
with the ids of objects that belong to someone else: never a 500, never another person's data, and anonymous
visitors get a 200 only on the few public routes below. New routes (from any app) are walked automatically.

How the ids are chosen: the demo data of every app is loaded (`seed_demo`), a "victim" salesperson in a team
neither persona may see gets unique markers in their name and employee number, and every `int`/`path` parameter
is tried with: the victim's id, the victim's team id, the id of every row (of any model) that points to the victim,
their team or the other trainer (trainer2), the first id of every model, and 999999. Text parameters get the
victim's username and an unknown code.
"""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client

from tests.security.urlwalk import Route, all_routes
from trainees.models import PeopleImport, User

VICTIM_NAME = "受害者VICTIM9Q7X"
VICTIM_NO = "VICTIM-9Q7X"
MARKERS = (VICTIM_NAME, VICTIM_NO)

# Routes an anonymous visitor may open (200). Add a route here only if it is meant to be public, and say why.
PUBLIC_ROUTES = {
    "login": "the login form",
    "password_reset": "the forgot-password form (same answer for any address)",
    "password_reset_done": "the neutral 'check your e-mail' page",
    "password_reset_confirm": "the new-password page behind a reset link (a wrong link says so)",
    "password_reset_complete": "the 'password changed' page after a reset",
    "healthz": "load-balancer health check (no data)",
    "schema": "the OpenAPI schema (no data)",
    "api-docs": "Swagger UI for the schema",
    "api-redoc": "Redoc for the schema",
    "set_language": "language switcher (redirects)",
    "javascript-catalog": "translations for page JS",
    "admin:login": "admin login form",
    "admin:logout": "admin logout (POST only, shows a page)",
}
# Routes that may show other people's names to everyone signed in, by design. Keep it empty if possible.
SHARED_BY_DESIGN: dict[str, str] = {}

OK_REFUSALS = {301, 302, 400, 401, 403, 404, 405}
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def _victim_side_ids(victim: User, other_trainer: User) -> list[str]:
    ids: list[int] = [victim.pk, victim.team_id]
    for model in apps.get_models():
        if model._meta.app_label in ("sessions", "admin", "contenttypes", "axes"):
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.ForeignKey) or not field.concrete:
                continue
            target = field.related_model
            if target is User:
                values = [victim.pk, other_trainer.pk]
            elif target is victim.team.__class__:
                values = [victim.team_id]
            else:
                continue
            pk = model._default_manager.filter(**{f"{field.name}__in": values}).values_list("pk", flat=True).first()
            if pk is not None:
                ids.append(pk)
    for model in apps.get_models():
        if model._meta.app_label not in ("auth", "sessions", "admin", "contenttypes", "axes", "authtoken"):
            pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            if isinstance(pk, int):
                ids.append(pk)
    ids.append(999999)
    return [str(i) for i in dict.fromkeys(i for i in ids if i is not None)]


def _urls_for(route: Route, ids: list[str], texts: list[str]) -> list[str]:
    if not route.params:
        return [route.build({})]
    # Admin pages sit behind one staff gate: one id is enough there.
    if route.template.startswith("admin/"):
        ids = ids[:1]
    urls = []
    for i, value in enumerate(ids):
        values = {}
        for name, kind in route.params:
            if kind in ("int", "path", "any"):
                values[name] = value
            elif kind == "uuid":
                values[name] = "00000000-0000-0000-0000-000000000000"
            else:
                values[name] = texts[i % len(texts)]
        urls.append(route.build(values))
    for text in texts:
        if any(kind in ("str", "slug") for _n, kind in route.params):
            urls.append(route.build({n: (text if k in ("str", "slug") else ids[0]) for n, k in route.params}))
    return list(dict.fromkeys(urls))


@pytest.fixture
def world(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    victim = User.objects.get(username="sales02")  # team B (华东区/上海销售部/二组)
    victim.display_name, victim.employee_no = VICTIM_NAME, VICTIM_NO
    victim.save()
    other_trainer = User.objects.get(username="trainer2")
    csv = f"employee_no,display_name,email,team,roles,manager_employee_no\n{VICTIM_NO},{VICTIM_NAME},,X/Y,,\n"
    PeopleImport.objects.create(owner=other_trainer, filename="victims.csv", content=csv.encode())
    personas = {
        "anonymous": None,
        "salesperson": User.objects.get(username="sales01"),  # team A
        "other_manager": User.objects.get(username="manager_c"),  # manages 华南区 team C only
    }
    ids = _victim_side_ids(victim, other_trainer)
    return {"personas": personas, "ids": ids, "texts": [victim.username, "zz-unknown-code"]}


def _check(persona: str, route: Route, method: str, url: str, response, problems: list[str]) -> None:
    status = response.status_code
    where = f"{persona} {method} {url} ({route.name})"
    if status >= 500:
        problems.append(f"{where}: server error {status}")
        return
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    if route.name not in SHARED_BY_DESIGN and any(marker in text for marker in MARKERS):
        problems.append(f"{where}: shows the other person's data (status {status})")
    if persona == "anonymous" and route.name not in PUBLIC_ROUTES:
        if status not in OK_REFUSALS:
            problems.append(f"{where}: anonymous got {status}; add it to PUBLIC_ROUTES only if it is meant public")
        elif status in (301, 302) and not response["Location"].split("?")[0].endswith(LOGIN_PATHS):
            problems.append(f"{where}: anonymous redirected to {response['Location']}, not to a login page")


def test_every_route_refuses_other_peoples_data(world):
    routes = all_routes()
    assert len(routes) > 20
    problems: list[str] = []
    walked = 0
    for persona, user in world["personas"].items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        for route in routes:
            for url in _urls_for(route, world["ids"], world["texts"]):
                _check(persona, route, "GET", url, client.get(url), problems)
                walked += 1
    assert not problems, f"{len(problems)} problem(s) in {walked} requests:\n" + "\n".join(problems)


def test_every_route_refuses_unsafe_requests_on_other_peoples_objects(world):
    """POST with empty data (the CSRF check is off here: the refusal must come from the view's own scope check)."""
    routes = [r for r in all_routes() if not r.template.startswith("admin/")]
    problems: list[str] = []
    for persona, user in world["personas"].items():
        for route in routes:
            for url in _urls_for(route, world["ids"][:6], world["texts"]):
                client = Client(raise_request_exception=False)
                if user is not None:
                    client.force_login(user)  # again for each request: logout routes end the session
                _check(persona, route, "POST", url, client.post(url, {}), problems)
    assert not problems, "\n".join(problems)
    # Nothing that belonged to the victim side was changed by those POSTs.
    victim = User.objects.get(employee_no=VICTIM_NO)
    assert victim.display_name == VICTIM_NAME and victim.is_active
    assert PeopleImport.objects.get(filename="victims.csv").status == PeopleImport.Status.PENDING


def test_the_walker_finds_every_app_route():
    names = {r.name for r in all_routes()}
    for expected in ("trainees:person", "api-person", "account:index", "healthz", "admin:lms_auditlog_changelist"):
        assert expected in names


def test_the_walker_would_catch_a_leak():
    """Guard for the guard: a view that leaks (the trainer's people list served to everyone) is reported."""
    from django.http import HttpResponse

    route = next(r for r in all_routes() if r.name == "healthz")
    problems: list[str] = []
    _check("salesperson", route, "GET", "/healthz", HttpResponse(f"<td>{VICTIM_NAME}</td>"), problems)
    _check("anonymous", Route("people/", "trainees:people", ()), "GET", "/people/", HttpResponse("ok"), problems)
    assert len(problems) == 2
    assert "other person's data" in problems[0] and "anonymous got 200" in problems[1]


def test_victim_side_ids_cover_their_objects(world):
    victim = User.objects.get(employee_no=VICTIM_NO)
    ids = world["ids"]
    assert str(victim.pk) in ids and str(victim.team_id) in ids and ids[-1] == "999999"
    assert str(PeopleImport.objects.get(filename="victims.csv").pk) in ids
