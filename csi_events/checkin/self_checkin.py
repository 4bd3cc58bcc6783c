"""Virtual sessions: attendees check themselves in with the session's short code or a signed "I'm here" link."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ..db import utcnow
from ..extensions import db
from ..links import make_token
from ..opportunities.models import Session
from ..people.models import Person, normalize_email
from ..registrations.models import Registration
from .scan import CheckInResult, check_in, checkin_window_open

# Self check-in codes: no 0/O, 1/I/L, so they read aloud and type cleanly.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def ensure_self_checkin_code(session: Session) -> str:
    """The session's short self check-in code, made on first request."""
    if not session.self_checkin_code:
        session.self_checkin_code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        db.session.flush()
    return session.self_checkin_code


def normalize_code(code: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())


def self_check_in_with_code(email: str, code: str, now: datetime | None = None) -> CheckInResult | None:
    """An attendee checks themself in with their e-mail and the session's code. None when the code is not
    valid now (unknown, or outside its session's check-in window) or the e-mail holds no registration."""
    now = now or utcnow()
    code = normalize_code(code)
    if len(code) != CODE_LENGTH:
        return None
    sessions = db.session.scalars(select(Session).where(Session.self_checkin_code == code)).all()
    email = normalize_email(email)
    for session in sessions:
        if not checkin_window_open(session, now):
            continue
        ticket = db.session.scalar(
            select(Registration.ticket)
            .join(Person, Person.id == Registration.person_id)
            .where(Registration.opportunity_id == session.opportunity_id, Person.email == email)
        )
        if ticket:
            return check_in(session, ticket, None, None, method="self", now=now)
    return None


def self_check_in_with_link(registration_id: int, session_id: int, now: datetime | None = None):
    """The "I'm here" link: (session, result) or None when the link's registration/session do not match."""
    session = db.session.get(Session, session_id)
    registration = db.session.get(Registration, registration_id)
    if session is None or registration is None or registration.opportunity_id != session.opportunity_id:
        return None
    return session, check_in(session, registration.ticket, None, None, method="self", now=now)


def here_url(registration_id: int, session_id: int) -> str:
    """The signed "I'm here" link for a reminder e-mail (valid for the session's check-in window)."""
    token = make_token("here", {"r": registration_id, "s": session_id})
    return f"{current_app.config['BASE_URL']}/here/{token}"
