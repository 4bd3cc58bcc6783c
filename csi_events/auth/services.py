"""Users and API tokens: creation, authentication, revocation (flush only)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import utcnow
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..people.models import normalize_email
from .models import TOKEN_SCOPES, USER_ROLES, ApiToken, User, new_session_token
from .passwords import hash_password, password_problems, verify_password

TOKEN_PREFIX = "csi_"  # noqa: S105 (a visible prefix, not a secret)


def create_user(email: str, password: str, role: str, display_name: str = "") -> User:
    email = normalize_email(email)
    if role not in USER_ROLES:
        raise ValidationFailed(_("Unknown role."), fields={"role": [_("Choose staff, facilitator or admin.")]})
    problems = password_problems(password)
    if problems:
        raise ValidationFailed(_("The password is not acceptable."), fields={"password": problems})
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(_("A user with this e-mail already exists."))
    user = User(email=email, password_hash=hash_password(password), role=role, display_name=display_name)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        hash_password(password)  # same work either way: no timing hint that the account exists
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def end_all_sessions(user: User) -> None:
    """Every cookie minted before this call stops working (logout, password change, disable)."""
    user.session_token = new_session_token()


def load_user_from_cookie_id(value: str) -> User | None:
    user_id, _sep, token = value.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, scopes: list[str], name: str = "", expires_at: datetime | None = None) -> str:
    """Returns the token once; only its hash is stored."""
    unknown = [s for s in scopes if s not in TOKEN_SCOPES]
    if unknown or not scopes:
        raise ValidationFailed(_("Scopes must be among read, write, checkin."), fields={"scope": unknown})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user=user,
            name=name,
            token_hash=hash_token(token),
            scopes=" ".join(sorted(set(scopes))),
            expires_at=expires_at,
        )
    )
    db.session.flush()
    return token


def find_api_token(token: str) -> ApiToken | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    return row


def revoke_api_token(row: ApiToken) -> None:
    row.revoked_at = utcnow()
