"""The API blueprint `bp` under /api/v1. Its routes are in api/<feature>.py, declared with spec.route."""

from __future__ import annotations

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer calls carry no CSRF token; cookie calls are checked in api.auth
