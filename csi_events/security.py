"""Protections that hold across every page and API route: browser security headers, no caching of
personal data, and the idle and absolute timeouts of signed-in sessions.

Registered once from create_app (init_security).
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Request, current_app, flash, g, jsonify, render_template, request, session
from flask_babel import gettext as _
from flask_limiter.wrappers import LimitGroup
from flask_login import current_user, logout_user, user_logged_in
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest

from .errors import SIGNED_IN_NOW, NotFound, error_body
from .extensions import db, limiter

log = logging.getLogger(__name__)

# The Content-Security-Policy: no inline script or style, no plug-ins, no framing, no <base> tricks,
# forms post only here. A deployment may extend a directive with CSP_EXTRA, e.g. {"img-src": "https://maps.example"}.
CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "media-src": "'self' blob:",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

# Responses under these paths carry people (names, e-mails, tickets, rosters): never stored by a cache.
PERSONAL_PREFIXES = ("/staff", "/t/", "/me/", "/here", "/api/", "/auth", "/certificates", "/verify/")

SESSION_AUTH_AT = "auth_at"  # when the password (and second factor) were last checked, epoch seconds
SESSION_SEEN_AT = "seen_at"  # last request of this signed-in session, epoch seconds
_SEEN_RESOLUTION = 30  # seconds: do not rewrite the cookie on every request


def content_security_policy(app: Flask) -> str:
    directives = dict(CSP_DIRECTIVES)
    for name, extra in (app.config.get("CSP_EXTRA") or {}).items():
        directives[name] = f"{directives.get(name, '')} {extra}".strip()
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def is_personal(path: str) -> bool:
    return path.startswith(PERSONAL_PREFIXES)


def idle_timeout_seconds(user) -> int:
    config = current_app.config
    if getattr(user, "role", None) == "facilitator":
        return int(config["FACILITATOR_IDLE_TIMEOUT_MINUTES"]) * 60
    return int(config["SESSION_IDLE_TIMEOUT_MINUTES"]) * 60


def absolute_timeout_seconds() -> int:
    return int(current_app.config["SESSION_ABSOLUTE_TIMEOUT_HOURS"]) * 3600


def stamp_new_login(*_args, **_kwargs) -> None:
    now = int(time.time())
    session[SESSION_AUTH_AT] = now
    session[SESSION_SEEN_AT] = now


def rotate_csrf_token() -> None:
    """Forget this browser's CSRF token (Flask-WTF keeps the raw token in the session and caches it in `g`):
    the next form gets a new one, and a token read before a sign-in no longer validates after it."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)


def on_sign_in(*_args, **_kwargs) -> None:
    g.setdefault(SIGNED_IN_NOW, True)  # errors.py signs out again if this request then fails
    stamp_new_login()
    rotate_csrf_token()  # every login_user(): password, second factor, password reset


def enforce_session_timeouts() -> None:
    """End a signed-in session that was idle too long or began too long ago (this browser only)."""
    # Flask-Login caches the user in `g`, which lives as long as the app context: when requests share one
    # (an outer app context, as in tests or scripts), a user loaded by an earlier request would be reused
    # without re-checking the cookie. Load it afresh for every request.
    g.pop("_login_user", None)
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    now = int(time.time())
    auth_at = session.get(SESSION_AUTH_AT)
    seen_at = session.get(SESSION_SEEN_AT)
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        # Restored from a remember-me cookie (which expires with the absolute timeout): starts afresh.
        stamp_new_login()
        return
    if now - seen_at > idle_timeout_seconds(current_user) or now - auth_at > absolute_timeout_seconds():
        logout_user()
        session.pop(SESSION_AUTH_AT, None)
        session.pop(SESSION_SEEN_AT, None)
        if not request.path.startswith("/api/"):
            flash(_("Your session ended after a period of inactivity. Please sign in again."), "info")
        return
    if now - seen_at >= _SEEN_RESOLUTION:
        session[SESSION_SEEN_AT] = now


# Abuse limits for the public doors that take guesses or flood mail, per client address and endpoint
# (login, the "send me my link" form, self check-in codes and the API registration carry their own
# decorators). Override with ABUSE_RATE_LIMITS in the config. Counted in the limiter's shared storage.
ABUSE_RATE_LIMITS = {
    "registrations.register": "30 per minute",
    "registrations.ticket": "60 per minute",
    "registrations.ticket_qr": "60 per minute",
    "registrations.ticket_ics": "60 per minute",
    "registrations.ticket_cancel": "30 per minute",
    "registrations.manage": "60 per minute",
    "checkin.here_link": "30 per minute",
    "attendance.own_certificate": "30 per minute",
    "attendance.own_transcript": "30 per minute",
    "attendance.verify_certificate": "30 per minute",
}


def abuse_limit() -> str:
    table = current_app.config.get("ABUSE_RATE_LIMITS") or ABUSE_RATE_LIMITS
    return table.get(request.endpoint or "", "")


MAX_PATH_ID = 2**31 - 1  # the largest id an INTEGER column holds on every backend


def refuse_out_of_range_ids() -> None:
    """An <int:...> URL part beyond any stored id is a 404 before it reaches (and upsets) the database."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not isinstance(value, bool) and value > MAX_PATH_ID:
            raise NotFound(_("Not found."))


def handle_data_error(err: DataError):
    """A value the database refuses (out of range, wrong type) is the caller's mistake, not a server error."""
    db.session.rollback()
    log.info("value refused by the database on %s %s: %s", request.method, request.path, type(err.orig).__name__)
    message = _("A value is out of range or of the wrong kind.")
    if request.path.startswith("/api/"):
        return jsonify(error_body("invalid", message)), 422
    return render_template("errors/error.html", status=422, message=message), 422


# The only pages that take a file upload; any other request carrying a file part (e.g. a file sent in a text
# field of a public form) is refused with a 400 before a form reads it.
UPLOAD_ENDPOINTS = frozenset(
    {"attendance.zoom_import", "support.import_page", "directory.import_file", "directory.subregion_import"}
)


class FormRequest(Request):
    """The request class of the app: form bodies with a file part are refused outside UPLOAD_ENDPOINTS."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if self.files and self.endpoint not in UPLOAD_ENDPOINTS:
            raise BadRequest(_("This form does not take files."))


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.extensions["csi_csp"])
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=(), payment=()")
    hsts = int(current_app.config.get("HSTS_SECONDS") or 0)
    if hsts > 0:
        headers["Strict-Transport-Security"] = f"max-age={hsts}; includeSubDomains"
    if request.endpoint != "static" and (is_personal(request.path) or current_user.is_authenticated):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def init_security(app: Flask) -> None:
    app.request_class = FormRequest
    app.extensions["csi_csp"] = content_security_policy(app)
    app.before_request(enforce_session_timeouts)
    app.before_request(refuse_out_of_range_ids)
    app.register_error_handler(DataError, handle_data_error)
    # The limiter is one object for the process: its default limit group is set once, and only names a limit
    # for the endpoints in the abuse table (an empty string means none).
    if not limiter.limit_manager._default_limits:
        limiter.limit_manager.set_default_limits(
            [LimitGroup(limit_provider=abuse_limit, key_function=limiter._key_func)]
        )
    app.after_request(set_security_headers)
    user_logged_in.connect(on_sign_in, app)
