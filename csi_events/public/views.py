"""Home (the health probes are in health_views.py)."""

from flask import Blueprint, redirect, url_for

from ..auth.access import access_rule

bp = Blueprint("public", __name__)


@bp.get("/")
@access_rule("public")
def home():
    return redirect(url_for("opportunities.catalog"))
