"""Who is calling the API: a bearer token with scopes, or a signed-in browser with a CSRF header."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf

from ..auth.models import User
from ..auth.services import find_api_token
from ..db import utcnow
from ..errors import Forbidden, Unauthorized

# What a signed-in browser may do through the API, by role.
ROLE_SCOPES = {
    "admin": {"read", "write", "checkin"},
    "staff": {"read", "write", "checkin"},
    "facilitator": {"checkin"},
}


@dataclass
class Caller:
    user: User | None
    scopes: set[str]
    via: str  # "token" | "session" | "anonymous"

    def has(self, scope: str) -> bool:
        return scope in self.scopes


def identify_caller() -> Caller:
    header = request.headers.get("Authorization", "")
    if header:
        kind, _sep, token = header.partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise Unauthorized(_("Use the header Authorization: Bearer <token>."))
        row = find_api_token(token.strip())
        if row is None:
            raise Unauthorized(_("This token is unknown, revoked or expired."))
        now = utcnow()
        # At most once a minute: a write per call would make every scanner sharing a token wait on its row.
        if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
            row.last_used_at = now
        return Caller(row.user, row.scope_set, "token")
    if current_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except CSRFError as err:
                raise Forbidden(_("The CSRF token is missing or expired; reload the page.")) from err
            except Exception as err:  # ValidationError from wtforms
                raise Forbidden(_("The CSRF token is missing or expired; reload the page.")) from err
        return Caller(current_user._get_current_object(), ROLE_SCOPES.get(current_user.role, set()), "session")
    return Caller(None, set(), "anonymous")


def require(scope: str | None) -> Caller:
    caller = identify_caller()
    g.api_caller = caller
    if scope is None:
        return caller
    if caller.via == "anonymous":
        raise Unauthorized(_("This call needs a bearer token."))
    if not caller.has(scope):
        raise Forbidden(_("This token lacks the %(scope)s scope.", scope=scope))
    return caller
