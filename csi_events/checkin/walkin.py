"""Walk-ins: a person who arrives unregistered is registered and checked in at the door."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from flask_babel import gettext as _

from ..db import utcnow
from ..errors import Conflict
from ..opportunities.models import Session
from ..registrations.models import Registration
from ..registrations.people_lookup import find_person_by_email, resolve_directory
from ..registrations.services import RegistrationInput, register
from .answers import CheckInResult, PersonShown
from .scan import Scanner, check_in
from .status import ScanStatus


@dataclass
class WalkInResult:
    registration: Registration
    result: CheckInResult
    created: bool
    matched_existing_person: bool  # the e-mail was already in the directory


def walk_in(
    session: Session,
    data: RegistrationInput,
    by: Scanner | None,
    now: datetime | None = None,
    method: Literal["walk_in", "paper"] = "walk_in",
) -> WalkInResult:
    """A person who arrives unregistered: person + registration (source walk_in, no window, no capacity) and
    the check-in, in one transaction. Someone already registered is simply checked in; a waitlisted person
    who is admitted at the door is an override (recorded). Outside the check-in window: Conflict.

    The answer shows what the facilitator typed, never what the directory holds about an address it already
    knows (its message says that the address matched an existing person). `method` is "paper" for the walk-in rows
    of a paper sign-in sheet, so reports can tell them from walk-ins typed at the door."""
    now = now or utcnow()
    matched = find_person_by_email(data.email) is not None
    outcome = register(session.opportunity, data, source="walk_in", enforce_window=False, bypass_capacity=True, now=now)
    registration = outcome.registration
    result = check_in(
        session,
        registration.ticket,
        None,
        by,
        method=method,
        override=registration.status == "waitlisted",
        now=now,
    )
    if result.status not in (ScanStatus.OK, ScanStatus.ALREADY_CHECKED_IN):
        raise Conflict(result.status.words, code=result.status.value)
    message = _("%(status)s (matched an existing person)", status=result.status.words) if matched else None
    answer = replace(result.answer, person=_as_typed(data), message=message)
    return WalkInResult(registration, replace(result, answer=answer), outcome.created, matched)


def _as_typed(data: RegistrationInput) -> PersonShown:
    lea, school = resolve_directory(data)
    return PersonShown(
        name=f"{data.first_name.strip()} {data.last_name.strip()}".strip(),
        lea=lea.name if lea is not None else None,
        school=school.name if school is not None else None,
        needs=(data.needs or "").strip() or None,
    )
