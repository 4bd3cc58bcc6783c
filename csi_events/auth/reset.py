""" "Forgot password": a one-time link (links.PURPOSES["reset"], 30 minutes, auth/onetime.py) e-mailed through
the outbox to an active account; the page it opens sets a new password under the password rules and ends every
session of the account (User.session_token rotates). The link also names a fingerprint of the password hash it
was made for, so it stops working once the password changed by any path. Flush only; the caller commits.
Asking answers the same whether or not the address has an account (the views)."""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from sqlalchemy import select

from .. import outbox
from ..extensions import db
from ..links import LinkInvalid, read_token
from ..people.models import normalize_email
from .models import User
from .onetime import LINK_ID_KEY, consume_once_token, link_was_used, make_once_token
from .services import set_password
from .throttle import note_success

PURPOSE = "reset"


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User) -> str:
    return make_once_token(PURPOSE, {"u": user.id, "f": _fingerprint(user)})


def request_password_reset(email: str) -> bool:
    """Queue the e-mail with a reset link when an active account has this address. The caller answers the
    same either way; the return value is for tests and logs."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None or not user.active:
        return False
    path = url_for("auth.password_reset", token=reset_token(user))
    outbox.enqueue(db.session, "password_reset", user_id=user.id, url=f"{current_app.config['BASE_URL']}{path}")
    return True


def reset_link_user(token: str) -> User:
    """The account a valid, unused link names; LinkInvalid(expired=...) otherwise (nothing is used up)."""
    data = read_token(PURPOSE, token)
    if not isinstance(data, dict) or link_was_used(PURPOSE, str(data.get(LINK_ID_KEY))):
        raise LinkInvalid(expired=False)
    user_id = data.get("u")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        raise LinkInvalid(expired=False)
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set the new password through a reset link, using the link up. A password the rules refuse raises
    ValidationFailed and leaves the link usable; an invalid, used or expired link raises LinkInvalid (a
    concurrent use of the same link too: the caller rolls back)."""
    user = reset_link_user(token)
    set_password(user, new_password, via="reset_link")
    consume_once_token(PURPOSE, token)
    note_success(user)  # the mailbox proved who this is: a sign-in pause ends too
    return user
