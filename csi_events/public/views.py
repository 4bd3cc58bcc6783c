"""Home and the health check."""

from flask import Blueprint, jsonify, redirect, url_for
from sqlalchemy import text

from ..extensions import db

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return redirect(url_for("opportunities.catalog"))


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


home.access_rule = "public"
healthz.access_rule = "public"
