"""The .ics feed: due dates, plan dates, other apps' events through the hook, RFC 5545 line folding."""

import datetime as dt

from courses.models import Session, TrainingPlan
from learning import hooks, selectors, services
from tests.learning.factories import course_with_lessons


def test_feed_has_due_dates_plan_days_and_hooked_events(sales_a, trainer):
    course = course_with_lessons(1, owners=[trainer], title="很长的课程标题" * 10)
    services.enrollment_create(user=sales_a, course=course, due_date=dt.date(2030, 3, 1))
    plan = TrainingPlan.objects.create(
        title="六天销售培训", start_date=dt.date(2030, 4, 6), days=6, status=TrainingPlan.Status.PUBLISHED
    )
    Session.objects.create(plan=plan, day=2, start_time=dt.time(9, 0), end_time=dt.time(10, 30), title="产品讲解")
    draft = TrainingPlan.objects.create(title="草稿计划", start_date=dt.date(2030, 5, 1), days=1)
    Session.objects.create(plan=draft, day=1, start_time=dt.time(9, 0), end_time=dt.time(10, 0), title="未发布")
    services.enrollment_create(user=sales_a, plan=plan)
    services.enrollment_create(user=sales_a, plan=draft)

    def sessions(*, user):
        return [
            {
                "uid": "session-1@lms",
                "summary": "角色扮演：价格异议",
                "start": dt.datetime(2030, 4, 8, 1, 0, tzinfo=dt.UTC),
            }
        ]

    hooks.calendar_source.register(sessions)
    try:
        ics = selectors.calendar_ics(user=sales_a)
    finally:
        hooks.calendar_source.unregister(sessions)
    assert "DTSTART;VALUE=DATE:20300301" in ics
    # Plan sessions are timed events in Asia/Shanghai (09:00 local = 01:00 UTC); drafts are not in the feed.
    assert "DTSTART:20300407T010000Z" in ics and "DTEND:20300407T023000Z" in ics
    assert "未发布" not in ics.replace("\r\n ", "")
    assert "DTSTART:20300408T010000Z" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    unfolded = ics.replace("\r\n ", "")
    assert course.title in unfolded


def test_unenrolled_courses_leave_the_feed(enrolled, course, sales_a):
    services.enrollment_unenroll(enrollment=enrolled)
    assert "VEVENT" not in selectors.calendar_ics(user=sales_a)


def test_feed_parses_with_icalendar(sales_a, trainer):
    import icalendar

    course = course_with_lessons(1, owners=[trainer], title="报价, 谈判; 成交\\技巧")
    services.enrollment_create(user=sales_a, course=course, due_date=dt.date(2030, 3, 1))
    plan = TrainingPlan.objects.create(
        title="两天培训", start_date=dt.date(2030, 4, 6), days=2, status=TrainingPlan.Status.PUBLISHED
    )
    Session.objects.create(plan=plan, day=1, start_time=dt.time(9, 0), end_time=dt.time(10, 30), title="开场")
    services.enrollment_create(user=sales_a, plan=plan)

    cal = icalendar.Calendar.from_ical(selectors.calendar_ics(user=sales_a))
    assert str(cal["x-wr-calname"]) == "我的学习 / My learning"
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    due = next(e for uid, e in events.items() if uid.startswith("enrollment-"))
    assert str(due["summary"]) == f"{course.title}（截止 / due）"  # commas, semicolons, backslashes round-trip
    assert due.decoded("dtstart") == dt.date(2030, 3, 1) and due.decoded("dtend") == dt.date(2030, 3, 2)
    assert str(due["description"]) == "0%"
    timed = next(e for e in events.values() if str(e["summary"]).endswith("开场") or "开场" in str(e["summary"]))
    assert timed.decoded("dtstart") == dt.datetime(2030, 4, 6, 1, 0, tzinfo=dt.UTC)
    assert all(e.decoded("dtstamp").tzinfo is not None for e in events.values())
