"""The self check-in kiosk of one session. Staff or a facilitator opens it; the tablet gets a device link whose
secret (256 random bits) is shown once and kept only as its SHA-256. The link opens nothing but this session's
kiosk: no staff sign-in, no roster, no other session. It ends when the session's check-in window closes, or
earlier when revoked. A scan goes through the check-in service (method "kiosk") and its answer names only the
person's first name."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record
from ..checkin.services import check_in, parse_ticket
from ..db import utcnow
from ..extensions import db
from ..opportunities.models import Session
from ..people.models import Person
from ..registrations.models import Registration
from .models import KioskLink

# Statuses whose answer may greet the person by first name.
GREETED = ("ok", "already_checked_in")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_kiosk(session: Session, by) -> tuple[KioskLink, str]:
    """A new device link for the session: (its row, its secret, to show once). Flush only."""
    token = secrets.token_urlsafe(32)
    link = KioskLink(session_id=session.id, token_hash=hash_token(token), created_by_id=getattr(by, "id", None))
    db.session.add(link)
    db.session.flush()
    record("kiosk_opened", actor=by, target=link, session_id=session.id)
    return link, token


def revoke_kiosk(link: KioskLink, by, now: datetime | None = None) -> None:
    if link.revoked_at is None:
        link.revoked_at = now or utcnow()
        link.revoked_by_id = getattr(by, "id", None)
        record("kiosk_revoked", actor=by, target=link, session_id=link.session_id)


def kiosk_is_live(link: KioskLink, now: datetime) -> bool:
    """Not revoked and its session's check-in window not over."""
    return link.revoked_at is None and now <= link.session.checkin_window[1]


def kiosk_for_token(token: str, now: datetime | None = None) -> KioskLink | None:
    """The live kiosk this secret opens, else None (unknown, revoked, or its check-in window is over)."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(KioskLink).where(KioskLink.token_hash == hash_token(token)))
    if link is None or not kiosk_is_live(link, now or utcnow()):
        return None
    return link


def live_kiosks(session: Session, now: datetime | None = None) -> list[KioskLink]:
    now = now or utcnow()
    links = db.session.scalars(
        select(KioskLink)
        .where(KioskLink.session_id == session.id, KioskLink.revoked_at.is_(None))
        .order_by(KioskLink.id)
    )
    return [link for link in links if kiosk_is_live(link, now)]


@dataclass(frozen=True)
class KioskAnswer:
    """All a kiosk is told: the status, the first name (only when the person is checked in) and a plain message."""

    status: str
    first_name: str | None
    message: str

    def as_json(self) -> dict:
        return {"status": self.status, "first_name": self.first_name, "message": self.message}


def kiosk_check_in(link: KioskLink, ticket: str | None, nonce: str | None, scanned_at: datetime | None) -> KioskAnswer:
    """Check a ticket in at this kiosk's session. The same nonce again gives the same answer. Flush only."""
    result = check_in(link.session, ticket, nonce, None, method="kiosk", scanned_at=scanned_at)
    first_name = _first_name(ticket) if result.status in GREETED else None
    return KioskAnswer(result.status, first_name, kiosk_message(result.status, first_name))


def _first_name(ticket: str | None) -> str | None:
    token = parse_ticket(ticket)
    if token is None:
        return None
    stmt = select(Person.first_name).join(Registration, Registration.person_id == Person.id)
    return db.session.scalar(stmt.where(Registration.ticket == token))


def kiosk_message(status: str, first_name: str | None) -> str:
    """What the kiosk says: a welcome by first name, or a plain problem with what to do."""
    if status == "ok":
        return _("Welcome, %(name)s!", name=first_name) if first_name else _("Welcome!")
    if status == "already_checked_in":
        return _("Welcome back, %(name)s! You are already checked in.", name=first_name or "")
    return {
        "invalid": _("This code is not a ticket we know. Please see the front desk."),
        "canceled": _("This registration was cancelled. Please see the front desk."),
        "wrong_session": _("This ticket is for another event. Please see the front desk."),
        "waitlisted": _("You are on the waitlist. Please see the front desk."),
        "not_open": _("Check-in is not open right now. Please see the front desk."),
    }.get(status, _("Please see the front desk."))
