"""Pages: allowed and refused cases, and query budgets on the lists."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.models import Course, ModuleItem
from learning import services
from learning.models import Certificate, Enrollment
from lms.models import Job
from tests.factories import make_salesperson
from tests.learning.factories import CourseFactory, LessonFactory, ModuleFactory, course_with_lessons


def _finish(user, course):
    for item in course.items.all():
        services.lesson_complete(user=user, lesson_id=item.lesson_id)
    return Certificate.objects.get(user=user, course=course)


# --- my learning ---


def test_my_learning_lists_own_enrollments_overdue_first(client_for, sales_a, trainer):
    later = course_with_lessons(1, owners=[trainer], title="以后")
    late = course_with_lessons(1, owners=[trainer], title="逾期")
    services.enrollment_create(user=sales_a, course=later, due_date=dt.date.today() + dt.timedelta(days=9))
    services.enrollment_create(user=sales_a, course=late, due_date=dt.date(2020, 1, 1))
    html = client_for(sales_a).get("/my/").content.decode()
    assert html.index("逾期") < html.index("以后")


def test_my_learning_query_budget_with_200_enrollments(client_for, sales_a, django_assert_max_num_queries):
    courses = CourseFactory.create_batch(200)
    services.enroll_users(user_ids=[sales_a.id], course=courses[0])
    for c in courses[1:]:
        services.enroll_users(user_ids=[sales_a.id], course=c)
    client = client_for(sales_a)
    with django_assert_max_num_queries(12):
        response = client.get("/my/")
    assert response.status_code == 200


def test_my_learning_needs_login(client):
    assert client.get("/my/").status_code == 302


def test_continue_goes_to_first_unfinished_lesson(client_for, enrolled, course, sales_a):
    first, second, _third = [i.lesson_id for i in course.items.order_by("order")]
    services.lesson_complete(user=sales_a, lesson_id=first)
    response = client_for(sales_a).get(f"/my/courses/{course.id}/continue/")
    assert response.url == f"/learn/{course.id}/{second}/"


# --- catalogue and self-enrolment ---


def test_catalogue_query_budget_with_500_courses(client_for, sales_a, django_assert_max_num_queries):
    CourseFactory.create_batch(500)
    client = client_for(sales_a)
    with django_assert_max_num_queries(10):
        response = client.get("/catalogue/?page=2")
    assert response.status_code == 200


def test_catalogue_hides_drafts_and_filters_by_track(client_for, sales_a, db):
    from courses.models import Track

    elite = Track.objects.get(code="elite")
    CourseFactory(title="精英课", track=elite)
    CourseFactory(title="草稿课", status=Course.Status.DRAFT)
    CourseFactory(title="普适课", track=Track.objects.get(code="essentials"))
    html = client_for(sales_a).get("/catalogue/?track=elite").content.decode()
    assert "精英课" in html and "草稿课" not in html and "普适课" not in html


def test_self_enrol_from_catalogue(client_for, sales_a, course):
    response = client_for(sales_a).post(f"/catalogue/{course.id}/enroll/")
    assert response.status_code == 302
    assert Enrollment.objects.filter(user=sales_a, course=course).exists()


def test_draft_course_detail_is_404(client_for, sales_a, db):
    draft = CourseFactory(status=Course.Status.DRAFT)
    assert client_for(sales_a).get(f"/catalogue/{draft.id}/").status_code == 404


# --- player ---


def test_player_shows_lesson_and_mark_done_advances(client_for, enrolled, course, sales_a):
    first, second, _ = [i.lesson_id for i in course.items.order_by("order")]
    client = client_for(sales_a)
    assert client.get(f"/learn/{course.id}/{first}/").status_code == 200
    response = client.post(f"/learn/{course.id}/{first}/done/")
    assert response.url == f"/learn/{course.id}/{second}/"
    enrolled.refresh_from_db()
    assert enrolled.progress == 33 and enrolled.last_lesson_id == first


def test_player_is_404_when_not_enrolled(client_for, sales_b, course):
    lesson = course.items.first().lesson_id
    client = client_for(sales_b)
    assert client.get(f"/learn/{course.id}/{lesson}/").status_code == 404
    assert client.post(f"/learn/{course.id}/{lesson}/done/").status_code == 404


def test_lesson_file_served_only_to_enrolled(client_for, enrolled, course, sales_a, sales_b, trainer):
    from courses import course_services

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    lesson = course_services.lesson_save(
        author=trainer, title="手册", kind="file", file=SimpleUploadedFile("手册.pdf", pdf)
    )
    ModuleItem.objects.create(course=course, module=course.modules.first(), lesson=lesson, order=9)
    assert client_for(sales_a).get(f"/learn/{course.id}/{lesson.id}/file/").status_code == 200
    assert client_for(sales_b).get(f"/learn/{course.id}/{lesson.id}/file/").status_code == 404


# --- certificates ---


def test_certificate_pages_for_owner_and_404_for_others(client_for, enrolled, course, sales_a, sales_b, client):
    cert = _finish(sales_a, course)
    assert client_for(sales_a).get(f"/certificates/{cert.code}/").status_code == 200
    pdf = client_for(sales_a).get(f"/certificates/{cert.code}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    client.logout()
    client.force_login(sales_b)
    assert client.get(f"/certificates/{cert.code}/").status_code == 404
    assert client.get(f"/certificates/{cert.code}/pdf/").status_code == 404


def test_manager_of_the_team_sees_the_certificate(client_for, enrolled, course, sales_a, manager_a):
    cert = _finish(sales_a, course)
    assert client_for(manager_a).get(f"/certificates/{cert.code}/").status_code == 200


def test_public_verification_shows_only_name_course_date(client, enrolled, course, sales_a):
    cert = _finish(sales_a, course)
    html = client.get(f"/certificates/verify/{cert.code}/").content.decode()
    assert "张三" in html and course.title in html
    assert sales_a.employee_no not in html and sales_a.email not in html
    assert client.get("/certificates/verify/NOPE1234/").status_code == 404


def test_expired_certificate_shows_expired(client, enrolled, course, sales_a):
    cert = _finish(sales_a, course)
    Certificate.objects.filter(id=cert.id).update(expires_on=dt.date(2020, 1, 1))
    html = client.get(f"/certificates/verify/{cert.code}/").content.decode()
    assert "expired" in html or "过期" in html


def test_certificate_validity_from_course(sales_a, trainer):
    course = course_with_lessons(1, owners=[trainer], certificate_valid_days=365)
    services.enrollment_create(user=sales_a, course=course)
    cert = _finish(sales_a, course)
    assert cert.expires_on is not None and not cert.is_expired


# --- calendar ---


def test_calendar_feed_with_token_and_reset(client_for, client, sales_a, course):
    services.enrollment_create(user=sales_a, course=course, due_date=dt.date(2030, 5, 1))
    page = client_for(sales_a).get("/my/calendar/")
    url = page.context["feed_url"]
    path = url[url.index("/calendar/") :]
    client.logout()
    ics = client.get(path)
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "BEGIN:VCALENDAR" in body and "DTSTART;VALUE=DATE:20300501" in body
    client.force_login(sales_a)
    client.post("/my/calendar/reset/")
    client.logout()
    assert client.get(path).status_code == 404


def test_calendar_unknown_token_is_404(client, db):
    assert client.get("/calendar/nope.ics").status_code == 404


# --- trainer pages ---


def test_trainer_course_pages(client_for, trainer, course):
    client = client_for(trainer)
    for url in [
        "/courses/",
        f"/courses/{course.id}/outline/",
        f"/courses/{course.id}/edit/",
        "/lessons/",
        "/enrollments/",
        "/enrollments/new/",
    ]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["sales_a", "manager_a"])
def test_authoring_pages_refused_for_non_trainers(request, client_for, persona, course):
    client = client_for(request.getfixturevalue(persona))
    for url in ["/courses/", f"/courses/{course.id}/outline/", "/lessons/", "/enrollments/", "/enrollments/new/"]:
        assert client.get(url).status_code == 404, url


def test_other_trainers_course_is_404(client_for, course):
    from tests.factories import make_trainer

    assert client_for(make_trainer()).get(f"/courses/{course.id}/outline/").status_code == 404


def test_course_list_query_budget(client_for, trainer, django_assert_max_num_queries):
    for _ in range(60):
        CourseFactory(owners=[trainer])
    client = client_for(trainer)
    with django_assert_max_num_queries(10):
        assert client.get("/courses/").status_code == 200


def test_enrollment_list_query_budget(client_for, trainer, course, team_a, django_assert_max_num_queries):
    people = [make_salesperson(team_a) for _ in range(60)]
    services.enroll_users(user_ids=[p.id for p in people], course=course)
    client = client_for(trainer)
    with django_assert_max_num_queries(12):
        response = client.get("/enrollments/")
    assert response.status_code == 200 and response.context["page"].paginator.count == 60


def test_create_course_then_outline_and_publish(client_for, trainer, db):
    client = client_for(trainer)
    response = client.post(
        "/courses/new/",
        {"title": "新课程", "estimated_minutes": 20, "self_enroll": "on", "description": "<p onclick=x>简介</p>"},
    )
    course = Course.objects.get(title="新课程")
    assert response.url == f"/courses/{course.id}/outline/"
    assert course.description == "<p>简介</p>"
    client.post(f"/courses/{course.id}/publish/", {"action": "publish"})
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT  # no lessons yet: refused with a message
    client.post(f"/courses/{course.id}/modules/add/", {"title": "第一章"})
    lesson = LessonFactory()
    module = course.modules.get()
    client.post(f"/courses/modules/{module.id}/items/add/", {"lesson": lesson.id})
    client.post(f"/courses/{course.id}/publish/", {"action": "publish"})
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED


def test_outline_reorder_by_keyboard_buttons_and_drag(client_for, trainer, course):
    client = client_for(trainer)
    items = list(course.items.order_by("order"))
    client.post(f"/courses/items/{items[2].id}/move/up/")
    assert list(course.items.order_by("order").values_list("id", flat=True)) == [items[0].id, items[2].id, items[1].id]
    module = course.modules.get()
    response = client.post(
        f"/courses/{course.id}/reorder/",
        {"module": module.id, "items": [items[1].id, items[0].id, items[2].id]},
        content_type="application/json",
    )
    assert response.status_code == 204
    assert list(course.items.order_by("order").values_list("id", flat=True)) == [items[1].id, items[0].id, items[2].id]
    bad = client.post(
        f"/courses/{course.id}/reorder/", {"module": module.id, "items": [items[0].id]}, content_type="application/json"
    )
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "raw",
    ["[" * 100_000, '{"modules": ["\\ud800"]}', '{"module": "\\u0000"}', "1" * 5000],
    ids=["too deep", "surrogate", "NUL", "5000 digits"],
)
def test_the_outline_drag_and_drop_refuses_bad_json_with_a_400(client_for, trainer, raw):
    """The course outline posts its new order as JSON to a page (not the API); RecursionError was a 500."""
    course = course_with_lessons(2, owners=[trainer])
    before = list(course.items.order_by("order").values_list("id", flat=True))
    response = client_for(trainer).post(f"/courses/{course.id}/reorder/", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(course.items.order_by("order").values_list("id", flat=True)) == before


def test_modules_move_between_up_and_down(client_for, trainer, course):
    second = ModuleFactory(course=course, order=99)
    client = client_for(trainer)
    client.post(f"/courses/modules/{second.id}/move/up/", HTTP_HX_REQUEST="true")
    assert list(course.modules.order_by("order").values_list("id", flat=True))[0] == second.id


def test_enroll_form_one_person_team_and_csv(client_for, trainer, course, team_a, sub_team_a, sales_a):
    client = client_for(trainer)
    r = client.post("/enrollments/new/", {"course": course.id, "who": "person", "person": sales_a.employee_no})
    assert r.status_code == 302
    r = client.post(
        "/enrollments/new/", {"course": course.id, "who": "person", "person": sales_a.employee_no}, follow=True
    )
    assert "already enrolled" in r.content.decode() or "已" in r.content.decode()
    newbie = make_salesperson(sub_team_a)
    client.post("/enrollments/new/", {"course": course.id, "who": "team", "team": team_a.id})
    assert Enrollment.objects.filter(course=course, user=newbie).exists()
    other = make_salesperson(team_a, employee_no="S900")
    csv_file = SimpleUploadedFile("list.csv", "工号\nS900\nX-404\n".encode("gbk"))
    r = client.post("/enrollments/new/", {"course": course.id, "who": "csv", "csv_file": csv_file})
    assert r.status_code == 200 and r.context["preview"].errors
    assert not Enrollment.objects.filter(user=other).exists()  # all or nothing
    csv_file = SimpleUploadedFile("list.csv", "\ufeffS900\n".encode())
    r = client.post("/enrollments/new/", {"course": course.id, "who": "csv", "csv_file": csv_file})
    assert r.context["preview"].ok
    client.post("/enrollments/new/csv/", {"course": course.id, "employee_nos": "S900", "due_date": ""})
    assert Enrollment.objects.filter(user=other, course=course).exists()


def test_enroll_form_errors_next_to_fields(client_for, trainer, course):
    r = client_for(trainer).post("/enrollments/new/", {"course": course.id, "who": "person", "person": "nobody"})
    assert r.status_code == 200 and "person" in r.context["form"].errors


def test_unenroll_and_restore_pages(client_for, trainer, enrolled):
    client = client_for(trainer)
    client.post(f"/enrollments/{enrolled.id}/unenroll/")
    enrolled.refresh_from_db()
    assert enrolled.unenrolled_at is not None
    client.post(f"/enrollments/{enrolled.id}/restore/")
    enrolled.refresh_from_db()
    assert enrolled.unenrolled_at is None


def test_unenroll_refused_for_other_trainer(client_for, enrolled):
    from tests.factories import make_trainer

    assert client_for(make_trainer()).post(f"/enrollments/{enrolled.id}/unenroll/").status_code == 404


def test_job_progress_partial_owner_only(client_for, trainer, manager_a):
    job = Job.objects.create(kind="enrollment", owner=trainer, total=10, done=4, status=Job.Status.RUNNING)
    html = client_for(trainer).get(f"/jobs/{job.id}/progress/").content.decode()
    assert "40%" in html and "hx-trigger" in html
    Job.objects.filter(id=job.id).update(status=Job.Status.DONE)
    html = client_for(trainer).get(f"/jobs/{job.id}/progress/").content.decode()
    assert "100%" in html and "hx-trigger" not in html
    assert client_for(manager_a).get(f"/jobs/{job.id}/progress/").status_code == 404


def test_trainer_people_scope_includes_enrolled_people(client_for, trainer, enrolled, sales_a, sales_b):
    client = client_for(trainer)
    assert client.get(f"/people/{sales_a.id}/").status_code == 200
    assert client.get(f"/people/{sales_b.id}/").status_code == 404


def test_cover_upload_checked_and_served(client_for, trainer, sales_a, sales_b, db):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    client = client_for(trainer)
    bad = client.post(
        "/courses/new/",
        {"title": "封面", "estimated_minutes": 5, "cover_upload": SimpleUploadedFile("c.png", b"MZ nope")},
    )
    assert bad.status_code == 200 and "cover_upload" in bad.context["form"].errors
    client.post(
        "/courses/new/", {"title": "封面", "estimated_minutes": 5, "cover_upload": SimpleUploadedFile("c.png", png)}
    )
    course = Course.objects.get(title="封面")
    assert client.get(f"/catalogue/{course.id}/cover/").status_code == 200  # the author sees the draft's cover
    client.logout()
    client.force_login(sales_a)
    assert client.get(f"/catalogue/{course.id}/cover/").status_code == 404  # draft: not for learners
    Course.objects.filter(id=course.id).update(status=Course.Status.PUBLISHED)
    assert client.get(f"/catalogue/{course.id}/cover/").status_code == 200
    client.logout()
    anonymous = client.get(f"/catalogue/{course.id}/cover/")  # issue 18: was 200 without login
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_module_rename(client_for, trainer, course, manager_a):
    module = course.modules.get()
    client_for(trainer).post(f"/courses/modules/{module.id}/rename/", {"title": "新名字"})
    module.refresh_from_db()
    assert module.title == "新名字"
    assert client_for(manager_a).post(f"/courses/modules/{module.id}/rename/", {"title": "x"}).status_code == 404


def test_a_module_title_or_employee_number_with_nul_is_refused_not_a_500(client_for, trainer, course):
    """The outline and the CSV enrollment's confirm step post raw values (no Django form): a NUL reached
    PostgreSQL, which refuses it (ValueError: a 500)."""
    client = client_for(trainer)
    client.cookies["django_language"] = "en"
    module = course.modules.get()
    added = client.post(f"/courses/{course.id}/modules/add/", {"title": "新\x00章"}, follow=True)
    renamed = client.post(f"/courses/modules/{module.id}/rename/", {"title": "a\x00"}, follow=True)
    for response in (added, renamed):
        assert response.status_code == 200 and "NUL character" in response.text
    assert list(course.modules.values_list("title", flat=True)) == [module.title]
    confirm = client.post("/enrollments/new/csv/", {"course": course.id, "employee_nos": "S1\x00 S2"})
    assert confirm.status_code == 302 and not Enrollment.objects.filter(course=course).exists()


@pytest.mark.parametrize(
    "url", ["/my/", "/catalogue/", "/courses/", "/lessons/", "/enrollments/", "/my/calendar/", "/learn/1/1/"]
)
def test_anonymous_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_lesson_edit_is_for_its_author(client_for, trainer, db):
    from tests.factories import make_trainer

    lesson = LessonFactory(created_by=trainer)
    other = make_trainer()
    assert client_for(other).get(f"/lessons/{lesson.id}/").status_code == 200  # the library is shared
    assert client_for(other).get(f"/lessons/{lesson.id}/edit/").status_code == 404
    assert client_for(trainer).get(f"/lessons/{lesson.id}/edit/").status_code == 200


def test_lesson_library_query_budget(client_for, trainer, django_assert_max_num_queries):
    LessonFactory.create_batch(80, created_by=trainer)
    client = client_for(trainer)
    with django_assert_max_num_queries(8):
        assert client.get("/lessons/").status_code == 200


def test_player_query_budget_with_many_lessons(client_for, sales_a, trainer, django_assert_max_num_queries):
    course = course_with_lessons(60, owners=[trainer])
    services.enrollment_create(user=sales_a, course=course)
    lesson = course.items.order_by("order").first().lesson_id
    client = client_for(sales_a)
    with django_assert_max_num_queries(16):
        assert client.get(f"/learn/{course.id}/{lesson}/").status_code == 200


def test_outline_query_budget(client_for, trainer, django_assert_max_num_queries):
    course = course_with_lessons(40, owners=[trainer])
    for _ in range(5):
        ModuleFactory(course=course)
    client = client_for(trainer)
    with django_assert_max_num_queries(10):
        assert client.get(f"/courses/{course.id}/outline/").status_code == 200
