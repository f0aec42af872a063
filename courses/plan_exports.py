"""Exports of a training plan: iCalendar (RFC 5545) and Word (.docx), both built from the selectors."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import plan_selectors
from courses.models import TrainingPlan

PRODID = "-//Sales-training LMS//Training plans//ZH"
# The UID of a session never changes, so calendar apps update the event instead of adding a second one.
UID_DOMAIN = "plans.sales-training-lms"


def session_uid(*, plan_id: int, session_id: int) -> str:
    return f"plan-{plan_id}-session-{session_id}@{UID_DOMAIN}"


def plan_ical(*, plan: TrainingPlan) -> bytes:
    """The plan's sessions as a VCALENDAR with a VTIMEZONE for the site's zone.

    No METHOD: a published calendar file, not an invitation (METHOD:REQUEST would need an ORGANIZER).
    """
    if plan.start_date is None:
        raise ValueError("a plan without a start date has no calendar")
    tzid = settings.TIME_ZONE
    tz = ZoneInfo(tzid)
    sessions = plan_selectors.plan_sessions(plan=plan)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", plan.title)
    cal.add("x-wr-timezone", tzid)
    cal.add_component(
        icalendar.Timezone.from_tzid(
            tzid,
            first_date=plan.start_date - dt.timedelta(days=1),
            last_date=plan.end_date + dt.timedelta(days=1),
        )
    )
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    for s in sessions:
        day = plan.day_date(s.day)
        event = icalendar.Event()
        event.add("uid", session_uid(plan_id=plan.pk, session_id=s.pk))
        event.add("dtstamp", stamp)
        event.add("dtstart", dt.datetime.combine(day, s.start_time, tzinfo=tz))
        event.add("dtend", dt.datetime.combine(day, s.end_time, tzinfo=tz))
        event.add("summary", s.title)
        location = ", ".join(part for part in (s.room, plan.venue) if part)
        if location:
            event.add("location", location)
        lines = [plan.title, _("Day %(n)d") % {"n": s.day}]
        if s.trainer_label:
            lines.append(_("Trainer: %(name)s") % {"name": s.trainer_label})
        if s.method:
            lines.append(_("Method: %(name)s") % {"name": s.method.name})
        if s.category:
            lines.append(_("Category: %(name)s") % {"name": s.category.name})
            event.add("categories", [s.category.name])
        if s.notes:
            lines.append(s.notes)
        event.add("description", "\n".join(lines))
        event.add("last-modified", s.updated_at.astimezone(dt.UTC).replace(microsecond=0))
        event.add("status", "CONFIRMED" if plan.is_published else "TENTATIVE")
        cal.add_component(event)
    return cal.to_ical()


def _set_east_asian_font(document, font_name: str = "SimSun") -> None:
    from docx.oxml.ns import qn

    style = document.styles["Normal"]
    style.font.name = font_name
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), font_name)


def plan_docx(*, plan: TrainingPlan) -> bytes:
    """The 培训计划书 as a Word document, in the same order as the print view."""
    from docx import Document

    doc_data = plan_selectors.plan_document(plan=plan)
    document = Document()
    _set_east_asian_font(document)
    document.add_heading(plan.title, level=0)
    if plan.description:
        document.add_paragraph(plan.description)

    document.add_heading(_("1. Training objectives"), level=1)
    if not doc_data.objectives_by_kind:
        document.add_paragraph(_("No objectives yet."))
    for label, objectives in doc_data.objectives_by_kind:
        document.add_paragraph(label, style="Heading 3")
        for o in objectives:
            document.add_paragraph(o.text, style="List Number")

    document.add_heading(_("2. Trainers"), level=1)
    document.add_paragraph("、".join(doc_data.trainers) or "—")

    document.add_heading(_("3. Audience"), level=1)
    document.add_paragraph(plan.audience or "—")

    document.add_heading(_("4. Content"), level=1)
    for category, sessions in doc_data.content_by_category:
        document.add_paragraph(category, style="Heading 3")
        for s in sessions:
            document.add_paragraph(s.title, style="List Bullet")

    document.add_heading(_("5. Duration"), level=1)
    duration = _("%(days)d days, %(hours)s hours in total.") % {"days": plan.days, "hours": doc_data.total_hours}
    if plan.start_date:
        duration += " " + _("From %(start)s to %(end)s.") % {"start": plan.start_date, "end": plan.end_date}
    document.add_paragraph(duration)

    document.add_heading(_("6. Venue"), level=1)
    document.add_paragraph(plan.venue or "—")
    if plan.equipment:
        document.add_paragraph(_("Equipment: %(equipment)s") % {"equipment": plan.equipment})

    document.add_heading(_("7. Methods"), level=1)
    for m in doc_data.methods:
        document.add_paragraph(f"{m.name}: {m.description}", style="List Number")
    if not doc_data.methods:
        document.add_paragraph("—")

    document.add_heading(_("8. Schedule"), level=1)
    headers = [_("Day"), _("Time"), _("Session"), _("Category"), _("Method"), _("Trainer"), _("Room")]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
    for day in doc_data.schedule:
        day_label = _("Day %(n)d") % {"n": day["day"]}
        if day["date"]:
            day_label += f" ({day['date']:%Y-%m-%d})"
        if not day["sessions"]:
            row = table.add_row().cells
            row[0].text = day_label
            row[2].text = "—"
        for s in day["sessions"]:
            row = table.add_row().cells
            values = [
                day_label,
                f"{s.start_time:%H:%M}-{s.end_time:%H:%M}",
                s.title,
                s.category.name if s.category else "",
                s.method.name if s.method else "",
                s.trainer_label,
                s.room,
            ]
            for cell, text in zip(row, values, strict=True):
                cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
