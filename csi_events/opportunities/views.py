"""The opportunities blueprint `bp`. Its pages are in catalog_views.py (the public catalog and detail pages,
with their .ics files) and staff_views.py (list, create/edit, publish, cancel, archive)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("opportunities", __name__)
