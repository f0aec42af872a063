import pytest
from django.urls import reverse

from courses.models import Session, TrainingPlan
from tests.courses.plan_factories import *  # noqa: F403
from tests.courses.plan_factories import PlanFactory, SessionFactory, fill_plan, t

pytestmark = pytest.mark.django_db


def error_shape(response):
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_trainer_creates_and_lists_plans(api_for, trainer, team_a):
    api = api_for(trainer)
    response = api.post(
        reverse("api-plans"),
        {"title": "新人培训", "start_date": "2026-04-06", "days": 6, "teams": [team_a.pk]},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"id", "title", "start_date", "days", "status", "is_template"} <= set(body)
    assert body["status"] == "draft" and body["is_template"] is False and body["teams"] == [team_a.pk]
    listing = api.get(reverse("api-plans")).json()
    assert listing["count"] == 1 and listing["results"][0]["title"] == "新人培训"


def test_create_plan_bad_input_has_error_shape(api_for, trainer):
    response = api_for(trainer).post(reverse("api-plans"), {"title": "", "days": 31})
    assert response.status_code == 400
    err = error_shape(response)
    assert err["code"] == "invalid" and "days" in err["fields"]
    response = api_for(trainer).post(reverse("api-plans"), {"title": "", "days": 6})
    assert response.status_code == 400 and "title" in error_shape(response)["fields"]
    assert TrainingPlan.objects.count() == 0


def test_title_length_is_checked_on_what_is_sent(api_for, trainer):
    """Issue 18: a 201-character title starting with \r was trimmed to 200 and accepted, against the schema's 200."""
    api = api_for(trainer)
    response = api.post(reverse("api-plans"), {"title": "\r" + "训" * 200, "days": 6}, format="json")
    assert response.status_code == 400 and "title" in response.json()["error"]["fields"]
    assert not TrainingPlan.objects.exists()
    assert api.post(reverse("api-plans"), {"title": " " + "训" * 199, "days": 6}, format="json").status_code == 201


def test_non_trainers_cannot_create(api_for, manager_a, sales_a):
    for user in (manager_a, sales_a):
        response = api_for(user).post(reverse("api-plans"), {"title": "x"})
        assert response.status_code == 403
        error_shape(response)
    assert api_for(None).get(reverse("api-plans")).status_code in (401, 403)


def test_plan_scope_in_api(api_for, plan, manager_a, manager_b, sales_a, other_trainer):
    url = reverse("api-plan", args=[plan.pk])
    assert api_for(manager_a).get(url).status_code == 200
    for user in (manager_b, sales_a, other_trainer):
        response = api_for(user).get(url)
        assert response.status_code == 404 and error_shape(response)["code"] == "not_found"
    assert api_for(manager_a).patch(url, {"title": "x"}).status_code == 404


def test_update_and_delete_while_draft(api_for, plan, trainer):
    api = api_for(trainer)
    url = reverse("api-plan", args=[plan.pk])
    response = api.patch(url, {"venue": "培训中心", "days": 5})
    assert response.status_code == 200 and response.json()["venue"] == "培训中心"
    SessionFactory(plan=plan, day=5)
    response = api.patch(url, {"days": 3})
    assert response.status_code == 400 and "days" in error_shape(response)["fields"]
    assert api.post(reverse("api-plan-publish", args=[plan.pk])).json()["status"] == "published"
    response = api.delete(url)
    assert response.status_code == 409 and error_shape(response)["code"] == "conflict"
    draft = PlanFactory(owners=[trainer])
    assert api.delete(reverse("api-plan", args=[draft.pk])).status_code == 204


def test_publish_errors(api_for, plan, trainer):
    response = api_for(trainer).post(reverse("api-plan-publish", args=[plan.pk]))
    assert response.status_code == 400 and "sessions" in error_shape(response)["fields"]
    template = PlanFactory(owners=[trainer], is_template=True, start_date=None)
    response = api_for(trainer).post(reverse("api-plan-publish", args=[template.pk]))
    assert response.status_code == 409


def test_sessions_crud_validation_and_warnings(api_for, plan, trainer, other_trainer):
    api = api_for(trainer)
    url = reverse("api-plan-sessions", args=[plan.pk])
    payload = {
        "day": 1,
        "start_time": "09:00",
        "end_time": "10:30",
        "title": "产品知识",
        "category": "product",
        "method": "lecture",
        "competency": "knowledge",
        "room": "一号室",
        "trainer": trainer.pk,
    }
    response = api.post(url, payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["category"] == "product" and body["method"] == "lecture" and body["date"] == "2026-03-02"
    assert body["warnings"] == []
    sid = body["id"]
    # Same room, overlapping: refused, per-field message.
    response = api.post(url, payload | {"start_time": "10:00", "end_time": "11:00", "trainer": None})
    assert response.status_code == 400 and "room" in error_shape(response)["fields"]
    response = api.post(url, payload | {"end_time": "08:00"})
    assert "end_time" in error_shape(response)["fields"]
    response = api.post(url, payload | {"day": 7})
    assert "day" in error_shape(response)["fields"]
    response = api.post(url, payload | {"category": "nope"})
    assert "category" in error_shape(response)["fields"]
    # The trainer is booked elsewhere: saved, with a warning.
    other = PlanFactory(owners=[other_trainer], title="别的计划")
    SessionFactory(plan=other, day=1, trainer=trainer, start_time=t("09:30"), end_time=t("10:00"))
    body = api.get(reverse("api-plan-session", args=[plan.pk, sid])).json()
    assert body["warnings"][0]["code"] == "trainer_clash" and "别的计划" in body["warnings"][0]["message"]
    response = api.patch(reverse("api-plan-session", args=[plan.pk, sid]), {"day": 2})
    assert response.status_code == 200 and response.json()["day"] == 2 and response.json()["warnings"] == []
    assert len(api.get(url).json()) == 1
    assert api.delete(reverse("api-plan-session", args=[plan.pk, sid])).status_code == 204
    assert not Session.objects.filter(plan=plan).exists()


def test_sessions_refused_to_non_owners(api_for, plan, manager_a, other_trainer):
    s = SessionFactory(plan=plan)
    url = reverse("api-plan-sessions", args=[plan.pk])
    assert api_for(manager_a).get(url).status_code == 200
    response = api_for(manager_a).post(url, {"day": 1, "start_time": "11:00", "end_time": "12:00", "title": "x"})
    assert response.status_code == 404
    assert api_for(other_trainer).get(url).status_code == 404
    assert api_for(manager_a).delete(reverse("api-plan-session", args=[plan.pk, s.pk])).status_code == 404


def test_objectives_api(api_for, plan, trainer, manager_a):
    api = api_for(trainer)
    url = reverse("api-plan-objectives", args=[plan.pk])
    response = api.post(url, {"kind": "attitude", "text": "热爱销售工作"})
    assert response.status_code == 201
    oid = response.json()["id"]
    assert api.post(url, {"kind": "bad", "text": ""}).status_code == 400
    assert api.patch(reverse("api-plan-objective", args=[plan.pk, oid]), {"text": "改"}).json()["text"] == "改"
    assert api_for(manager_a).get(url).json()[0]["kind"] == "attitude"
    assert api_for(manager_a).delete(reverse("api-plan-objective", args=[plan.pk, oid])).status_code == 404
    assert api.delete(reverse("api-plan-objective", args=[plan.pk, oid])).status_code == 204


def test_clone_api(api_for, plan, trainer, manager_a):
    fill_plan(plan, per_day=2)
    api = api_for(trainer)
    response = api.post(reverse("api-plan-clone", args=[plan.pk]), {"start_date": "2026-09-07"})
    assert response.status_code == 201 and response.json()["start_date"] == "2026-09-07"
    copy = TrainingPlan.objects.get(pk=response.json()["id"])
    assert copy.sessions.count() == 12
    response = api.post(reverse("api-plan-clone", args=[plan.pk]), {"as_template": True})
    assert response.status_code == 201 and response.json()["is_template"] is True
    response = api.post(reverse("api-plan-clone", args=[plan.pk]), {})
    assert response.status_code == 400 and "start_date" in error_shape(response)["fields"]
    assert (
        api_for(manager_a).post(reverse("api-plan-clone", args=[plan.pk]), {"start_date": "2026-09-07"}).status_code
        == 403
    )


def test_reference_lists(api_for, sales_a):
    api = api_for(sales_a)
    assert [c["code"] for c in api.get(reverse("api-categories")).json()] == [
        "sales-skills",
        "product",
        "market",
        "competition",
        "company",
        "time-territory",
    ]
    assert len(api.get(reverse("api-competencies")).json()) == 4
    assert len(api.get(reverse("api-tracks")).json()) == 3
    methods = api.get(reverse("api-methods")).json()
    assert len(methods) == 5 and all(m["trade_off"] for m in methods)
    assert api_for(None).get(reverse("api-methods")).status_code in (401, 403)


def test_plan_list_api_queries_bounded(api_for, trainer, django_assert_max_num_queries):
    for _ in range(30):
        fill_plan(PlanFactory(owners=[trainer]), per_day=1)
    api = api_for(trainer)
    with django_assert_max_num_queries(8):
        response = api.get(reverse("api-plans"))
    assert response.json()["count"] == 30


def test_schema_documents_plan_routes(client):
    schema = client.get("/api/schema/").content.decode()
    for route in (
        "/api/v1/plans/",
        "/api/v1/plans/{id}/sessions/",
        "/api/v1/plans/{id}/objectives/",
        "/api/v1/plans/{id}/publish/",
        "/api/v1/plans/{id}/clone/",
        "/api/v1/categories/",
        "/api/v1/methods/",
    ):
        assert route in schema, route


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"day": "x"}, "day"),
        ({"start_time": "25:99"}, "start_time"),
        ({"end_time": ""}, "end_time"),
        ({"trainer": 999999}, "trainer"),
        ({"method": 3}, "method"),
        ({"course": "abc"}, "course"),
        ({"title": "x" * 300}, "title"),
    ],
)
def test_garbage_session_input_is_a_400_not_a_500(api_for, plan, trainer, sales_a, payload, field):
    base = {"day": 1, "start_time": "09:00", "end_time": "10:00", "title": "课"}
    response = api_for(trainer).post(reverse("api-plan-sessions", args=[plan.pk]), base | payload)
    assert response.status_code == 400
    assert field in error_shape(response)["fields"]
    assert not Session.objects.exists()


def test_salesperson_cannot_be_made_a_session_trainer(api_for, plan, trainer, sales_a):
    base = {"day": 1, "start_time": "09:00", "end_time": "10:00", "title": "课", "trainer": sales_a.pk}
    response = api_for(trainer).post(reverse("api-plan-sessions", args=[plan.pk]), base)
    assert response.status_code == 400 and "trainer" in error_shape(response)["fields"]


def test_garbage_plan_input(api_for, trainer):
    api = api_for(trainer)
    for payload, field in (
        ({"title": "x", "start_date": "2026-02-30"}, "start_date"),
        ({"title": "x", "teams": [99999]}, "teams"),
        ({"title": "x", "days": "six"}, "days"),
    ):
        response = api.post(reverse("api-plans"), payload)
        assert response.status_code == 400 and field in error_shape(response)["fields"]
    assert api.get(reverse("api-plan", args=[99999])).status_code == 404
    assert TrainingPlan.objects.count() == 0


def test_far_dates_are_refused_cleanly(api_for, plan, trainer):
    api = api_for(trainer)
    response = api.post(reverse("api-plans"), {"title": "x", "start_date": "9999-12-31", "days": 30})
    assert response.status_code == 400 and "start_date" in error_shape(response)["fields"]
    response = api.patch(reverse("api-plan", args=[plan.pk]), {"start_date": "1900-01-01"})
    assert response.status_code == 400
    response = api.post(reverse("api-plan-clone", args=[plan.pk]), {"start_date": "9999-12-30"})
    assert response.status_code == 400
    response = api.post(
        reverse("api-plan-sessions", args=[plan.pk]),
        {"day": 10**20, "start_time": "09:00", "end_time": "10:00", "title": "x"},
    )
    assert response.status_code == 400 and "day" in error_shape(response)["fields"]
