"""Users and API tokens: creation, authentication, revocation (flush only)."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime

import pyotp
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..db import utcnow
from ..errors import Conflict, Forbidden, ValidationFailed
from ..extensions import db
from ..people.addresses import undeliverable_reason
from ..people.models import normalize_email
from .models import TOKEN_SCOPES, USER_ROLES, ApiToken, User, new_session_token
from .passwords import hash_password, password_problems, verify_password

TOTP_ISSUER = "CSI Events"

TOKEN_PREFIX = "csi_"  # noqa: S105 (a visible prefix, not a secret)


def _refuse_undeliverable(email: str, field: str) -> None:
    reason = undeliverable_reason(email)
    if reason:
        raise ValidationFailed(reason, fields={field: [reason]})


def create_user(email: str, password: str, role: str, display_name: str = "") -> User:
    _refuse_undeliverable(email, "email")
    email = normalize_email(email)
    if role not in USER_ROLES:
        raise ValidationFailed(_("Unknown role."), fields={"role": [_("Choose staff, facilitator or admin.")]})
    problems = password_problems(password, (email, display_name))
    if problems:
        raise ValidationFailed(_("The password is not acceptable."), fields={"password": problems})
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(_("A user with this e-mail already exists."))
    user = User(email=email, password_hash=hash_password(password), role=role, display_name=display_name)
    db.session.add(user)
    db.session.flush()
    return user


def mark_signed_in(user: User) -> None:
    user.last_login_at = utcnow()


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


def create_api_token(
    user: User, scopes: list[str], name: str = "", expires_at: datetime | None = None, *, by: User | None = None
) -> str:
    """Returns the token once; only its hash is stored. Recorded in the audit trail (never the token)."""
    unknown = [s for s in scopes if s not in TOKEN_SCOPES]
    if unknown or not scopes:
        raise ValidationFailed(_("Scopes must be among read, write, checkin."), fields={"scope": unknown})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user=user,
        name=name,
        token_hash=hash_token(token),
        scopes=" ".join(sorted(set(scopes))),
        expires_at=expires_at,
    )
    db.session.add(row)
    db.session.flush()
    record(
        "token_created",
        actor=by,
        target=row,
        owner=user.email,
        scopes=row.scopes,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return token


def find_api_token(token: str) -> ApiToken | None:
    # The user in the same query: every API call reads both (one statement less per call).
    row = db.session.scalar(
        select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == hash_token(token))
    )
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    return row


def revoke_api_token(row: ApiToken, *, by: User | None = None) -> None:
    if row.revoked_at is not None:
        return
    row.revoked_at = utcnow()
    record("token_revoked", actor=by, target=row, owner=row.user.email)


# --- Account changes (each asks for the current password) -------------------------------------------------


def _check_current_password(user: User, current_password: str) -> None:
    if not verify_password(user.password_hash, current_password or ""):
        raise ValidationFailed(
            _("Your current password is not right."), fields={"current_password": [_("Not your current password.")]}
        )


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Sets a new password and ends every session of the user (the caller signs this browser in again)."""
    _check_current_password(user, current_password)
    problems = password_problems(new_password, (user.email, user.display_name))
    if verify_password(user.password_hash, new_password):
        problems.append(_("Choose a password different from the current one."))
    if problems:
        raise ValidationFailed(_("The new password is not acceptable."), fields={"new_password": problems})
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    record("password_changed", actor=user, target=user)


def set_password(user: User, new_password: str, *, by: User | None = None, via: str = "cli") -> None:
    """A new password without the current one: the one-time reset link (by=None, via="reset_link") or the
    command line (via="cli"). The password rules apply; every session of the user ends."""
    problems = password_problems(new_password, (user.email, user.display_name))
    if problems:
        raise ValidationFailed(_("The new password is not acceptable."), fields={"new_password": problems})
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    record("password_changed", actor=by, target=user, via=via)


def change_email(user: User, current_password: str, new_email: str) -> None:
    _check_current_password(user, current_password)
    _refuse_undeliverable(new_email, "email")
    new_email = normalize_email(new_email)
    if new_email == user.email:
        return
    if db.session.scalar(select(User.id).where(User.email == new_email, User.id != user.id)):
        raise ValidationFailed(_("This e-mail is used by another account."), fields={"email": [_("Already in use.")]})
    old = user.email
    user.email = new_email
    end_all_sessions(user)
    record("email_changed", actor=user, target=user, old=old, new=new_email)


# --- Administration -------------------------------------------------------------------------------------------


def _active_admins() -> int:
    stmt = select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    return int(db.session.scalar(stmt) or 0)


def set_role(user: User, role: str, *, by: User | None) -> None:
    """By an admin (the admin page) or by whoever runs the command line (by=None)."""
    if role not in USER_ROLES:
        raise ValidationFailed(_("Unknown role."), fields={"role": [_("Choose staff, facilitator or admin.")]})
    if role == user.role:
        return
    if by is not None and user.id == by.id:
        raise Forbidden(_("You cannot change your own role; ask another admin."))
    if user.role == "admin" and user.active and _active_admins() <= 1:
        raise Conflict(_("This is the last active admin."))
    old = user.role
    user.role = role
    end_all_sessions(user)  # the new role applies from the next sign-in, in every browser
    record("role_changed", actor=by, target=user, old=old, new=role, **({} if by else {"via": "cli"}))


def disable_user(user: User, *, by: User) -> None:
    if user.id == by.id:
        raise Forbidden(_("You cannot disable your own account."))
    if not user.active:
        return
    if user.role == "admin" and _active_admins() <= 1:
        raise Conflict(_("This is the last active admin."))
    user.active = False
    end_all_sessions(user)
    record("user_disabled", actor=by, target=user)


def enable_user(user: User, *, by: User) -> None:
    if user.active:
        return
    user.active = True
    record("user_enabled", actor=by, target=user)


# --- TOTP second factor -----------------------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def match_totp(secret: str, code: str, *, after_step: int | None = None, now: float | None = None) -> int | None:
    """The time step a 6-digit code belongs to (this one or a neighbour, for clock drift), else None.
    A step at or before after_step is refused: each code works once."""
    code = "".join((code or "").split())
    if not secret or len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = int((now if now is not None else time.time()) // totp.interval)
    for candidate in (step, step - 1, step + 1):
        if after_step is not None and candidate <= after_step:
            continue
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def verify_totp(user: User, code: str) -> bool:
    step = match_totp(user.totp_secret or "", code, after_step=user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def enable_totp(user: User, secret: str, code: str) -> None:
    step = match_totp(secret, code)
    if step is None:
        raise ValidationFailed(_("That code does not match; try the current one."), fields={"code": [_("Wrong code.")]})
    user.totp_secret = secret
    user.totp_last_step = step
    record("totp_enabled", actor=user, target=user)


def disable_totp(user: User, current_password: str, *, by: User | None = None) -> None:
    """By the user (password asked) or by an admin for a user who lost the device (by=admin)."""
    if by is None or by.id == user.id:
        _check_current_password(user, current_password)
    user.totp_secret = None
    user.totp_last_step = None
    end_all_sessions(user)
    record("totp_disabled", actor=by or user, target=user)
