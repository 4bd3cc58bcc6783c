"""Walk-ins: a person who arrives unregistered is registered and checked in at the door."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..auth.models import User
from ..db import utcnow
from ..errors import Conflict
from ..opportunities.models import Session
from ..registrations.models import Registration
from ..registrations.services import RegistrationInput, register
from .scan import CheckInResult, check_in, status_message


@dataclass
class WalkInResult:
    registration: Registration
    result: CheckInResult
    created: bool


def walk_in(session: Session, data: RegistrationInput, by: User | None, now: datetime | None = None) -> WalkInResult:
    """A person who arrives unregistered: person + registration (source walk_in, no window, no capacity) and
    the check-in, in one transaction. Someone already registered is simply checked in; a waitlisted person
    who is admitted at the door is an override (recorded). Outside the check-in window: Conflict."""
    now = now or utcnow()
    outcome = register(session.opportunity, data, source="walk_in", enforce_window=False, bypass_capacity=True, now=now)
    registration = outcome.registration
    result = check_in(
        session,
        registration.ticket,
        None,
        by,
        method="walk_in",
        override=registration.status == "waitlisted",
        now=now,
    )
    if result.status not in ("ok", "already_checked_in"):
        raise Conflict(status_message(result.status), code=result.status)
    return WalkInResult(registration, result, outcome.created)
