"""What the door's PDFs share (fpdf2, as the certificates in attendance/certificates.py): US Letter pages set in
DejaVu Sans, text made drawable, ticket QR codes as images, and a session's people in one query."""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
from flask_babel import format_date, format_time
from fpdf import FPDF
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..attendance.certificates import FONT_FAMILY, FONT_FILES, font_folder
from ..attendance.certificates import _drawable as drawable_text
from ..directory.models import Lea, School
from ..extensions import db
from ..localtime import local_zone
from ..opportunities.models import Session
from ..people.models import Person
from ..registrations.models import Registration
from ..registrations.qr import ticket_url

QR_MASK = 4
QR_QUIET_ZONE = 4  # modules of white around the code, as readers expect


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
    folder = font_folder()
    for style, name in FONT_FILES.items():
        path = folder / name
        if not path.is_file():
            raise RuntimeError(f"PDF font {name} not found in static/vendor/fonts: run `make setup`.")
        pdf.add_font(FONT_FAMILY, style, str(path))
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


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules of the QR code of `data` (error correction M, as the e-mailed ticket), without quiet zone.
    One fixed mask pattern: any mask is valid for every reader, and trying all eight (the library's default) costs
    most of the time of a page of codes."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=QR_MASK)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def ticket_qr(pdf: FPDF, ticket: str, x: float, y: float, size: float) -> None:
    """The ticket's QR code (its URL, as on the e-mailed ticket) as a square of `size` mm, quiet zone included,
    drawn as one vector path of rectangles (one per run of dark modules in a row): sharp at any printer
    resolution, and written as one block of page content (hundreds of FPDF.rect calls per code would cost more
    than the code itself)."""
    matrix = qr_matrix(ticket_url(ticket))
    module = size / (len(matrix) + 2 * QR_QUIET_ZONE)
    left, top = x + QR_QUIET_ZONE * module, y + QR_QUIET_ZONE * module
    k, height = pdf.k, pdf.h
    ops = ["q 0 g"]
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            run = column
            while run < len(row) and row[run]:
                run += 1
            rx, ry = left + column * module, top + row_index * module
            ops.append(f"{rx * k:.3f} {(height - ry) * k:.3f} {(run - column) * module * k:.3f} {-module * k:.3f} re")
            column = run
    ops.append("f Q")
    pdf._out("\n".join(ops))  # noqa: SLF001  (raw page content: the PDF operators of FPDF.rect, batched)
