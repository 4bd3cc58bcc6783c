"""The yearly professional development transcript as a PDF, in the certificate's style (US Letter portrait).

A transcript has no number of its own: it changes as the year goes on, so a number would have to name one
version of it. Each line shows instead the number of that opportunity's certificate when one was issued, which
/verify/<number> confirms; a line whose certificate was revoked says so, and its hours are left out of the total.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..db import utcnow
from ..localtime import local_zone
from ..pdf_common import FONT_FAMILY, drawable
from ..people.models import Person
from ..reports.filters import school_year_label
from ..reports.person import transcript_data
from .models import Certificate
from .pdf_style import MUTED, NAVY, header, line, rule, signature
from .pdf_style import new_document as new_framed_document
from .services import certificates_of_person

COLUMNS = (
    56,
    34,
    23,
    23,
    34,
)  # mm (170, the width inside the margins): opportunity, dates, sessions, PD hours, certificate


def _place(person: Person) -> str:
    place = person.school.name if person.school else (person.organization or "")
    if person.lea:
        place = f"{place}, {person.lea.name}" if place else person.lea.name
    return place


def _certificate_cell(certificate: Certificate | None) -> str:
    if certificate is None:
        return "—"
    return _("%(number)s (revoked)", number=certificate.number) if certificate.revoked else certificate.number


def _table(pdf: FPDF, items: list[dict], issued: dict[int, Certificate]) -> None:
    pdf.set_font(FONT_FAMILY, "", 9)
    headings = (_("Learning opportunity"), _("Dates"), _("Sessions"), _("PD hours"), _("Certificate"))
    aligns = ("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT")
    with pdf.table(col_widths=COLUMNS, text_align=aligns) as table:
        row = table.row()
        for text in headings:
            row.cell(drawable(pdf, text, "B"))  # the headings row is bold
        for item in items:
            dates = ", ".join(format_date(d.astimezone(local_zone()).date(), "short") for d in item["dates"])
            row = table.row()
            row.cell(drawable(pdf, item["title"]))
            row.cell(drawable(pdf, dates))
            row.cell(str(item["sessions"]))
            row.cell(format_decimal(item["pd_hours"], "0.00"))
            row.cell(drawable(pdf, _certificate_cell(issued.get(item["opportunity_id"]))))


def transcript_pdf(person: Person, start_year: int) -> bytes:
    data = transcript_data(person.id, start_year)
    issued: dict[int, Certificate] = {}
    for certificate in certificates_of_person(person.id):  # the person's own first, then merged records'
        if certificate.person_id == person.id or certificate.opportunity_id not in issued:
            issued[certificate.opportunity_id] = certificate
    pdf = new_framed_document(_("Professional development transcript"), "P", page_breaks=True)
    header(pdf, logo_height=14)
    pdf.ln(4)
    line(pdf, _("Professional Development Transcript"), 20, "B", color=NAVY, height=10)
    rule(pdf, 60)
    pdf.ln(2)
    line(pdf, _("School year %(year)s (July 1 to June 30)", year=school_year_label(start_year)), 11, height=6)
    pdf.ln(3)
    line(pdf, person.name, 15, "B", align="L", height=8)
    for text in (person.email, _place(person)):
        if text:
            line(pdf, text, 10, align="L", color=MUTED, height=5)
    pdf.ln(3)
    revoked = [c.opportunity_id for c in issued.values() if c.revoked]
    if not data["items"]:
        line(pdf, _("No attendance recorded in this school year."), 11, align="L", height=6)
    else:
        _table(pdf, data["items"], issued)
    total = sum((i["pd_hours"] for i in data["items"] if i["opportunity_id"] not in revoked), Decimal(0))
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.cell(
        0,
        8,
        drawable(pdf, _("Total PD hours: %(hours)s", hours=format_decimal(total, "0.00")), "B"),
        border="T",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    if any(i["opportunity_id"] in revoked for i in data["items"]):
        line(pdf, _("Hours of a revoked certificate are not counted in the total."), 9, align="L", color=MUTED)
    line(
        pdf,
        _("Each certificate number can be checked at the address printed on the certificate."),
        9,
        align="L",
        color=MUTED,
    )
    pdf.ln(4)
    issued_on = format_date(utcnow().astimezone(local_zone()).date(), "long")
    line(pdf, _("Issued %(date)s", date=issued_on), 9, align="L", color=MUTED)
    if pdf.get_y() + 32 > pdf.h - 20:
        pdf.add_page()
    signature(pdf, pdf.l_margin, pdf.get_y() + 4, 70)
    return bytes(pdf.output())
