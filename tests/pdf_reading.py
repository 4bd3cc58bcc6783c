"""Reading the PDFs we make back: their text (pypdf) and every QR code on their pages (pages rendered with
pypdfium2, codes decoded with zxing-cpp)."""

from __future__ import annotations

import io

import pypdfium2
import zxingcpp
from pypdf import PdfReader


def pdf_text(data: bytes) -> list[str]:
    """The text of each page."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def pdf_qr_codes(data: bytes, dpi: int = 200) -> list[list[str]]:
    """The QR codes' texts found on each page."""
    document = pypdfium2.PdfDocument(data)
    try:
        found = []
        for index in range(len(document)):
            image = document[index].render(scale=dpi / 72).to_pil()
            codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            found.append([code.text for code in codes])
        return found
    finally:
        document.close()
