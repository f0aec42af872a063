"""Journeys of issue 4 in a real browser: a salesperson finishes a course and downloads the certificate; a trainer
enrolls a team and watches the progress bar finish."""

import re

import pytest

from learning import services as learning_services
from learning.models import Enrollment
from lms.models import Job
from tests.factories import make_salesperson
from tests.learning.factories import course_with_lessons

pytestmark = pytest.mark.django_db(transaction=True)


def test_salesperson_continues_finishes_and_downloads_certificate(page, login, screenshot, sales_a, trainer):
    course = course_with_lessons(3, owners=[trainer], title="倾听与提问")
    learning_services.enrollment_create(user=sales_a, course=course, enrolled_by=trainer)
    first = course.items.order_by("order").first().lesson_id
    learning_services.lesson_complete(user=sales_a, lesson_id=first)

    login(sales_a.username)
    page.goto("/my/")
    row = page.get_by_test_id(f"enrollment-{course.id}")
    assert "33%" in row.inner_text()
    row.get_by_role("link").last.click()
    page.wait_for_url(re.compile(r"/learn/\d+/\d+/"))
    for _ in range(2):
        page.get_by_test_id("mark-done").click()
        page.wait_for_load_state()
    assert "100%" in page.get_by_test_id("course-progress").inner_text()
    screenshot("finished")
    page.get_by_test_id("certificate-link").click()
    page.wait_for_url(re.compile(r"/certificates/"))
    assert page.get_by_test_id("certificate-name").inner_text() == "张三"
    with page.expect_download() as download_info:
        page.get_by_test_id("certificate-pdf").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"
    page.goto("/my/")
    assert "100%" in page.get_by_test_id(f"enrollment-{course.id}").inner_text()
    screenshot("my-learning")
    assert [m for m in page.console_messages if m[0] == "error"] == []


def test_trainer_enrolls_a_team_and_watches_the_progress_bar(
    page, login, screenshot, settings, trainer, team_a, sub_team_a
):
    settings.ENROLLMENT_SYNC_LIMIT = 3  # so this team goes through Celery and a Job
    course = course_with_lessons(2, owners=[trainer], title="处理客户异议")
    people = [make_salesperson(team_a) for _ in range(3)] + [make_salesperson(sub_team_a) for _ in range(2)]

    login(trainer.username)
    page.goto(f"/enrollments/new/?course={course.id}")
    page.locator("input[name=who][value=team]").check()
    page.locator("select[name=team]").select_option(str(team_a.id))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/enrollments/jobs/\d+/"))
    bar = page.get_by_test_id("job-progress")
    bar.and_(page.locator("[data-job-status=done]")).wait_for()
    assert "100%" in bar.inner_text()
    screenshot("job-done")
    assert Job.objects.get().status == Job.Status.DONE
    assert Enrollment.objects.filter(course=course, user__in=people).count() == 5


def test_progress_bar_polls_until_the_worker_finishes(page, login, settings, monkeypatch, trainer, team_a):
    """The task is held back (as if the worker were busy) so the page shows a waiting bar that updates itself."""
    from learning import tasks

    settings.ENROLLMENT_SYNC_LIMIT = 1
    course = course_with_lessons(1, owners=[trainer])
    for _ in range(3):
        make_salesperson(team_a)
    from lms import deferred

    queued: list[dict] = []
    real_publish = deferred._publish

    def hold_back_enrollments(name, args, kwargs):  # the broker takes the task; no worker picks it up yet
        if name == tasks.enroll_bulk.name:
            queued.append(kwargs)
        else:
            real_publish(name, args, kwargs)

    monkeypatch.setattr(deferred, "_publish", hold_back_enrollments)

    login(trainer.username)
    page.goto(f"/enrollments/new/?course={course.id}")
    page.locator("input[name=who][value=team]").check()
    page.locator("select[name=team]").select_option(str(team_a.id))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/enrollments/jobs/\d+/"))
    assert page.get_by_test_id("job-progress").get_attribute("data-job-status") == "pending"
    assert len(queued) == 1

    tasks.enroll_bulk(**queued[0])  # the worker runs it now
    page.locator("[data-testid=job-progress][data-job-status=done]").wait_for()
    assert "100%" in page.get_by_test_id("job-progress").inner_text()


def test_video_player_sends_heartbeats_while_playing(page, login, sales_a, trainer):
    """player.js wiring: play starts the heartbeat, pause credits the time watched (events dispatched by hand:
    the test browser has no media to play)."""
    import datetime as dt

    from django.utils import timezone

    from learning.models import LessonProgress
    from tests.learning.factories import add_lesson

    course = course_with_lessons(0, owners=[trainer])
    lesson = add_lesson(course, kind="video", video_url="/static/none.mp4", duration_seconds=600).lesson
    learning_services.enrollment_create(user=sales_a, course=course)
    login(sales_a.username)
    page.goto(f"/learn/{course.id}/{lesson.id}/")
    video = page.get_by_test_id("lesson-video")
    with page.expect_response(lambda r: "/heartbeat/" in r.url) as first:
        video.dispatch_event("play")
    assert first.value.status == 200
    LessonProgress.objects.filter(user=sales_a, lesson=lesson).update(
        last_heartbeat_at=timezone.now() - dt.timedelta(seconds=8)
    )
    with page.expect_response(lambda r: "/heartbeat/" in r.url) as second:
        video.dispatch_event("pause")
    assert second.value.json()["seconds_watched"] == 8
    assert page.get_by_test_id("video-status").inner_text().count("8") >= 1


def test_trainer_writes_a_lesson_and_builds_an_outline(page, login, trainer):
    from courses.models import Course, Lesson

    login(trainer.username)
    page.goto("/lessons/new/")
    page.locator("select[name=kind]").select_option("link")
    assert page.locator("textarea[name=body]").is_hidden()  # fields follow the kind
    page.locator("select[name=kind]").select_option("text")
    page.locator("input[name=title]").fill("倾听的三个层次")
    # The editor hides the textarea it writes to; hostile markup is what a hand-made request would send.
    page.locator(".richtext[data-richtext-ready='1']").wait_for(state="attached")
    page.locator("textarea[name=body]").evaluate(
        "(el, html) => { el.value = html; }", '<p onclick=alert(1)>先听后说</p><a href="javascript:alert(1)">链接</a>'
    )
    page.locator("form[data-toggle-fields] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/lessons/\d+/$"))
    body = Lesson.objects.get(title="倾听的三个层次").body
    assert "onclick" not in body and "javascript" not in body

    page.goto("/courses/new/")
    page.locator("input[name=title]").fill("沟通基本功")
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/outline/$"))
    page.locator("#module-title").fill("第一章")
    page.locator("#module-title").press("Enter")
    select = page.locator("select[name=lesson]").first
    select.wait_for()
    select.select_option(label="倾听的三个层次 (图文)")
    page.locator(".item-list").first.locator("xpath=..").get_by_role("button", name="添加").click()
    page.locator(".item-list li").first.wait_for()
    page.get_by_role("button", name="发布").click()
    page.wait_for_load_state()
    course = Course.objects.get(title="沟通基本功")
    assert course.status == Course.Status.PUBLISHED
    assert course.items.get().lesson.title == "倾听的三个层次"
    assert [m for m in page.console_messages if m[0] == "error"] == []
