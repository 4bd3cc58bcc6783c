"""What the door's PDFs share (fpdf2; fonts and QR drawing from pdf_common.py): US Letter pages set in
DejaVu Sans, text made drawable, ticket QR codes as images, and a session's people in one query."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_date, format_time
from fpdf import FPDF
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..directory.models import Lea, School
from ..extensions import db
from ..localtime import local_zone
from ..opportunities.models import Session
from ..pdf_common import FONT_FAMILY, add_fonts, draw_qr
from ..pdf_common import drawable as drawable_text
from ..people.models import Person
from ..registrations.models import Registration
from ..registrations.qr import ticket_url


@dataclass(frozen=True)
class Attendee:
    """One registration as the door's papers show it."""

    registration_id: int
    first_name: str
    last_name: str
    lea: str | None
    school: str | None
    organization: str | None
    ticket: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def place(self) -> str:
        """ "School, LEA" (or the one known, or the organization)."""
        parts = [part for part in (self.school, self.lea) if part]
        return ", ".join(parts) or (self.organization or "")


def attendees(session: Session, registration_ids: list[int] | None = None) -> list[Attendee]:
    """The session's confirmed people sorted by last name (or, given ids, those registrations of its opportunity
    that are confirmed)."""
    lea, school = aliased(Lea), aliased(School)
    stmt = (
        select(
            Registration.id,
            Person.first_name,
            Person.last_name,
            lea.name,
            school.name,
            Person.organization,
            Registration.ticket,
        )
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(lea, lea.id == Person.lea_id)
        .outerjoin(school, school.id == Person.school_id)
        .where(Registration.opportunity_id == session.opportunity_id, Registration.status == "confirmed")
        .order_by(func.lower(Person.last_name), func.lower(Person.first_name), Registration.id)
    )
    if registration_ids is not None:
        stmt = stmt.where(Registration.id.in_(registration_ids))
    return [Attendee(*row) for row in db.session.execute(stmt)]


def session_line(session: Session) -> str:
    """ "December 9, 2026, 9:00 AM – 11:00 AM · Room 101" in the display time zone and the current language."""
    zone = local_zone()
    start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
    text = f"{format_date(start.date(), 'long')}, {format_time(start, 'short')} – {format_time(end, 'short')}"
    return f"{text} · {session.venue}" if session.venue else text


def new_pdf(title: str, pdf_class: type[FPDF] = FPDF) -> FPDF:
    """An empty US Letter document (mm) with the DejaVu fonts."""
    pdf = pdf_class(orientation="P", unit="mm", format="Letter")
    add_fonts(pdf)
    pdf.set_title(title)
    pdf.set_font(FONT_FAMILY, "", 10)
    return pdf


def text(pdf: FPDF, value: str | None, style: str = "") -> str:
    return drawable_text(pdf, value or "", style)


def fit(pdf: FPDF, value: str | None, width: float, style: str = "") -> str:
    """The text cut (with "…") to fit `width` mm in the current font."""
    value = text(pdf, value, style)
    if pdf.get_string_width(value) <= width:
        return value
    while value and pdf.get_string_width(value + "…") > width:
        value = value[:-1]
    return value + "…"


def ticket_qr(pdf: FPDF, ticket: str, x: float, y: float, size: float) -> None:
    """The ticket's QR code (its URL, as on the e-mailed ticket) as a square of `size` mm, quiet zone included."""
    draw_qr(pdf, ticket_url(ticket), x, y, size)
