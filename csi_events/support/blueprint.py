"""The blueprint every support page registers on (views.py imports the page modules)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("support", __name__, url_prefix="/staff/support")
