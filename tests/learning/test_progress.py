"""Progress: stored on the enrollment, updated by the services; videos complete by heartbeat only."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from learning import hooks, services
from learning.models import Certificate, Enrollment, LessonProgress
from tests.learning.factories import LessonFactory, add_lesson, course_with_lessons


def _lessons(course):
    return [i.lesson_id for i in course.items.order_by("order")]


def test_completing_lessons_updates_stored_progress_and_status(enrolled, course, sales_a):
    first, second, third = _lessons(course)
    services.lesson_complete(user=sales_a, lesson_id=first)
    enrolled.refresh_from_db()
    assert (enrolled.progress, enrolled.status) == (33, Enrollment.Status.IN_PROGRESS)
    services.lesson_complete(user=sales_a, lesson_id=second)
    services.lesson_complete(user=sales_a, lesson_id=third)
    enrolled.refresh_from_db()
    assert (enrolled.progress, enrolled.status) == (100, Enrollment.Status.COMPLETED)
    assert enrolled.completed_at is not None
    cert = Certificate.objects.get(enrollment=enrolled)
    assert cert.holder_name == "张三" and cert.course_title == course.title


def test_completing_twice_is_harmless(enrolled, course, sales_a):
    lesson = _lessons(course)[0]
    services.lesson_complete(user=sales_a, lesson_id=lesson)
    services.lesson_complete(user=sales_a, lesson_id=lesson)
    assert LessonProgress.objects.filter(user=sales_a, lesson_id=lesson).count() == 1


def test_progress_refused_for_a_lesson_not_enrolled(sales_b, course):
    with pytest.raises(Http404):
        services.lesson_complete(user=sales_b, lesson_id=_lessons(course)[0])


def test_optional_items_do_not_count(enrolled, course, sales_a):
    extra = add_lesson(course)
    extra.required = False
    extra.save()
    for lesson_id in _lessons(course)[:3]:
        services.lesson_complete(user=sales_a, lesson_id=lesson_id)
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.COMPLETED


def test_shared_library_lesson_counts_in_every_course(sales_a, trainer):
    shared = LessonFactory()
    one = course_with_lessons(1, owners=[trainer])
    two = course_with_lessons(1, owners=[trainer])
    add_lesson(one, lesson=shared)
    add_lesson(two, lesson=shared)
    e1, _ = services.enrollment_create(user=sales_a, course=one)
    e2, _ = services.enrollment_create(user=sales_a, course=two)
    services.lesson_complete(user=sales_a, lesson_id=shared.id)
    e1.refresh_from_db()
    e2.refresh_from_db()
    assert e1.progress == e2.progress == 50


def test_completion_requirement_hook_holds_completion(enrolled, course, sales_a):
    held = []

    def final_quiz_passed(*, enrollment):
        held.append(enrollment.id)
        return False

    hooks.completion_requirement.register(final_quiz_passed)
    try:
        for lesson_id in _lessons(course):
            services.lesson_complete(user=sales_a, lesson_id=lesson_id)
        enrolled.refresh_from_db()
        assert enrolled.progress == 100
        assert enrolled.status == Enrollment.Status.IN_PROGRESS
        assert held
    finally:
        hooks.completion_requirement.unregister(final_quiz_passed)
    services.enrollment_refresh(user_id=sales_a.id, course_id=course.id)
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.COMPLETED


@pytest.fixture
def video_course(trainer, sales_a):
    course = course_with_lessons(0, owners=[trainer])
    item = add_lesson(course, kind="video", video_url="https://video.example/a.mp4", duration_seconds=100)
    services.enrollment_create(user=sales_a, course=course)
    return course, item.lesson


def _beat(user, lesson, seconds_ago: float | None = None, **kwargs):
    if seconds_ago is not None:
        LessonProgress.objects.filter(user=user, lesson=lesson).update(
            last_heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds_ago)
        )
    return services.lesson_heartbeat(user=user, lesson_id=lesson.id, position=kwargs.pop("position", 0), **kwargs)


def test_video_cannot_be_marked_done_with_a_click(video_course, sales_a):
    _course, lesson = video_course
    with pytest.raises(ValidationError):
        services.lesson_complete(user=sales_a, lesson_id=lesson.id)


def test_video_completes_at_ninety_percent_watched(video_course, sales_a):
    course, lesson = video_course
    _beat(sales_a, lesson, event="start")
    for _ in range(8):
        progress = _beat(sales_a, lesson, seconds_ago=10)
    assert progress.seconds_watched == 80 and progress.completed_at is None
    progress = _beat(sales_a, lesson, seconds_ago=10)
    assert progress.seconds_watched == 90 and progress.completed_at is not None
    enrollment = Enrollment.objects.get(user=sales_a, course=course)
    assert enrollment.status == Enrollment.Status.COMPLETED


def test_heartbeat_credit_is_capped_so_skipping_earns_nothing(video_course, sales_a, settings):
    _course, lesson = video_course
    _beat(sales_a, lesson, event="start")
    progress = _beat(sales_a, lesson, seconds_ago=3600, position=99, event="ended")
    assert progress.seconds_watched == settings.VIDEO_HEARTBEAT_MAX_CREDIT
    assert progress.completed_at is None


def test_completion_share_is_configurable(video_course, sales_a, settings):
    settings.VIDEO_COMPLETION_SHARE = 0.5
    _course, lesson = video_course
    _beat(sales_a, lesson, event="start")
    for _ in range(3):
        progress = _beat(sales_a, lesson, seconds_ago=20)
    assert progress.completed_at is not None


@pytest.fixture
def lengthless_video(trainer, sales_a):
    """A video lesson saved before lengths were required: no duration_seconds."""
    course = course_with_lessons(0, owners=[trainer])
    item = add_lesson(course, kind="video", video_url="https://video.example/b.mp4", duration_seconds=None)
    services.enrollment_create(user=sales_a, course=course)
    return item.lesson


def _heartbeat(api, lesson, **body):
    response = api.post(f"/api/v1/lessons/{lesson.id}/heartbeat/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_one_second_heartbeat_claiming_a_one_second_video_completes_nothing(
    api_for, sales_a, lengthless_video, video_course
):
    """Issue 18: a video lesson without duration_seconds completed after a 1 s heartbeat claiming `duration: 1`.
    The length is the server's only; the browser's is ignored, on a lesson with a length and one without."""
    api = api_for(sales_a)
    _course, timed = video_course
    for lesson in (lengthless_video, timed):
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
            _heartbeat(api, lesson, event="start", position=0, duration=1)
            clock.shift(1)
            data = _heartbeat(api, lesson, event="ended", position=1, duration=1)
        assert data["completed"] is False and data["seconds_watched"] == 1
        assert data["duration_seconds"] == lesson.duration_seconds  # None, then 100: never the browser's 1
        assert LessonProgress.objects.get(user=sales_a, lesson=lesson).completed_at is None


def test_a_video_without_a_length_completes_once_the_trainer_sets_one(api_for, client_for, sales_a, lengthless_video):
    api = api_for(sales_a)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        _heartbeat(api, lengthless_video, event="start")
        for _ in range(12):
            clock.shift(10)
            data = _heartbeat(api, lengthless_video)
        assert data["seconds_watched"] == 120 and data["completed"] is False  # credited, but nothing to complete
        course = lengthless_video.placements.get().course
        player = client_for(sales_a).get(f"/learn/{course.id}/{lengthless_video.id}/", HTTP_ACCEPT_LANGUAGE="en")
        assert 'data-testid="video-no-length"' in player.text and "Ask your trainer" in player.text
        type(lengthless_video).objects.filter(pk=lengthless_video.pk).update(duration_seconds=100)
        clock.shift(10)
        assert _heartbeat(api, lengthless_video)["completed"] is True


def test_watched_time_is_capped_by_the_wall_clock(api_for, sales_a, video_course, settings):
    """A client claiming an hour watched after 2 s gets 2 s; heartbeats sent in a burst earn nothing more; over a
    minute of playing, the credited time is the minute, whatever positions are claimed."""
    settings.VIDEO_HEARTBEAT_MAX_CREDIT = 20
    _course, lesson = video_course
    api = api_for(sales_a)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        _heartbeat(api, lesson, event="start", position=0)
        clock.shift(2)
        assert _heartbeat(api, lesson, position=3600, duration=3600)["seconds_watched"] == 2
        for _ in range(20):
            data = _heartbeat(api, lesson, position=3600)
        assert data["seconds_watched"] == 2
        for _ in range(6):
            clock.shift(10)
            data = _heartbeat(api, lesson, position=3600)
        assert data["seconds_watched"] == 62 and data["completed"] is False
    progress = LessonProgress.objects.get(user=sales_a, lesson=lesson)
    assert progress.last_position == 100  # a claimed position never lies past the video's end


def test_outline_change_recomputes_progress(enrolled, course, sales_a, django_capture_on_commit_callbacks):
    from courses import course_services

    for lesson_id in _lessons(course)[:2]:
        services.lesson_complete(user=sales_a, lesson_id=lesson_id)
    with django_capture_on_commit_callbacks(execute=True):
        course_services.item_remove(item=course.items.order_by("order").last())
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.COMPLETED
