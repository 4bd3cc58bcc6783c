"""The JSON API under /api/v1 (contract: API.md). Feature routes live in api/<feature>.py."""

from __future__ import annotations

import importlib

from flask import Flask

from ..extensions import csrf
from .blueprint import bp

# Modules that add routes to the API blueprint.
API_MODULES = ("meta", "directory", "opportunities", "registrations", "checkin", "door", "attendance", "support")


def register_api(app: Flask) -> None:
    for name in API_MODULES:
        importlib.import_module(f".{name}", __name__)
    csrf.exempt(bp)  # bearer calls carry no CSRF token; cookie calls are checked in api.auth
    app.register_blueprint(bp)
