"""Domain errors, and how they reach people: an HTML page, or the API's JSON error body."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify, render_template, request, session
from flask_babel import gettext as _
from flask_login import logout_user
from werkzeug.exceptions import HTTPException

from .observability.request_id import current_request_id

log = logging.getLogger(__name__)

SIGNED_IN_NOW = "signed_in_by_this_request"  # set in `g` by a sign-in (security.py)


class DomainError(Exception):
    """A rule said no. Carries an HTTP status, a stable code and a message for people."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class ValidationFailed(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The API's error body; `request_id` is the X-Request-ID of the answer (to quote; it is in the logs)."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    request_id = current_request_id()
    if request_id is not None:
        body["request_id"] = request_id
    return {"error": body}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(err: DomainError):
        if wants_json():
            return jsonify(error_body(err.code, err.message, err.fields)), err.status
        return render_template("errors/error.html", status=err.status, message=err.message), err.status

    @app.errorhandler(HTTPException)
    def handle_http(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        message = err.description or err.name
        if wants_json():
            response = jsonify(error_body(code, message))
            response.status_code = err.code or 500
            valid_methods = getattr(err, "valid_methods", None)
            if err.code == 405 and valid_methods:
                response.headers["Allow"] = ", ".join(valid_methods)
            return response
        return render_template("errors/error.html", status=err.code, message=message), err.code

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        if g.get(SIGNED_IN_NOW):  # never leave someone signed in by a request that failed
            logout_user()
            session.clear()
        error_id = current_request_id()
        log.exception("unhandled error %s on %s %s", error_id, request.method, request.path)
        message = _("Something went wrong on our side. Please quote error %(id)s if you contact us.", id=error_id)
        if wants_json():
            return jsonify(error_body("server_error", message)), 500
        return render_template("errors/error.html", status=500, message=message), 500
