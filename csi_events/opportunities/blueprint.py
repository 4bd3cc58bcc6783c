"""The opportunities blueprint `bp`, shared by the catalog pages (catalog_views) and the staff pages
(staff_views), and the page-number argument both lists read."""

from __future__ import annotations

from flask import Blueprint, request

bp = Blueprint("opportunities", __name__)


def page_arg() -> int:
    try:
        return max(min(int(request.args.get("page", "1")), 100000), 1)
    except ValueError:
        return 1
