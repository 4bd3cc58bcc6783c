"""Who is calling the API: a bearer token with scopes, or a signed-in browser with a CSRF header.

A token's effective scopes are its own scopes limited by what its owner's current role allows
(ROLE_SCOPES: a facilitator's token can only check in, whatever it was created with), and nothing once the
owner is disabled (docs/security.md, "Tokens and links").

Bearer tokens are looked up once, then kept for API_TOKEN_CACHE_SECONDS (default 5) in a small per-process
cache keyed by the token's hash, so that a scanner firing several requests a second costs no token query
each time. Revoking a token, changing its expiry or scopes, or disabling or re-roling its user through the
ORM empties this process's cache at once (when the change is made and again when it is committed, so that a
lookup in between cannot keep the old rights); another process (another gunicorn worker, the CLI) applies a
revocation, a role change or a disable within API_TOKEN_CACHE_SECONDS at most. Set it to 0 to look the
token up on every call. The expiry is checked on every call, cached or not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol, cast

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import Table, bindparam, event, update
from sqlalchemy.orm import Session, object_session

from ..auth.models import STAFF_ROLES, ApiToken, User
from ..auth.services import find_api_token, hash_token
from ..db import utcnow
from ..errors import Forbidden, Unauthorized
from ..extensions import db

# The most a caller may do through the API, by role: all a signed-in browser gets, and the limit of a token.
ROLE_SCOPES = {
    "admin": {"read", "write", "checkin", "metrics"},
    "staff": {"read", "write", "checkin", "metrics"},
    "facilitator": {"checkin"},
}
# last_used_at is written at most this often: a write per call would make every scanner sharing a token
# wait on its row.
LAST_USED_EVERY = timedelta(minutes=1)
CACHE_MAX_ENTRIES = 1024

Via = Literal["token", "session", "anonymous"]


def effective_scopes(scopes: set[str] | frozenset[str], role: str, active: bool) -> frozenset[str]:
    """What a token may do now: its scopes within its owner's current role; nothing for a disabled owner."""
    if not active:
        return frozenset()
    return frozenset(scopes) & frozenset(ROLE_SCOPES.get(role, ()))


class Actor(Protocol):
    """Who acts, as the rules and the audit trail see them: a User, or a TokenIdentity (no ORM row)."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...

    @property
    def is_staff(self) -> bool: ...

    @property
    def label(self) -> str: ...


@dataclass(frozen=True)
class TokenIdentity:
    """What a valid bearer token says about its caller, without the ORM: enough for the rules that only need
    the user's id and role (check-in, audit records). `Caller.user` loads the User row when a view needs it."""

    token_id: int
    user_id: int
    role: str
    label: str
    scopes: frozenset[str]  # effective: already limited by the role (effective_scopes)
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


_CLEAR_AT_COMMIT = "clear_token_cache_at_commit"


def clear_token_cache(*_args, **_kwargs) -> None:
    _token_cache.clear()


def _rights_changed(target, *_args, **_kwargs) -> None:
    """Drop every cached token now, and again when the change commits: a lookup made in between (by another
    thread, before the commit) read the old rights and may have cached them."""
    _token_cache.clear()
    session = object_session(target)
    if session is not None:
        session.info[_CLEAR_AT_COMMIT] = True


@event.listens_for(Session, "after_commit")
def _clear_after_commit(session: Session) -> None:
    if session.info.pop(_CLEAR_AT_COMMIT, False):
        _token_cache.clear()


# Any in-process change that could end or narrow a token's rights drops every cached token at once.
for _attribute in (ApiToken.revoked_at, ApiToken.expires_at, ApiToken.scopes, ApiToken.user_id, User.active, User.role):
    event.listen(_attribute, "set", _rights_changed)
event.listen(ApiToken, "after_delete", _rights_changed)
event.listen(User, "after_delete", _rights_changed)

_TOUCH_TOKEN = (
    update(cast(Table, ApiToken.__table__))
    .where(ApiToken.__table__.c.id == bindparam("token_id"))
    .values(last_used_at=bindparam("used_at"))
)


@dataclass
class Caller:
    """The caller of one API request: its effective scopes, how it identified itself, and who it is
    (`user`, loaded on first use for a token; `actor`, the rules' view of the user, without a query)."""

    scopes: frozenset[str]
    via: Via
    identity: TokenIdentity | None = None
    _user: User | None = field(default=None, repr=False)

    @property
    def user(self) -> User | None:
        if self._user is None and self.identity is not None:
            self._user = db.session.get(User, self.identity.user_id)
        return self._user

    @property
    def actor(self) -> Actor | None:
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
        return Caller(identity.scopes, "token", identity)
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
        effective_scopes(row.scope_set, user.role, user.active),
        row.expires_at,
        row.last_used_at,
        time.monotonic() + ttl,
    )
    if ttl > 0:
        _remember(key, identity)
    return Caller(identity.scopes, "token", identity, user)


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
        user = current_user._get_current_object()
        return Caller(frozenset(ROLE_SCOPES.get(user.role, ())), "session", None, user)
    return Caller(frozenset(), "anonymous")


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
