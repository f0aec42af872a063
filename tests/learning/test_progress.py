"""Progress: stored on the enrollment, updated by the services; videos complete by heartbeat only."""

import datetime as dt

import pytest
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


def test_outline_change_recomputes_progress(enrolled, course, sales_a, django_capture_on_commit_callbacks):
    from courses import course_services

    for lesson_id in _lessons(course)[:2]:
        services.lesson_complete(user=sales_a, lesson_id=lesson_id)
    with django_capture_on_commit_callbacks(execute=True):
        course_services.item_remove(item=course.items.order_by("order").last())
    enrolled.refresh_from_db()
    assert enrolled.status == Enrollment.Status.COMPLETED
