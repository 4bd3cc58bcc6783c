"""The blueprint every survey page registers on (views.py imports the page modules)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import format_percent

bp = Blueprint("surveys", __name__)

bp.add_app_template_global(format_percent, "format_percent")
