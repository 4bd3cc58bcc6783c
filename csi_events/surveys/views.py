"""The surveys blueprint `bp`. Its pages are in public_views.py (the participant's), staff_views.py (setup and
question bank), results_views.py (results and exports) and checkin_qr.py (the QR code on the check-in page),
each listed with this module in create_app's BLUEPRINTS. Importing sending registers the invitation e-mail's
outbox handler."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import format_percent

bp = Blueprint("surveys", __name__)

bp.add_app_template_global(format_percent, "format_percent")

from . import sending  # noqa: E402, F401  (registers the outbox handler; sending needs no bp)
