"""The .ics feed: due dates, plan dates, other apps' events through the hook, RFC 5545 line folding."""

import datetime as dt

from courses.models import TrainingPlan
from tests.learning.factories import course_with_lessons
from trainees import enrollment_services as services
from trainees import learning_selectors as selectors


def test_feed_has_due_dates_plan_days_and_hooked_events(sales_a, trainer):
    course = course_with_lessons(1, owners=[trainer], title="很长的课程标题" * 10)
    services.enrollment_create(user=sales_a, course=course, due_date=dt.date(2030, 3, 1))
    plan = TrainingPlan.objects.create(title="六天销售培训", start_date=dt.date(2030, 4, 6), days=6)
    services.enrollment_create(user=sales_a, plan=plan)

    def sessions(user):
        return [
            {
                "uid": "session-1@lms",
                "summary": "角色扮演：价格异议",
                "start": dt.datetime(2030, 4, 7, 1, 0, tzinfo=dt.UTC),
            }
        ]

    selectors.register_calendar_source(sessions)
    try:
        ics = selectors.calendar_ics(user=sales_a)
    finally:
        selectors._calendar_sources.remove(sessions)
    assert "DTSTART;VALUE=DATE:20300301" in ics
    assert "DTSTART;VALUE=DATE:20300406" in ics and "DTEND;VALUE=DATE:20300412" in ics
    assert "DTSTART:20300407T010000Z" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    unfolded = ics.replace("\r\n ", "")
    assert course.title in unfolded


def test_unenrolled_courses_leave_the_feed(enrolled, course, sales_a):
    services.enrollment_unenroll(enrollment=enrolled)
    assert "VEVENT" not in selectors.calendar_ics(user=sales_a)
