"""Name badges (4 x 3 in, six to a US Letter sheet, the common Avery 5392 layout) and table tents (one Letter
sheet per person, folded across the middle, the name on both sides). Each shows the first name large, the last
name, the school or LEA, and the ticket's QR code."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import gettext as _
from fpdf import FPDF

from ..opportunities.models import Session
from ..pdf_common import FONT_FAMILY
from .pdf import Attendee, attendees, fit, new_pdf, text, ticket_qr

INCH = 25.4


class BadgeStyle(enum.StrEnum):
    BADGES = "badges"
    TENTS = "tents"


@dataclass(frozen=True)
class Sheet:
    """Where the badges sit on a Letter page (mm)."""

    left: float = 0.25 * INCH
    top: float = 1.0 * INCH
    width: float = 4.0 * INCH
    height: float = 3.0 * INCH
    columns: int = 2
    rows: int = 3

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


AVERY_5392 = Sheet()
BADGE_QR = 22.0
TENT_QR = 26.0


def badges_pdf(session: Session, style: BadgeStyle, registration_ids: list[int] | None = None) -> bytes:
    """Badges (or tents) of the session's confirmed people, or of the chosen registrations among them."""
    people = attendees(session, registration_ids)
    if style is BadgeStyle.TENTS:
        return _tents(session, people)
    return _badges(session, people)


def _badges(session: Session, people: list[Attendee]) -> bytes:
    pdf = new_pdf(_("Name badges"))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    sheet = AVERY_5392
    if not people:
        pdf.add_page()
    for index, person in enumerate(people):
        slot = index % sheet.per_page
        if slot == 0:
            pdf.add_page()
        x = sheet.left + (slot % sheet.columns) * sheet.width
        y = sheet.top + (slot // sheet.columns) * sheet.height
        _badge(pdf, session, person, x, y, sheet)
    return bytes(pdf.output())


def _badge(pdf: FPDF, session: Session, person: Attendee, x: float, y: float, sheet: Sheet) -> None:
    """One badge; a light outline shows where to cut when the sheet is plain paper."""
    pad = 6.0
    width = sheet.width - 2 * pad
    pdf.set_draw_color(200, 200, 200)
    pdf.rect(x, y, sheet.width, sheet.height)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_xy(x + pad, y + pad)
    pdf.set_font(FONT_FAMILY, "", 8)
    pdf.cell(width, 4, fit(pdf, session.opportunity.title, width))
    _name_lines(pdf, person, x + pad, y + 16, width, first_size=30, last_size=16)
    place_width = width - BADGE_QR - 3
    pdf.set_xy(x + pad, y + sheet.height - pad - 12)
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.multi_cell(place_width, 5, text(pdf, person.place), max_line_height=5)
    ticket_qr(pdf, person.ticket, x + sheet.width - pad - BADGE_QR, y + sheet.height - pad - BADGE_QR, BADGE_QR)


def _name_lines(pdf: FPDF, person: Attendee, x: float, y: float, width: float, first_size: int, last_size: int):
    """The first name as large as fits (down to half its size), the last name under it."""
    size = first_size
    pdf.set_font(FONT_FAMILY, "B", size)
    first = text(pdf, person.first_name, "B")
    while size > first_size // 2 and pdf.get_string_width(first) > width:
        size -= 1
        pdf.set_font(FONT_FAMILY, "B", size)
    pdf.set_xy(x, y)
    pdf.cell(width, size * 0.45, fit(pdf, first, width, "B"), align="C")
    pdf.set_font(FONT_FAMILY, "", last_size)
    pdf.set_xy(x, y + size * 0.45 + 2)
    pdf.cell(width, last_size * 0.45, fit(pdf, person.last_name, width), align="C")


def _tents(session: Session, people: list[Attendee]) -> bytes:
    """Letter, landscape-folded: the lower half reads upright, the upper half is turned over so that it reads
    upright from the other side of the table once folded along the dashed line."""
    pdf = new_pdf(_("Table tents"))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    if not people:
        pdf.add_page()
    half = pdf.h / 2
    for person in people:
        pdf.add_page()
        pdf.set_draw_color(150, 150, 150)
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.line(10, half, pdf.w - 10, half)
        pdf.set_dash_pattern()
        pdf.set_draw_color(0, 0, 0)
        _tent_panel(pdf, session, person, half, with_qr=True)
        with pdf.rotation(180, x=pdf.w / 2, y=half / 2):
            _tent_panel(pdf, session, person, 0, with_qr=False)
    return bytes(pdf.output())


def _tent_panel(pdf: FPDF, session: Session, person: Attendee, top: float, with_qr: bool) -> None:
    pad = 15.0
    width = pdf.w - 2 * pad
    _name_lines(pdf, person, pad, top + 30, width, first_size=60, last_size=28)
    pdf.set_font(FONT_FAMILY, "", 14)
    pdf.set_xy(pad, top + 80)
    pdf.cell(width, 7, fit(pdf, person.place, width), align="C")
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.set_xy(pad, top + pdf.h / 2 - 14)
    pdf.cell(width - (TENT_QR if with_qr else 0), 5, fit(pdf, session.opportunity.title, width - TENT_QR - 4))
    if with_qr:
        ticket_qr(pdf, person.ticket, pdf.w - pad - TENT_QR, top + pdf.h / 2 - pad - TENT_QR + 6, TENT_QR)
