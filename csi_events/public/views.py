"""Home and the health check."""

from flask import Blueprint, jsonify, redirect, url_for
from sqlalchemy import text

from ..auth.access import access_rule
from ..extensions import db

bp = Blueprint("public", __name__)


@bp.get("/")
@access_rule("public")
def home():
    return redirect(url_for("opportunities.catalog"))


@bp.get("/healthz")
@access_rule("public")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
