"""Zoom participant report import for a virtual session: checking the report against the session and
applying it (reading the file: zoom_file.py; its layouts: zoom_layouts.py; docs/zoom-import.md).

A person attended when their minutes present >= Session.attendance_threshold_pct of the session's length.

Applying: people are matched by e-mail (following merges); everyone else is offered by name (the name shown
in the meeting and the original name, regardless of accents and case) for staff to match by hand or to add as
a new person. Every check-in goes through checkin.scan.check_in with method "import", override (the import
comes after the session's window) and no nonce, so importing the same file again finds the check-ins already
made and changes nothing. A new check-in's time is the person's first Zoom
join time, not the time of the import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..checkin.scan import check_in
from ..db import utcnow
from ..extensions import db
from ..opportunities.models import Session
from ..people.models import Person, normalize_email
from ..registrations.models import Registration
from ..registrations.people_lookup import find_or_create_person, survivor
from ..registrations.services import RegistrationInput
from ..textfold import fold, folded
from .zoom_file import Attendee, normalize_name, parse_report
from .zoom_layouts import ZoomFileError

__all__ = ["ZoomFileError", "parse_report", "check_times_fit", "apply_report", "admit_by_hand", "required_minutes"]

SLACK = timedelta(hours=2)  # how far from the session a report's times may be


def check_times_fit(session: Session, attendees: list[Attendee]) -> None:
    """A report of another meeting (another day) is refused."""
    earliest = min(start for a in attendees for start, _end in a.intervals)
    latest = max(end for a in attendees for _start, end in a.intervals)
    if latest < session.starts_at - SLACK or earliest > session.ends_at + SLACK:
        raise ZoomFileError(
            _(
                "This report's times (%(start)s to %(end)s) do not overlap the session: is it for another meeting?",
                start=earliest.strftime("%Y-%m-%d %H:%M"),
                end=latest.strftime("%Y-%m-%d %H:%M"),
            )
        )


def required_minutes(session: Session) -> float:
    return (session.ends_at - session.starts_at).total_seconds() / 60 * session.attendance_threshold_pct / 100


# --- applying ------------------------------------------------------------------------------------
@dataclass
class Outcome:
    attendee: Attendee
    status: str  # "checked_in" | "already" | "below_threshold" | "unmatched" | "refused"
    person: Person | None = None
    detail: str | None = None
    candidates: list[Person] = field(default_factory=list)


def candidates_by_name(session: Session, names: list[str], limit: int = 5) -> list[Person]:
    """People with one of these names (first and last word; accents and case ignored): registered ones of the
    session's opportunity first."""
    conditions = []
    for name in names:
        parts = normalize_name(name).split(" ")
        if len(parts) < 2:
            continue
        first, last = parts[0], parts[-1]
        first_name = folded(Person.first_name)
        conditions.append(
            (folded(Person.last_name) == last)
            & or_(first_name == first, first_name.startswith(first + " ", autoescape=True))
        )
    if not conditions:
        return []
    registered = select(Registration.person_id).where(Registration.opportunity_id == session.opportunity_id)
    stmt = (
        select(Person)
        .where(Person.merged_into_id.is_(None), Person.erased_at.is_(None), or_(*conditions))
        .order_by(Person.id.in_(registered).desc(), Person.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def admit(
    session: Session, person: Person, minutes: int, by, joined_at: datetime | None = None
) -> tuple[str, str | None]:
    """Check a matched person in through the check-in service; a person without a registration gets one
    (source "import", no e-mail sent: the session is over). A new check-in is dated `joined_at` (the first
    Zoom join) when given."""
    registration = db.session.scalar(
        select(Registration).where(
            Registration.opportunity_id == session.opportunity_id, Registration.person_id == person.id
        )
    )
    if registration is None:
        registration = Registration(
            opportunity_id=session.opportunity_id,
            person_id=person.id,
            status="confirmed",
            source="import",
            confirmed_at=utcnow(),
        )
        db.session.add(registration)
        db.session.flush()
    # No nonce: a nonce is the client's (docs/security.md); importing the file again finds the check-in made.
    result = check_in(session, registration.ticket, None, by, method="import", override=True)
    if result.status == "ok":
        if result.checkin is not None and not result.replayed:
            result.checkin.minutes_present = minutes
            if joined_at is not None:
                result.checkin.checked_in_at = joined_at.astimezone(UTC)
        return ("already" if result.replayed else "checked_in"), None
    if result.status == "already_checked_in":
        if result.checkin is not None and result.checkin.minutes_present is None:
            result.checkin.minutes_present = minutes
        return "already", None
    from ..checkin.scan import status_message

    return "refused", status_message(result.status)


def apply_report(session: Session, attendees: list[Attendee], by) -> list[Outcome]:
    """Check in everyone matched by e-mail who reached the threshold; the rest is returned for review."""
    needed = required_minutes(session)
    emails = [a.email for a in attendees if a.email]
    by_email = {}
    if emails:
        by_email = {p.email: p for p in db.session.scalars(select(Person).where(Person.email.in_(emails)))}
    outcomes = []
    for attendee in sorted(attendees, key=lambda a: fold(a.name)):
        person = survivor(by_email.get(attendee.email)) if attendee.email else None
        if attendee.minutes < needed:
            outcomes.append(Outcome(attendee, "below_threshold", person))
            continue
        if person is None:
            outcomes.append(
                Outcome(attendee, "unmatched", None, candidates=candidates_by_name(session, attendee.names))
            )
            continue
        status, detail = admit(session, person, attendee.minutes, by, attendee.joined_at)
        outcomes.append(Outcome(attendee, status, person, detail))
    return outcomes


def admit_by_hand(
    session: Session, person_id: int | None, new: dict | None, minutes: int, by, joined_at: datetime | None = None
) -> tuple[str, str | None]:
    """Staff matched an unmatched row to `person_id`, or asked to add a new person (`new`: first_name,
    last_name, email). `joined_at`: the row's first Zoom join, the check-in's time."""
    if minutes < required_minutes(session):
        return "below_threshold", None
    if person_id is not None:
        person = survivor(db.session.get(Person, person_id))
        if person is None:
            return "refused", _("No such person.")
    elif new is None:
        return "refused", _("No such person.")
    else:
        data = RegistrationInput(
            first_name=new["first_name"].strip(),
            last_name=new["last_name"].strip(),
            email=normalize_email(new["email"]),
            role="other",
        )
        person = survivor(find_or_create_person(data, None, None))
        db.session.flush()
    return admit(session, person, minutes, by, joined_at)
