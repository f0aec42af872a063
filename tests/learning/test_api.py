"""API: courses, lessons, enrollments, progress, my learning, certificate verification and jobs."""

import threading

import pytest
from django.db import connection

from learning import services
from learning.models import Certificate, Enrollment
from lms.models import Job
from tests.factories import make_salesperson, make_trainer
from tests.learning.factories import CourseFactory, course_with_lessons


def test_trainer_creates_course_module_lesson_and_item(api_for, trainer):
    api = api_for(trainer)
    course = api.post("/api/v1/courses/", {"title": "API 课程", "track": "essentials", "category": "product"}).json()
    assert course["track"] == "essentials"
    module = api.post(f"/api/v1/courses/{course['id']}/modules/", {"title": "第一章"}).json()
    lesson = api.post(
        "/api/v1/lessons/", {"title": "课时", "kind": "text", "body": "<p>正文</p><script>x</script>"}
    ).json()
    assert lesson["kind"] == "text" and lesson["body"] == "<p>正文</p>"
    item = api.post(f"/api/v1/courses/{course['id']}/modules/{module['id']}/items/", {"lesson": lesson["id"]})
    assert item.status_code == 201
    outline = api.get(f"/api/v1/courses/{course['id']}/modules/").json()
    assert outline[0]["items"][0]["lesson"]["title"] == "课时"
    published = api.patch(f"/api/v1/courses/{course['id']}/", {"status": "published"}).json()
    assert published["status"] == "published"


def test_bad_course_input_has_error_shape(api_for, trainer):
    response = api_for(trainer).post("/api/v1/courses/", {"title": "", "track": "nope"})
    assert response.status_code == 400
    assert {"title", "track"} <= set(response.json()["error"]["fields"])


@pytest.mark.parametrize("code", ["", "nope", "PRODUCT "])
def test_an_empty_or_unknown_category_code_is_refused_not_read_as_none(api_for, trainer, code):
    response = api_for(trainer).post("/api/v1/courses/", {"title": "课程", "category": code}, format="json")
    assert response.status_code == 400
    assert "category" in response.json()["error"]["fields"]
    ok = api_for(trainer).post("/api/v1/courses/", {"title": "课程", "category": None}, format="json")
    assert ok.status_code == 201 and ok.json()["category"] is None


def test_a_bad_item_in_a_list_field_is_named_by_its_position(api_for, trainer, db):
    """The fuzzer found a NUL character inside one employee number; the message said `{8: [ErrorDetail(...)]}`."""
    course = CourseFactory(owners=[trainer], status="published")
    response = api_for(trainer).post(
        "/api/v1/enrollments/", {"course": course.id, "employee_nos": ["E1", "E\x002"]}, format="json"
    )
    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["employee_nos"]
    assert message.startswith("第 2 项：") and "ErrorDetail" not in message
    assert not Enrollment.objects.exists()


def test_lesson_without_required_content_is_400(api_for, trainer):
    response = api_for(trainer).post("/api/v1/lessons/", {"title": "链接", "kind": "link"})
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]


@pytest.mark.parametrize("persona", ["sales_a", "manager_a"])
def test_non_trainers_cannot_author(request, api_for, persona):
    api = api_for(request.getfixturevalue(persona))
    assert api.post("/api/v1/courses/", {"title": "x"}).status_code == 403
    assert api.get("/api/v1/lessons/").status_code == 403


def test_anonymous_is_refused(api_for, course):
    assert api_for().get("/api/v1/courses/").status_code in (401, 403)
    assert api_for().get("/api/v1/enrollments/").status_code in (401, 403)


def test_other_trainer_cannot_edit_course(api_for, course):
    response = api_for(make_trainer()).patch(f"/api/v1/courses/{course.id}/", {"title": "改"})
    assert response.status_code == 404


def test_catalogue_api_lists_published_only(api_for, sales_a, db):
    CourseFactory(title="已发布")
    CourseFactory(title="草稿", status="draft")
    titles = {c["title"] for c in api_for(sales_a).get("/api/v1/courses/").json()["results"]}
    assert titles == {"已发布"}


def test_enroll_one_then_again_is_idempotent(api_for, trainer, course, sales_a):
    api = api_for(trainer)
    first = api.post("/api/v1/enrollments/", {"course": course.id, "user": sales_a.id, "due_date": "2030-01-31"})
    assert first.status_code == 201
    assert first.json()["enrollment"]["due_date"] == "2030-01-31"
    again = api.post("/api/v1/enrollments/", {"course": course.id, "user": sales_a.id})
    assert again.status_code == 200 and again.json()["already"] == 1
    assert Enrollment.objects.filter(course=course, user=sales_a).count() == 1


def test_enroll_team_and_employee_numbers(api_for, trainer, course, team_a, sub_team_a):
    a = make_salesperson(team_a, employee_no="A1")
    sub = make_salesperson(sub_team_a, employee_no="A2")
    api = api_for(trainer)
    assert api.post("/api/v1/enrollments/", {"course": course.id, "team": team_a.id}).json()["created"] == 2
    assert set(Enrollment.objects.filter(course=course).values_list("user_id", flat=True)) == {a.id, sub.id}
    bad = api.post("/api/v1/enrollments/", {"course": course.id, "employee_nos": ["A1", "ZZZ"]})
    assert bad.status_code == 400 and "employee_nos" in bad.json()["error"]["fields"]


def test_bulk_enrollment_returns_a_job(api_for, trainer, course, team_a, settings, django_capture_on_commit_callbacks):
    settings.ENROLLMENT_SYNC_LIMIT = 2
    for _ in range(3):
        make_salesperson(team_a)
    api = api_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/enrollments/", {"course": course.id, "team": team_a.id})
    assert response.status_code == 202
    job = api.get(f"/api/v1/jobs/{response.json()['job']}/").json()
    assert job["status"] == "done" and job["percent"] == 100 and job["result"]["created"] == 3


def test_job_api_is_owner_only(api_for, trainer, sales_a):
    job = Job.objects.create(kind="x", owner=trainer)
    assert api_for(sales_a).get(f"/api/v1/jobs/{job.id}/").status_code == 404


def test_enrollment_input_errors(api_for, trainer, course, sales_a):
    api = api_for(trainer)
    assert api.post("/api/v1/enrollments/", {"user": sales_a.id}).status_code == 400
    assert api.post("/api/v1/enrollments/", {"course": course.id}).status_code == 400
    assert api.post("/api/v1/enrollments/", {"course": 999999, "user": sales_a.id}).status_code == 404
    assert api.post("/api/v1/enrollments/", {"course": course.id, "user": 999999}).status_code == 404


def test_trainer_cannot_enroll_into_someone_elses_course(api_for, course, sales_a):
    response = api_for(make_trainer()).post("/api/v1/enrollments/", {"course": course.id, "user": sales_a.id})
    assert response.status_code == 404


def test_salesperson_cannot_enroll_people(api_for, sales_a, course, sales_b):
    assert api_for(sales_a).post("/api/v1/enrollments/", {"course": course.id, "user": sales_b.id}).status_code == 403


def test_salesperson_cannot_open_another_persons_enrollment(api_for, enrolled, sales_a, sales_b, manager_a, manager_b):
    url = f"/api/v1/enrollments/{enrolled.id}/"
    assert api_for(sales_a).get(url).status_code == 200
    assert api_for(manager_a).get(url).status_code == 200
    assert api_for(sales_b).get(url).status_code == 404
    assert api_for(manager_b).get(url).status_code == 404


def test_enrollment_list_scoped(api_for, enrolled, sales_b, trainer):
    assert api_for(sales_b).get("/api/v1/enrollments/").json()["count"] == 0
    assert api_for(trainer).get("/api/v1/enrollments/").json()["count"] == 1


def test_complete_and_my_learning(api_for, enrolled, course, sales_a):
    lesson = course.items.order_by("order").first().lesson_id
    api = api_for(sales_a)
    body = api.post(f"/api/v1/lessons/{lesson}/complete/").json()
    assert body["completed"] is True and body["enrollments"][0]["progress"] == 33
    mine = api.get("/api/v1/me/learning/").json()["results"]
    assert mine[0]["progress"] == 33 and mine[0]["status"] == "in_progress"


def test_progress_cannot_be_posted_for_a_lesson_not_enrolled(api_for, course, sales_b):
    lesson = course.items.first().lesson_id
    api = api_for(sales_b)
    assert api.post(f"/api/v1/lessons/{lesson}/complete/").status_code == 404
    assert api.post(f"/api/v1/lessons/{lesson}/heartbeat/", {"position": 3}).status_code == 404


def test_heartbeat_on_text_lesson_is_400(api_for, enrolled, course, sales_a):
    lesson = course.items.first().lesson_id
    response = api_for(sales_a).post(f"/api/v1/lessons/{lesson}/heartbeat/", {"position": 3})
    assert response.status_code == 400


def test_heartbeat_bad_input_is_400(api_for, enrolled, course, sales_a):
    lesson = course.items.first().lesson_id
    response = api_for(sales_a).post(f"/api/v1/lessons/{lesson}/heartbeat/", {"position": -5, "event": "boom"})
    assert response.status_code == 400
    assert {"position", "event"} <= set(response.json()["error"]["fields"])


def test_certificate_verify_api_is_public_and_minimal(api_for, enrolled, course, sales_a):
    for item in course.items.all():
        services.lesson_complete(user=sales_a, lesson_id=item.lesson_id)
    cert = Certificate.objects.get(user=sales_a)
    body = api_for().get(f"/api/v1/certificates/{cert.code}/verify/").json()
    assert set(body) == {"code", "name", "course", "issued_on", "expires_on", "expired", "valid"}
    assert body["name"] == "张三" and body["valid"] is True
    assert api_for().get("/api/v1/certificates/NOPE/verify/").status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL) for real concurrency")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_enrollments_create_one_row():
    from tests.factories import make_salesperson as sp

    trainer = make_trainer()
    person = sp(None)
    course = course_with_lessons(1, owners=[trainer])
    barrier = threading.Barrier(2)
    errors = []

    def enroll():
        from django.db import connection as conn

        try:
            barrier.wait()
            services.enrollment_create(user=person, course=course, enrolled_by=trainer)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=enroll) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Enrollment.objects.filter(user=person, course=course).count() == 1


def test_draft_course_api_is_404_for_learners(api_for, sales_a, trainer):
    draft = CourseFactory(status="draft", owners=[trainer])
    assert api_for(sales_a).get(f"/api/v1/courses/{draft.id}/").status_code == 404
    assert api_for(sales_a).get(f"/api/v1/courses/{draft.id}/modules/").status_code == 404
    assert api_for(trainer).get(f"/api/v1/courses/{draft.id}/").status_code == 200


def test_lesson_api_edit_is_for_its_author(api_for, trainer):
    lesson = api_for(trainer).post("/api/v1/lessons/", {"title": "课", "kind": "text", "body": "<p>x</p>"}).json()
    other = make_trainer()
    assert api_for(other).get(f"/api/v1/lessons/{lesson['id']}/").status_code == 200
    assert api_for(other).patch(f"/api/v1/lessons/{lesson['id']}/", {"title": "改"}).status_code == 404
    changed = api_for(trainer).patch(f"/api/v1/lessons/{lesson['id']}/", {"title": "改"})
    assert changed.status_code == 200 and changed.json()["title"] == "改"


def test_my_learning_api_query_budget(api_for, sales_a, django_assert_max_num_queries):
    for course in CourseFactory.create_batch(60):
        services.enroll_users(user_ids=[sales_a.id], course=course)
    api = api_for(sales_a)
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/me/learning/").json()["count"] == 60


def test_enrollment_list_api_query_budget(api_for, trainer, course, team_a, django_assert_max_num_queries):
    services.enroll_users(user_ids=[make_salesperson(team_a).id for _ in range(40)], course=course)
    api = api_for(trainer)
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/enrollments/").json()["count"] == 40
