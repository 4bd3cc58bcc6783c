"""PDF certificates of attendance and yearly transcripts (fpdf2).

PD hours earned = the opportunity's pd_hours x (sessions attended / sessions of the opportunity), the same
figure as on the person page and in the API (reports.queries.person_attendance_select).

All text is set in DejaVu Sans (the npm package dejavu-fonts-ttf; `npm run build` copies the two files into
static/vendor/fonts), which draws Latin with every diacritic, Greek, Cyrillic, Armenian, Georgian and more.
fpdf2 embeds only the glyphs used. A character DejaVu has no glyph for (Chinese, Japanese, Korean, most
Indic scripts) is written as its base letters when it has some, else as "?": the PDF is always made, and a
name that prints "?" shows staff that it needs a Latin spelling. No CJK font is shipped (one would add tens
of megabytes for a rare case).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from flask import current_app
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..db import utcnow
from ..people.models import Person
from ..reports.filters import local_zone, school_year_label
from ..reports.queries import certificate_data, transcript_data

ISSUER = "Community Schools Initiative · Regional Technical Assistance Center"
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}  # fpdf2 style -> file in font_folder()
NO_GLYPH = "?"


def font_folder() -> Path:
    static = current_app.static_folder
    assert static is not None  # create_app sets it
    return Path(static) / "vendor" / "fonts"


def _drawable(pdf: FPDF, text: str, style: str = "") -> str:
    """`text` as the font of `style` can draw it: composed (NFC); a character without a glyph as its base
    letters (NFKD) when the font has them all, else NO_GLYPH."""
    cmap = pdf.fonts[f"{FONT_FAMILY.lower()}{style}"].cmap
    out = []
    for ch in unicodedata.normalize("NFC", str(text)):
        if ord(ch) in cmap or ch == "\n":
            out.append(ch)
            continue
        base = [c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)]
        out.append("".join(base) if base and all(ord(c) in cmap for c in base) else NO_GLYPH)
    return "".join(out)


def _local_date(value) -> str:
    return format_date(value.astimezone(local_zone()).date(), "long")


def _pdf(title: str) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="Letter")
    folder = font_folder()
    for style, name in FONT_FILES.items():
        path = folder / name
        if not path.is_file():
            raise RuntimeError(f"PDF font {name} not found in static/vendor/fonts: run `make setup`.")
        pdf.add_font(FONT_FAMILY, style, str(path))
    pdf.set_title(title)
    pdf.set_author(ISSUER)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    return pdf


def _line(pdf: FPDF, text: str, size: int = 12, style: str = "", align: str = "C", height: float = 8) -> None:
    pdf.set_font(FONT_FAMILY, style, size)
    pdf.multi_cell(0, height, _drawable(pdf, text, style), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def certificate_pdf(person: Person, opportunity_id: int) -> bytes | None:
    """The certificate of attendance, or None when the person attended no session of the opportunity."""
    data = certificate_data(person.id, opportunity_id)
    if data is None:
        return None
    opp = data["opportunity"]
    sessions = data["sessions"]
    pdf = _pdf(_("Certificate of attendance"))
    pdf.ln(20)
    _line(pdf, _("Certificate of Attendance"), 26, "B", height=14)
    pdf.ln(8)
    _line(pdf, _("This certifies that"), 13)
    pdf.ln(2)
    _line(pdf, person.name, 22, "B", height=12)
    pdf.ln(2)
    _line(pdf, _("attended"), 13)
    pdf.ln(2)
    _line(pdf, opp.title, 17, "B", height=10)
    pdf.ln(6)
    dates = ", ".join(_local_date(r.starts_at) for r in sessions)
    _line(
        pdf,
        _("Sessions attended: %(n)s of %(total)s (%(dates)s)", n=len(sessions), total=len(opp.sessions), dates=dates),
        12,
    )
    _line(
        pdf,
        _("Professional development hours earned: %(hours)s", hours=format_decimal(data["pd_hours"], "0.00")),
        13,
        "B",
    )
    pdf.ln(14)
    _line(pdf, ISSUER, 11)
    _line(pdf, _("Issued %(date)s", date=format_date(utcnow().astimezone(local_zone()).date(), "long")), 10)
    return bytes(pdf.output())


def transcript_pdf(person: Person, start_year: int) -> bytes:
    data = transcript_data(person.id, start_year)
    pdf = _pdf(_("Professional development transcript"))
    _line(pdf, _("Professional Development Transcript"), 20, "B", height=12)
    _line(pdf, _("School year %(year)s (July 1 to June 30)", year=school_year_label(start_year)), 12)
    pdf.ln(4)
    _line(pdf, person.name, 15, "B", align="L")
    if person.email:
        _line(pdf, person.email, 11, align="L")
    place = person.school.name if person.school else (person.organization or "")
    if person.lea:
        place = f"{place}, {person.lea.name}" if place else person.lea.name
    if place:
        _line(pdf, place, 11, align="L")
    pdf.ln(4)
    if not data["items"]:
        _line(pdf, _("No attendance recorded in this school year."), 11, align="L")
    else:
        pdf.set_font(FONT_FAMILY, "", 10)
        headings = (_("Learning opportunity"), _("Dates"), _("Sessions"), _("PD hours"))
        with pdf.table(col_widths=(90, 56, 20, 24), text_align=("LEFT", "LEFT", "RIGHT", "RIGHT")) as table:
            row = table.row()
            for text in headings:
                row.cell(_drawable(pdf, text, "B"))  # the headings row is bold
            for item in data["items"]:
                dates = ", ".join(format_date(d.astimezone(local_zone()).date(), "short") for d in item["dates"])
                row = table.row()
                row.cell(_drawable(pdf, item["title"]))
                row.cell(_drawable(pdf, dates))
                row.cell(str(item["sessions"]))
                row.cell(format_decimal(item["pd_hours"], "0.00"))
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.cell(
        0,
        8,
        _drawable(pdf, _("Total PD hours: %(hours)s", hours=format_decimal(data["total"], "0.00")), "B"),
        border="T",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(8)
    _line(pdf, ISSUER, 10, align="L")
    _line(pdf, _("Issued %(date)s", date=format_date(utcnow().astimezone(local_zone()).date(), "long")), 9, align="L")
    return bytes(pdf.output())
