"""Who is calling the API: a bearer token with scopes, or a signed-in browser with a CSRF header.

Bearer tokens are looked up once, then kept for API_TOKEN_CACHE_SECONDS (default 5) in a small per-process
cache keyed by the token's hash, so that a scanner firing several requests a second costs no token query
each time. Revoking a token, changing its expiry or scopes, or disabling or re-roling its user through the
ORM empties this process's cache at once; another process (another gunicorn worker, the CLI) stops
accepting a revoked token within API_TOKEN_CACHE_SECONDS at most. Set it to 0 to look the token up on every
call. The expiry is checked on every call, cached or not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import Table, bindparam, event, update

from ..auth.models import STAFF_ROLES, ApiToken, User
from ..auth.services import find_api_token, hash_token
from ..db import utcnow
from ..errors import Forbidden, Unauthorized
from ..extensions import db

# What a signed-in browser may do through the API, by role.
ROLE_SCOPES = {
    "admin": {"read", "write", "checkin"},
    "staff": {"read", "write", "checkin"},
    "facilitator": {"checkin"},
}
# last_used_at is written at most this often: a write per call would make every scanner sharing a token
# wait on its row.
LAST_USED_EVERY = timedelta(minutes=1)
CACHE_MAX_ENTRIES = 1024


@dataclass(frozen=True)
class TokenIdentity:
    """What a valid bearer token says about its caller, without the ORM: enough for the rules that only need
    the user's id and role (check-in, audit records). `Caller.user` loads the User row when a view needs it."""

    token_id: int
    user_id: int
    role: str
    label: str
    scopes: frozenset[str]
    expires_at: datetime | None
    last_used_at: datetime | None
    cached_until: float  # time.monotonic()

    is_authenticated = True

    @property
    def id(self) -> int:
        return self.user_id

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES  # the same rule as User.is_staff


_token_cache: dict[str, TokenIdentity] = {}


def clear_token_cache(*_args, **_kwargs) -> None:
    _token_cache.clear()


# Any in-process change that could end or narrow a token's rights drops every cached token at once.
for _attribute in (ApiToken.revoked_at, ApiToken.expires_at, ApiToken.scopes, ApiToken.user_id, User.active, User.role):
    event.listen(_attribute, "set", clear_token_cache)
event.listen(ApiToken, "after_delete", clear_token_cache)
event.listen(User, "after_delete", clear_token_cache)

_TOUCH_TOKEN = (
    update(cast(Table, ApiToken.__table__))
    .where(ApiToken.__table__.c.id == bindparam("token_id"))
    .values(last_used_at=bindparam("used_at"))
)


class Caller:
    """The caller of one API request: `.user` (User or None), `.scopes`, `.via` ("token" | "session" |
    "anonymous") and `.actor` (the user or its TokenIdentity: id, role, is_staff, label, is_authenticated)."""

    def __init__(self, user: User | None, scopes: set[str], via: str, identity: TokenIdentity | None = None):
        self._user = user
        self.scopes = set(scopes)
        self.via = via
        self.identity = identity

    @property
    def user(self) -> User | None:
        if self._user is None and self.identity is not None:
            self._user = db.session.get(User, self.identity.user_id)
        return self._user

    @property
    def actor(self):
        return self.identity if self.identity is not None else self._user

    def has(self, scope: str) -> bool:
        return scope in self.scopes


def _token_caller(token: str) -> Caller:
    ttl = current_app.config.get("API_TOKEN_CACHE_SECONDS", 5)
    key = hash_token(token)
    now = utcnow()
    identity = _token_cache.get(key) if ttl > 0 else None
    if identity is not None and identity.cached_until > time.monotonic():
        if identity.expires_at is not None and identity.expires_at <= now:
            _token_cache.pop(key, None)
            raise Unauthorized(_("This token is unknown, revoked or expired."))
        if identity.last_used_at is None or now - identity.last_used_at > LAST_USED_EVERY:
            db.session.execute(_TOUCH_TOKEN, {"token_id": identity.token_id, "used_at": now})
            identity = _remember(key, identity, last_used_at=now)
        return Caller(None, set(identity.scopes), "token", identity)
    row = find_api_token(token)
    if row is None:
        _token_cache.pop(key, None)
        raise Unauthorized(_("This token is unknown, revoked or expired."))
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
        row.last_used_at = now
    user = row.user
    identity = TokenIdentity(
        row.id,
        user.id,
        user.role,
        user.label,
        frozenset(row.scope_set),
        row.expires_at,
        row.last_used_at,
        time.monotonic() + ttl,
    )
    if ttl > 0:
        _remember(key, identity)
    return Caller(user, set(identity.scopes), "token", identity)


def _remember(key: str, identity: TokenIdentity, **changes) -> TokenIdentity:
    if changes:
        identity = TokenIdentity(**{**identity.__dict__, **changes})
    if len(_token_cache) >= CACHE_MAX_ENTRIES:
        _token_cache.clear()
    _token_cache[key] = identity
    return identity


def identify_caller() -> Caller:
    header = request.headers.get("Authorization", "")
    if header:
        kind, _sep, token = header.partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise Unauthorized(_("Use the header Authorization: Bearer <token>."))
        return _token_caller(token.strip())
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
