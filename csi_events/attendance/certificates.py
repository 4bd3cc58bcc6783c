"""The certificate of attendance as a PDF (fpdf2): US Letter landscape, in the language of the request.

PD hours earned = the opportunity's pd_hours x (sessions attended / sessions of the opportunity), the same
figure as on the person page and in the API (reports.person.person_attendance_select). The figures printed are
the issued certificate's (attendance/services.py), so the paper and the verification page agree; its QR code
holds the verification URL, BASE_URL + /verify/<number>.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..localtime import local_zone
from ..pdf_common import FONT_FAMILY, draw_qr, drawable
from .models import Certificate
from .pdf_style import GOLD, INNER_INSET, MUTED, NAVY, header, line, new_document, rule, signature, watermark

QR_SIZE = 30  # mm, quiet zone included
VERIFY_PATH = "/verify/"


def verification_url(number: str) -> str:
    return f"{current_app.config['BASE_URL']}{VERIFY_PATH}{number}"


def _local_day(moment) -> str:
    return format_date(moment.astimezone(local_zone()).date(), "long")


def _dates(certificate: Certificate) -> str:
    first, last = _local_day(certificate.first_session_at), _local_day(certificate.last_session_at)
    return first if first == last else f"{first} – {last}"


def _body(pdf: FPDF, certificate: Certificate) -> None:
    pdf.ln(5)
    line(pdf, _("Certificate of Attendance"), 30, "B", color=NAVY, height=14)
    pdf.ln(1)
    rule(pdf, 70)
    pdf.ln(5)
    line(pdf, _("This certifies that"), 13, color=MUTED, height=7)
    pdf.ln(1)
    line(pdf, certificate.person_name or "", 26, "B", height=12)
    pdf.ln(1)
    line(pdf, _("attended"), 13, color=MUTED, height=7)
    pdf.ln(1)
    line(pdf, certificate.opportunity_title, 18, "B", color=NAVY, height=9)
    pdf.ln(3)
    line(pdf, _dates(certificate), 12, height=6)
    line(
        pdf,
        _("Sessions attended: %(n)s of %(total)s", n=certificate.sessions_attended, total=certificate.sessions_total),
        11,
        color=MUTED,
        height=6,
    )
    pdf.ln(2)
    line(
        pdf,
        _(
            "Professional development hours earned: %(hours)s",
            hours=format_decimal(certificate.pd_hours, "0.00"),
        ),
        14,
        "B",
        height=7,
    )
    pdf.ln(2)
    line(pdf, _("Issued %(date)s", date=_local_day(certificate.issued_at)), 10, color=MUTED, height=5)


def _footer(pdf: FPDF, certificate: Certificate) -> None:
    """Bottom row: the signer (left), the number and its QR code (right)."""
    bottom = pdf.h - INNER_INSET - 6
    top = bottom - QR_SIZE - 10
    left = INNER_INSET + 14
    signature(pdf, left, top + 4, 70)
    qr_x = pdf.w - INNER_INSET - 14 - QR_SIZE
    url = verification_url(certificate.number)
    draw_qr(pdf, url, qr_x, top, QR_SIZE)
    text_right = qr_x - 3
    pdf.set_text_color(*NAVY)
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.set_xy(text_right - 80, top + 8)
    pdf.cell(80, 5, drawable(pdf, _("Certificate number"), "B"), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "B", 12)
    pdf.cell(80, 6, certificate.number, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(80, 4, drawable(pdf, _("Verify at")), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.cell(80, 4, drawable(pdf, url), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_draw_color(*GOLD)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF of an issued certificate (a revoked one, as staff may open it, watermarked REVOKED)."""
    pdf = new_document(_("Certificate of attendance"), "L")
    header(pdf, logo_height=16)
    _body(pdf, certificate)
    _footer(pdf, certificate)
    if certificate.revoked:
        watermark(pdf, _("REVOKED"))
    return bytes(pdf.output())
