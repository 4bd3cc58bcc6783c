"""The support-activity blueprint `bp` (staff only). Its pages are in list_views.py (filtered list, CSV/XLSX
export), form_views.py (log, show, edit, delete, the form's LEA options) and import_views.py (CSV import)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("support", __name__, url_prefix="/staff/support")
