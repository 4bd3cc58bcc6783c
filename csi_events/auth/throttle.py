"""Failed sign-ins counted per account (the per-address limit is Flask-Limiter's, in auth/views.py).

A slow guess against one account from many addresses meets a delay that grows, never a permanent lock:
the first FREE_FAILURES wrong passwords (or second-step codes) in a row cost nothing; the one that reaches
FREE_FAILURES pauses sign-in to the account for FIRST_PAUSE, and each further wrong try after a pause has ended
doubles it, up to MAX_PAUSE. While paused, every try is refused with the same answer whatever the password
(the password is still hashed, so the answer takes as long), and it is not counted, so nobody can stretch a
pause by hammering. A successful sign-in sets the count back to zero. The owner gets one e-mail (outbox) when a
run of failures first pauses the account. The count lives in the users table, so every process shares it;
the increment is one UPDATE, so concurrent failures each count. docs/security.md lists these numbers.

Services flush only; the caller commits. `now` may be passed (tests move time that way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from .. import outbox
from ..db import utcnow
from ..extensions import db
from ..people.models import normalize_email
from .models import User
from .passwords import hash_password, needs_rehash, verify_password

FREE_FAILURES = 5
FIRST_PAUSE = timedelta(minutes=1)
MAX_PAUSE = timedelta(hours=1)


@dataclass(frozen=True)
class SignInCheck:
    """The result of checking an e-mail and password: `user` when both are right and sign-in is allowed;
    `paused` when the account exists but is paused (the answer adds "try again later")."""

    user: User | None
    paused: bool = False


def pause_after(failures: int) -> timedelta:
    """How long sign-in is paused after this many failures in a row (nothing below FREE_FAILURES)."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES, 12)  # 2**12 minutes is far beyond the cap already
    return min(FIRST_PAUSE * (2**doublings), MAX_PAUSE)


def is_paused(user: User, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return user.login_paused_until is not None and user.login_paused_until > now


def note_failure(user: User, now: datetime | None = None) -> timedelta:
    """Count one wrong password or code for the account (not while it is paused); returns the pause it
    starts (zero when none). Queues the owner's e-mail when this failure is the one that first pauses it."""
    now = now or utcnow()
    if is_paused(user, now):
        return timedelta(0)
    failures = db.session.scalar(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    )
    failures = int(failures or 0)
    set_committed_value(user, "failed_logins", failures)  # the database's count, not written back
    pause = pause_after(failures)
    if pause:
        user.login_paused_until = now + pause
        if failures == FREE_FAILURES:
            outbox.enqueue(db.session, "login_paused", user_id=user.id, failures=failures)
    db.session.flush()
    return pause


def note_success(user: User) -> None:
    user.failed_logins = 0
    user.login_paused_until = None


def check_sign_in(email: str, password: str, now: datetime | None = None) -> SignInCheck:
    """Check an e-mail and password against the accounts, counting a wrong password for a known account.
    The same hashing work happens whether or not the account exists or is paused (no timing hint)."""
    now = now or utcnow()
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        hash_password(password)
        return SignInCheck(None)
    right = verify_password(user.password_hash, password)
    if is_paused(user, now):
        return SignInCheck(None, paused=True)
    if not user.active:
        return SignInCheck(None)
    if not right:
        return SignInCheck(None, paused=bool(note_failure(user, now)))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return SignInCheck(user)
