"""Paper check-in, typed in after the session: the people ticked on the printed sheet are checked in through the
same check-in service as a scan (method "paper", the person who recorded it, the session's start as the attendance
time), and the walk-in rows through the walk-in service. Who recorded them and when is in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ..audit.services import record
from ..checkin.services import WalkInResult, check_in, walk_in
from ..extensions import db
from ..opportunities.models import Session
from ..registrations.models import Registration
from ..registrations.services import RegistrationInput

PAPER_METHODS = ("paper",)
MAX_BULK = 1000  # registrations marked in one call


@dataclass(frozen=True)
class Refusal:
    id: int
    status: str


@dataclass
class BulkOutcome:
    checked_in: list[int] = field(default_factory=list)  # registration ids
    already: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def attendance_time(session: Session) -> datetime:
    """The time a paper check-in is recorded at: the session's start, kept inside its check-in window."""
    opens, closes = session.checkin_window
    return max(opens, min(session.starts_at, closes))


def mark_present(session: Session, registration_ids: list[int], by, method: str = "paper") -> BulkOutcome:
    """Check in each registration (of this session's opportunity) as present. Ids that are unknown, of another
    opportunity, cancelled or waitlisted are refused with the scan's status; people already checked in stay as
    they were. Flush only."""
    if method not in PAPER_METHODS:
        raise ValueError(f"unknown bulk check-in method {method}")
    wanted = list(dict.fromkeys(registration_ids))
    found = db.session.execute(select(Registration.id, Registration.ticket).where(Registration.id.in_(wanted)))
    tickets = dict(found.tuples().all())
    moment = attendance_time(session)
    outcome = BulkOutcome()
    for registration_id in wanted:
        ticket = tickets.get(registration_id)
        if ticket is None:
            outcome.refused.append(Refusal(registration_id, "invalid"))
            continue
        result = check_in(session, ticket, None, by, method=method, now=moment)
        if result.status == "ok":
            outcome.checked_in.append(registration_id)
        elif result.status == "already_checked_in":
            outcome.already.append(registration_id)
        else:
            outcome.refused.append(Refusal(registration_id, result.status))
    record(
        "paper_checkins_recorded",
        actor=by,
        target_type="sessions",
        target_id=session.id,
        method=method,
        attendance_at=moment.isoformat(),
        checked_in=outcome.checked_in,
        already=outcome.already,
        refused=[{"id": r.id, "status": r.status} for r in outcome.refused],
    )
    return outcome


def record_walk_ins(session: Session, rows: list[RegistrationInput], by) -> list[WalkInResult]:
    """The walk-in rows of a paper sheet: each registered (if new, source walk_in) and checked in at the session's
    start with method "paper", through the walk-in service. A row it refuses raises (errors.Conflict); the caller rolls the whole form back. Flush only."""
    moment = attendance_time(session)
    results = [walk_in(session, row, by, now=moment, method="paper") for row in rows]
    record(
        "paper_walk_ins_recorded",
        actor=by,
        target_type="sessions",
        target_id=session.id,
        attendance_at=moment.isoformat(),
        registrations=[r.registration.id for r in results],
    )
    return results
