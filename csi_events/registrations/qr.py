"""Ticket URLs and their QR codes (the `qrcode` package). The QR encodes <BASE_URL>/t/<token>."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import current_app
from qrcode.constants import ERROR_CORRECT_M


def ticket_url(ticket: str) -> str:
    return f"{current_app.config['BASE_URL']}/t/{ticket}"


def _qr(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str) -> bytes:
    """A PNG that scans from paper and from a phone screen (quiet zone of 4 modules)."""
    buffer = io.BytesIO()
    _qr(data).make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(data: str) -> str:
    """An inline-safe SVG of the code (no script, only paths)."""
    image = _qr(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")
