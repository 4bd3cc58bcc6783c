"""What every PDF we make shares (fpdf2): the DejaVu Sans fonts, text made drawable in them, and QR codes drawn
as vector paths.

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

import qrcode
from flask import current_app
from fpdf import FPDF
from qrcode.constants import ERROR_CORRECT_M

FONT_FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}  # fpdf2 style -> file in font_folder()
NO_GLYPH = "?"
QR_MASK = 4
QR_QUIET_ZONE = 4  # modules of white around the code, as readers expect


def font_folder() -> Path:
    static = current_app.static_folder
    assert static is not None  # create_app sets it
    return Path(static) / "vendor" / "fonts"


def add_fonts(pdf: FPDF) -> None:
    """The DejaVu Sans regular and bold faces on `pdf`."""
    folder = font_folder()
    for style, name in FONT_FILES.items():
        path = folder / name
        if not path.is_file():
            raise RuntimeError(f"PDF font {name} not found in static/vendor/fonts: run `make setup`.")
        pdf.add_font(FONT_FAMILY, style, str(path))


def drawable(pdf: FPDF, text: str, style: str = "") -> str:
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


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules of the QR code of `data` (error correction M, as the e-mailed ticket), without quiet zone.
    One fixed mask pattern: any mask is valid for every reader, and trying all eight (the library's default) costs
    most of the time of a page of codes."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=QR_MASK)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """The QR code of `data` as a square of `size` mm, quiet zone included, drawn as one vector path of
    rectangles (one per run of dark modules in a row): sharp at any printer resolution, and written as one block
    of page content (hundreds of FPDF.rect calls per code would cost more than the code itself)."""
    matrix = qr_matrix(data)
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
