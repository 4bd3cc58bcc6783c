"""The opportunities blueprint `bp`, shared by the catalog pages (catalog_views) and the staff pages (staff_views)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("opportunities", __name__)
