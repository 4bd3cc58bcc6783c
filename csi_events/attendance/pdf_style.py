"""The look the certificate and the transcript share: a double border, the center's logo and name at the top,
type in a clear hierarchy (DejaVu Sans), the signer's block and the issue date at the bottom.

Settings: CENTER_NAME; CERTIFICATE_LOGO_PATH and CERTIFICATE_SIGNATURE_PATH (optional image files, PNG or
JPEG); CERTIFICATE_SIGNER_NAME and CERTIFICATE_SIGNER_TITLE. An image that is missing or unreadable is left out
(and logged): the PDF is always made.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ..pdf_common import FONT_FAMILY, add_fonts, drawable

log = logging.getLogger(__name__)

ISSUER = "Community Schools Initiative · Regional Technical Assistance Center"
NAVY = (11, 79, 138)  # --brand of static/css/app.css
GOLD = (176, 138, 42)
INK = (27, 31, 36)
MUTED = (74, 83, 96)
RED = (161, 18, 27)
OUTER_INSET = 8.0  # mm from the paper's edge to the heavy border
INNER_INSET = 11.0  # mm to the fine inner border


class FramedPDF(FPDF):
    """Every page starts with the border."""

    def header(self) -> None:
        border(self)


def new_document(title: str, orientation: str, *, page_breaks: bool = False) -> FPDF:
    """A first US Letter page (mm) in `orientation` ("L" or "P") with the fonts and the border; with
    `page_breaks`, text that reaches the bottom border goes on to a new (bordered) page."""
    pdf = FramedPDF(orientation=orientation, unit="mm", format="Letter")
    add_fonts(pdf)
    pdf.set_title(title)
    pdf.set_author(current_app.config.get("CENTER_NAME") or ISSUER)
    pdf.set_margins(INNER_INSET + 12, INNER_INSET + 10, INNER_INSET + 12)
    pdf.set_auto_page_break(auto=page_breaks, margin=INNER_INSET + 12)
    pdf.add_page()
    return pdf


def border(pdf: FPDF) -> None:
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.4)
    pdf.rect(OUTER_INSET, OUTER_INSET, pdf.w - 2 * OUTER_INSET, pdf.h - 2 * OUTER_INSET)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.rect(INNER_INSET, INNER_INSET, pdf.w - 2 * INNER_INSET, pdf.h - 2 * INNER_INSET)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.2)


def line(
    pdf: FPDF,
    text: str,
    size: float = 12,
    style: str = "",
    *,
    align: str = "C",
    height: float | None = None,
    color: tuple[int, int, int] = INK,
) -> None:
    """One paragraph across the page's width, then the cursor below it."""
    pdf.set_font(FONT_FAMILY, style, size)
    pdf.set_text_color(*color)
    pdf.multi_cell(
        0, height or size * 0.5, drawable(pdf, text, style), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_text_color(*INK)


def rule(pdf: FPDF, width: float, color: tuple[int, int, int] = GOLD) -> None:
    """A short centred line under a heading."""
    y = pdf.get_y()
    pdf.set_draw_color(*color)
    pdf.set_line_width(0.6)
    pdf.line((pdf.w - width) / 2, y, (pdf.w + width) / 2, y)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.2)


def _image_setting(name: str) -> Path | None:
    value = (current_app.config.get(name) or "").strip()
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        log.warning("%s names no readable file; the PDF is made without it", name)
        return None
    return path


def place_image(pdf: FPDF, setting: str, x: float, y: float, w: float, h: float) -> bool:
    """The image of `setting` fitted in the box (x, y, w, h), centred; False when there is none."""
    path = _image_setting(setting)
    if path is None:
        return False
    try:
        pdf.image(str(path), x=x, y=y, w=w, h=h, keep_aspect_ratio=True)
    except Exception as err:  # an unreadable or unsupported image file must not stop the PDF
        log.warning("%s could not be drawn (%s); the PDF is made without it", setting, type(err).__name__)
        return False
    return True


def header(pdf: FPDF, logo_height: float = 18) -> None:
    """The logo (when set) and the center's name, centred at the top."""
    top = INNER_INSET + 7
    if place_image(pdf, "CERTIFICATE_LOGO_PATH", pdf.w / 2 - 40, top, 80, logo_height):
        top += logo_height + 3
    pdf.set_y(top)
    line(pdf, current_app.config.get("CENTER_NAME") or "", 14, "B", color=NAVY, height=7)
    line(pdf, ISSUER, 9, color=MUTED, height=5)


def signature(pdf: FPDF, x: float, y: float, width: float) -> None:
    """The signature image over a line, the signer's name and title under it (each only when set)."""
    name = (current_app.config.get("CERTIFICATE_SIGNER_NAME") or "").strip()
    title = (current_app.config.get("CERTIFICATE_SIGNER_TITLE") or "").strip()
    drawn = place_image(pdf, "CERTIFICATE_SIGNATURE_PATH", x, y, width, 16)
    if not (drawn or name or title):
        return
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(x, y + 17, x + width, y + 17)
    pdf.set_xy(x, y + 18.5)
    for text, size, style, color in ((name, 11, "B", INK), (title, 9, "", MUTED)):
        if text:
            pdf.set_font(FONT_FAMILY, style, size)
            pdf.set_text_color(*color)
            pdf.set_x(x)
            pdf.cell(width, size * 0.5, drawable(pdf, text, style), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)


def watermark(pdf: FPDF, text: str) -> None:
    """Large red text across the middle of the page (a revoked certificate as staff see it)."""
    pdf.set_font(FONT_FAMILY, "B", 64)
    pdf.set_text_color(*RED)
    with pdf.local_context(fill_opacity=0.25), pdf.rotation(20, pdf.w / 2, pdf.h / 2):
        pdf.set_xy(0, pdf.h / 2 - 15)
        pdf.cell(pdf.w, 30, drawable(pdf, text, "B"), align="C")
    pdf.set_text_color(*INK)
