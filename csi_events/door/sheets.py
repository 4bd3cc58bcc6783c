"""The printable sign-in sheet of a session (US Letter): a header on every page (opportunity, date, time, venue,
facilitators, "Page x of y"), one row per confirmed registrant sorted by last name (name, school and LEA, a
signature box, a small QR code of the ticket), then blank rows for walk-ins. In the current request's language."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from fpdf import FPDF

from ..opportunities.models import Session
from ..pdf_common import FONT_FAMILY
from .pdf import Attendee, attendees, fit, new_pdf, session_line, text, ticket_qr

MARGIN = 12.0
ROW_HEIGHT = 19.0  # a registrant's row: room for a signature and a scannable QR code
QR_SIZE = 16.0
WALK_IN_ROW_HEIGHT = 11.0
MIN_WALK_IN_ROWS = 8


@dataclass(frozen=True)
class Column:
    title: str
    width: float


class SheetPDF(FPDF):
    """Pages whose header repeats the session and whose footer numbers them "Page x of y"."""

    heading: list[str]

    def header(self) -> None:
        self.set_xy(MARGIN, MARGIN)
        self.set_font(FONT_FAMILY, "B", 13)
        self.cell(0, 7, fit(self, self.heading[0], self.epw, "B"), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT_FAMILY, "", 10)
        for line in self.heading[1:]:
            self.cell(0, 5.5, fit(self, line, self.epw), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT_FAMILY, "", 8)
        page = _("Page %(x)s of %(y)s", x=self.page_no(), y="{nb}")
        self.cell(0, 5, text(self, page), align="R")


def sign_in_sheet_pdf(session: Session) -> bytes:
    opportunity = session.opportunity
    pdf = new_pdf(_("Sign-in sheet"), SheetPDF)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    facilitators = ", ".join(user.label for user in opportunity.facilitators) or "–"
    pdf.heading = [
        _("Sign-in sheet: %(title)s", title=opportunity.title),
        session_line(session),
        _("Facilitators: %(names)s", names=facilitators),
    ]
    pdf.add_page()
    _registrants(pdf, attendees(session))
    _walk_ins(pdf)
    return bytes(pdf.output())


def _bottom(pdf: FPDF) -> float:
    return pdf.h - 14


def _table_head(pdf: FPDF, columns: list[Column]) -> None:
    pdf.set_font(FONT_FAMILY, "B", 9)
    pdf.set_fill_color(230, 230, 230)
    for column in columns:
        pdf.cell(column.width, 6, fit(pdf, column.title, column.width - 2, "B"), border=1, fill=True)
    pdf.ln(6)


def _registrant_columns() -> list[Column]:
    return [
        Column("#", 8),
        Column(_("Name"), 52),
        Column(_("School / LEA"), 58),
        Column(_("Signature"), 54),
        Column(_("Ticket"), 19.9),
    ]


def _registrants(pdf: FPDF, people: list[Attendee]) -> None:
    columns = _registrant_columns()
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.cell(0, 7, text(pdf, _("Registered (%(n)s)", n=len(people)), "B"), new_x="LMARGIN", new_y="NEXT")
    _table_head(pdf, columns)
    for number, person in enumerate(people, start=1):
        if pdf.get_y() + ROW_HEIGHT > _bottom(pdf):
            pdf.add_page()
            _table_head(pdf, columns)
        _registrant_row(pdf, columns, number, person)
    if not people:
        pdf.set_font(FONT_FAMILY, "", 10)
        pdf.cell(0, 8, text(pdf, _("Nobody is registered yet.")), new_x="LMARGIN", new_y="NEXT")


def _registrant_row(pdf: FPDF, columns: list[Column], number: int, person: Attendee) -> None:
    x, y = pdf.get_x(), pdf.get_y()
    for column in columns:
        pdf.rect(x, y, column.width, ROW_HEIGHT)
        x += column.width
    pdf.set_xy(MARGIN, y + 2)
    pdf.set_font(FONT_FAMILY, "", 9)
    pdf.cell(columns[0].width, 5, str(number), align="C")
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.cell(columns[1].width, 5, fit(pdf, f"{person.last_name}, {person.first_name}", columns[1].width - 2, "B"))
    pdf.set_font(FONT_FAMILY, "", 9)
    place_x = MARGIN + columns[0].width + columns[1].width
    pdf.set_xy(place_x, y + 2)
    pdf.multi_cell(columns[2].width, 4.5, text(pdf, person.place), max_line_height=4.5, new_x="RIGHT")
    qr_x = MARGIN + sum(c.width for c in columns[:4]) + (columns[4].width - QR_SIZE) / 2
    ticket_qr(pdf, person.ticket, qr_x, y + (ROW_HEIGHT - QR_SIZE) / 2, QR_SIZE)
    pdf.set_xy(MARGIN, y + ROW_HEIGHT)


def _walk_in_columns() -> list[Column]:
    return [
        Column(_("Name"), 36),
        Column(_("E-mail"), 44),
        Column(_("LEA"), 28),
        Column(_("School"), 28),
        Column(_("Role"), 22),
        Column(_("Signature"), 33.9),
    ]


def _walk_ins(pdf: FPDF) -> None:
    columns = _walk_in_columns()
    needed = 7 + 6 + MIN_WALK_IN_ROWS * WALK_IN_ROW_HEIGHT
    if pdf.get_y() + 4 + needed > _bottom(pdf):
        pdf.add_page()
    else:
        pdf.ln(4)
    pdf.set_font(FONT_FAMILY, "B", 11)
    title = _("Walk-ins (not registered): please print clearly")
    pdf.cell(0, 7, text(pdf, title, "B"), new_x="LMARGIN", new_y="NEXT")
    _table_head(pdf, columns)
    while pdf.get_y() + WALK_IN_ROW_HEIGHT <= _bottom(pdf):
        for column in columns:
            pdf.cell(column.width, WALK_IN_ROW_HEIGHT, "", border=1)
        pdf.ln(WALK_IN_ROW_HEIGHT)
