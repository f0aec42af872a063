"""Certificate PDF (reportlab, with its built-in CJK font so Chinese names print without font files)."""

import io

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from learning.models import Certificate

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def certificate_pdf(*, certificate: Certificate, verify_url: str) -> bytes:
    font = _font()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{certificate.course_title} - {certificate.holder_name}")
    pdf.setStrokeColor(HexColor("#0d6efd"))
    pdf.setLineWidth(6)
    pdf.rect(30, 30, width - 60, height - 60)
    pdf.setFillColor(HexColor("#0d3b66"))
    pdf.setFont(font, 40)
    pdf.drawCentredString(width / 2, height - 140, _("Certificate of completion"))
    pdf.setFillColor(HexColor("#212529"))
    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, height - 200, _("This certifies that"))
    pdf.setFont(font, 34)
    pdf.drawCentredString(width / 2, height - 255, certificate.holder_name)
    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, height - 305, _("has completed the course"))
    pdf.setFont(font, 26)
    pdf.drawCentredString(width / 2, height - 350, certificate.course_title)
    pdf.setFont(font, 14)
    issued = formats.date_format(timezone.localdate(certificate.issued_at), "DATE_FORMAT")
    pdf.drawCentredString(width / 2, 150, _("Date: %(date)s") % {"date": issued})
    if certificate.expires_on:
        until = formats.date_format(certificate.expires_on, "DATE_FORMAT")
        pdf.drawCentredString(width / 2, 128, _("Valid until: %(date)s") % {"date": until})
    pdf.setFont(font, 11)
    pdf.drawCentredString(width / 2, 90, _("Verification code: %(code)s") % {"code": certificate.code})
    pdf.drawCentredString(width / 2, 72, verify_url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
