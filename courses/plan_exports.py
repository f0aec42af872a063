"""Exports of a training plan: iCalendar (RFC 5545) and Word (.docx), both built from the selectors."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from courses import plan_selectors
from courses.models import TrainingPlan

PRODID = "-//Sales-training LMS//Training plans//ZH"
# The UID of a session never changes, so calendar apps update the event instead of adding a second one.
UID_DOMAIN = "plans.sales-training-lms"


def session_uid(*, plan_id: int, session_id: int) -> str:
    return f"plan-{plan_id}-session-{session_id}@{UID_DOMAIN}"


def plan_ical(*, plan: TrainingPlan) -> bytes:
    """The plan's sessions as a VCALENDAR with a VTIMEZONE for the site's zone.

    METHOD:PUBLISH: a published calendar file, not an invitation (METHOD:REQUEST would need an ORGANIZER). The
    VTIMEZONE carries no COMMENT (icalendar writes one on the dates it covers; libical's iTIP check refuses it).
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
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", plan.title)
    cal.add("x-wr-timezone", tzid)
    vtimezone = icalendar.Timezone.from_tzid(
        tzid,
        first_date=plan.start_date - dt.timedelta(days=1),
        last_date=plan.end_date + dt.timedelta(days=1),
    )
    vtimezone.pop("COMMENT", None)
    cal.add_component(vtimezone)
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


A4 = (Mm(210), Mm(297))
DOCX_LANGUAGE = "zh-CN"


def _set_east_asian_font(document, font_name: str = "SimSun") -> None:
    """The body font for Chinese, and zh-CN as the text's language (else LibreOffice picks a Japanese variant)."""
    style = document.styles["Normal"]
    style.font.name = font_name
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), font_name)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    targets = [rpr] + ([defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))] if defaults is not None else [])
    for target in targets:
        lang = target.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            target.append(lang)
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attr), DOCX_LANGUAGE if attr != "w:bidi" else "ar-SA")


def _page_a4(document) -> None:
    """A4 with the margins of Chinese office documents (GB/T 9704: 37 mm top, 28 mm left, 26 mm right)."""
    for section in document.sections:
        section.page_width, section.page_height = A4
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)


def _core_properties(document, *, plan: TrainingPlan) -> None:
    """Our own metadata, not python-docx's template (author python-docx, 2013, en-US)."""
    now = timezone.now().astimezone(dt.UTC).replace(microsecond=0, tzinfo=None)
    props = document.core_properties
    props.author = props.last_modified_by = str(_("Sales-training LMS"))
    props.title = plan.title
    props.subject = str(_("Training plan"))
    props.language = DOCX_LANGUAGE
    props.keywords = props.comments = props.category = ""
    props.created = props.modified = now
    props.revision = 1


class _NumberedLists:
    """Each call of `paragraph()` after `start()` adds an item of a new "List Number" list that counts from 1.

    The template's "List Number" style points at one numbering instance, so every list in the document would go on
    counting from the last one (the methods numbered 4-8 after three objectives). Each list gets its own w:num on
    the same abstract numbering, with a start override."""

    def __init__(self, document):
        self.document = document
        numbering = document.part.numbering_part.numbering_definitions._numbering
        style_pr = document.styles["List Number"].element.pPr.numPr
        base = numbering.num_having_numId(style_pr.numId.val)
        self.numbering, self.abstract_id, self.num_id = numbering, base.abstractNumId.val, None

    def start(self) -> None:
        num = self.numbering.add_num(self.abstract_id)
        override = num.add_lvlOverride(ilvl=0)
        override.add_startOverride(1)
        self.num_id = num.numId

    def paragraph(self, text: str):
        paragraph = self.document.add_paragraph(text, style="List Number")
        num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = self.num_id
        return paragraph


def plan_docx(*, plan: TrainingPlan) -> bytes:
    """The 培训计划书 as a Word document (A4, zh-CN), in the same order as the print view."""

    doc_data = plan_selectors.plan_document(plan=plan)
    document = Document()
    _page_a4(document)
    _set_east_asian_font(document)
    _core_properties(document, plan=plan)
    numbered = _NumberedLists(document)
    document.add_heading(plan.title, level=0)
    if plan.description:
        document.add_paragraph(plan.description)

    document.add_heading(_("1. Training objectives"), level=1)
    if not doc_data.objectives_by_kind:
        document.add_paragraph(_("No objectives yet."))
    for label, objectives in doc_data.objectives_by_kind:
        document.add_paragraph(label, style="Heading 3")
        numbered.start()
        for o in objectives:
            numbered.paragraph(o.text)

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
    numbered.start()
    for m in doc_data.methods:
        numbered.paragraph(f"{m.name}: {m.description}")
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
