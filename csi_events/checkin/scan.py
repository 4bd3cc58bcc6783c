"""Check-in rules: one service decides every check-in (scanner, search, walk-ins, API, offline sync, imports).

A scan, in one transaction (services flush; the caller commits):
  1. read the ticket: its registration, person, this person's check-in for the session, the counts (one statement);
  2. with a nonce, claim it (nonces.py): a nonce already used gives its first answer back, and nothing else happens
     (claimed after the read, so that SQLite's write lock, taken by the claim, is held for the writes only);
  3. decide by the rules, in order (decide());
  4. when admitted, insert the check-in (or revive an undone one). The unique index on (session, person) settles
     two devices scanning one person at once: the second finds the first one's check-in (already checked in);
  5. count the session's check-ins, and keep the answer under the nonce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Boolean, Integer, and_, bindparam, func, select, text

from ..audit.services import record
from ..auth.access import can_manage_opportunity_id, facilitates, may_manage
from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..directory.models import Lea, School
from ..extensions import db
from ..observability.metrics import CHECKINS, count_at_commit
from ..opportunities.models import LearningOpportunity, Session
from ..people.models import Person
from ..registrations.models import Registration
from . import nonces
from .answers import Answer, CheckInResult, CheckInShown, Counts, PersonShown
from .models import CHECKIN_METHODS, CheckIn
from .status import ScanStatus, status_message, wrong_session_words

__all__ = ["CheckInResult", "ScanOutcome", "ScanStatus", "check_in", "scan", "status_message"]

# A ticket token as minted by registrations.models.new_ticket (URL-safe base64), with room to spare.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")
# A scan time sent by an offline device is trusted back to this far.
MAX_OFFLINE_AGE = timedelta(days=2)


class Scanner(Protocol):
    """Who scans: a signed-in User, or the identity of an API token."""

    @property
    def id(self) -> int: ...

    @property
    def label(self) -> str: ...


@dataclass(frozen=True)
class ScanOutcome:
    """The API's scan: the session (None: no such session), whether the caller may check people in for it, and the
    result (None when not allowed)."""

    session: Session | None
    allowed: bool
    result: CheckInResult | None


def parse_ticket(value: str | None) -> str | None:
    """The token from a bare token or a ticket URL (any host, path ending in /t/<token>)."""
    text_ = (value or "").strip()
    if "/t/" in text_:
        text_ = text_.rsplit("/t/", 1)[1]
        text_ = text_.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return text_ if _TOKEN.fullmatch(text_) else None


def checkin_window_open(session: Session, moment: datetime) -> bool:
    opens, closes = session.checkin_window
    return opens <= moment <= closes


def may_check_in(user: Any, session: Session) -> bool:
    """Who may check people in for a session: whoever manages its opportunity (auth/access.py)."""
    return can_manage_opportunity_id(user, session.opportunity_id)


# The session, and whether the user facilitates its opportunity (the right to check in, auth/access.py).
_READ_SESSION = select(Session, facilitates(bindparam("user_id"), Session.opportunity_id).label("facilitates")).where(
    Session.id == bindparam("session_id")
)


def scan(
    session_id: int,
    user: Any,
    ticket: str | None,
    nonce: str | None,
    method: str = "qr",
    override: bool = False,
    scanned_at: datetime | None = None,
) -> ScanOutcome:
    """The API's scan: the session, the caller's right to check in for it, then check_in(). Flush only."""
    found = db.session.execute(_READ_SESSION, {"session_id": session_id, "user_id": getattr(user, "id", None)}).first()
    if found is None:
        return ScanOutcome(None, False, None)
    session = found.Session
    if not may_manage(user, found.facilitates):
        return ScanOutcome(session, False, None)
    return ScanOutcome(session, True, check_in(session, ticket, nonce, user, method, override, scanned_at))


def check_in(  # noqa: C901 -- the scan rules, the nonce and two write paths; its rewrite (issue 13 item 2) splits it
    session: Session,
    ticket: str | None,
    nonce: str | None,
    by: Scanner | None,
    method: str = "qr",
    override: bool = False,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
) -> CheckInResult:
    """Decide a scan by the rules and record it (the steps in this module's docstring). Flush only.

    `override` admits a waitlisted person and a scan outside the check-in window (audited). `scanned_at`: when an
    offline device scanned (trusted back to MAX_OFFLINE_AGE); it decides the window and is the check-in's time."""
    if method not in CHECKIN_METHODS:
        raise ValueError(f"unknown check-in method {method}")
    now = now or utcnow()
    if scanned_at is not None:
        scanned_at = min(max(scanned_at, now - MAX_OFFLINE_AGE), now).astimezone(UTC)
    db.session.flush()  # pending ORM changes first: the statements below read and write the same rows
    found = _read_ticket(session, parse_ticket(ticket))
    counts = _counts(found) if found is not None else session_counts(session)
    if nonce and not nonces.claim(nonce, session.id, now):
        count_at_commit(db.session, CHECKINS, "replayed")
        return CheckInResult(nonces.first_answer(nonce, session.id), replayed=True)

    status = decide(session, found, override, scanned_at or now)
    checkin = None
    if status is ScanStatus.OK:
        checkin = _add_checkin(session, found, by, method, override, scanned_at, now)
        if checkin is None:  # another device checked this person in a moment ago
            status, checkin = ScanStatus.ALREADY_CHECKED_IN, _checkin_shown(session, found.person_id)
        else:
            counts = counts.with_one_more(method)
            if override:
                _record_override(by, session, found, checkin.id, scanned_at or now)
    elif status is ScanStatus.ALREADY_CHECKED_IN:
        checkin = _checkin_shown(session, found.person_id)

    answer = Answer(status, checkin, _person_shown(session, found), counts, _message(status, found))
    if nonce:
        nonces.keep(nonce, answer)
    count_at_commit(db.session, CHECKINS, status.value)
    return CheckInResult(answer)


def decide(session: Session, found: Any, override: bool, moment: datetime) -> ScanStatus:
    """The check-in rules, in order. `found`: the ticket's row (_read_ticket), None for an unknown ticket."""
    if found is None:
        return ScanStatus.INVALID
    if found.status == "cancelled":
        return ScanStatus.CANCELED
    if found.opportunity_id != session.opportunity_id:
        return ScanStatus.WRONG_SESSION
    if found.status == "waitlisted" and not override:
        return ScanStatus.WAITLISTED
    if not override and not checkin_window_open(session, moment):
        return ScanStatus.NOT_OPEN
    if found.checkin_id is not None and found.undone_at is None:
        return ScanStatus.ALREADY_CHECKED_IN
    return ScanStatus.OK


# The session's counts (parameters :session_id, :opportunity_id): read alone, or along with a ticket.
_ACTIVE = (CheckIn.session_id == bindparam("session_id"), CheckIn.undone_at.is_(None))
_COUNT_COLUMNS = (
    select(func.count()).where(*_ACTIVE).scalar_subquery().label("checked_in"),
    select(func.count())
    .where(Registration.opportunity_id == bindparam("opportunity_id"), Registration.status == "confirmed")
    .scalar_subquery()
    .label("confirmed"),
    select(func.count()).where(*_ACTIVE, CheckIn.method == "walk_in").scalar_subquery().label("walk_ins"),
)
_COUNTS = select(*_COUNT_COLUMNS)

_READ_TICKET = (
    select(
        Registration.id.label("registration_id"),
        Registration.opportunity_id,
        Registration.person_id,
        Registration.status,
        Registration.needs.label("registration_needs"),
        Person.first_name,
        Person.last_name,
        Person.needs.label("person_needs"),
        Lea.name.label("lea"),
        School.name.label("school"),
        CheckIn.id.label("checkin_id"),
        CheckIn.undone_at,
        *_COUNT_COLUMNS,
    )
    .join(Person, Person.id == Registration.person_id)
    .outerjoin(Lea, Lea.id == Person.lea_id)
    .outerjoin(School, School.id == Person.school_id)
    .outerjoin(
        CheckIn, and_(CheckIn.session_id == bindparam("session_id"), CheckIn.person_id == Registration.person_id)
    )
    .where(Registration.ticket == bindparam("ticket"))
)


def _read_ticket(session: Session, token: str | None) -> Any:
    """The ticket's registration, its person (with LEA and school), their check-in for this session and the
    session's counts before this scan; None for an unknown ticket."""
    if token is None:
        return None
    params = {"ticket": token, "session_id": session.id, "opportunity_id": session.opportunity_id}
    return db.session.execute(_READ_TICKET, params).first()


def _counts(found: Any) -> Counts:
    return Counts(checked_in=found.checked_in, confirmed=found.confirmed, walk_ins=found.walk_ins)


def _person_shown(session: Session, found: Any) -> PersonShown | None:
    """Who holds the ticket, for a ticket of this session's opportunity only (never another opportunity's)."""
    if found is None or found.opportunity_id != session.opportunity_id:
        return None
    needs = "; ".join(part for part in (found.registration_needs, found.person_needs) if part) or None
    name = f"{found.first_name} {found.last_name}".strip()
    return PersonShown(name=name, lea=found.lea, school=found.school, needs=needs)


def _message(status: ScanStatus, found: Any) -> str | None:
    if status is not ScanStatus.WRONG_SESSION:
        return None
    title = db.session.scalar(select(LearningOpportunity.title).where(LearningOpportunity.id == found.opportunity_id))
    return wrong_session_words(title or "")


# Insert the check-in, or revive this person's undone check-in for the session. No row back: an active check-in
# is already there (perhaps made a moment ago by another device: PostgreSQL waits for that one to commit).
_ADD_CHECKIN = (
    text(
        "INSERT INTO checkins (session_id, person_id, registration_id, checked_in_at, scanned_at, by_user_id, "
        "method, override) VALUES (:session_id, :person_id, :registration_id, :checked_in_at, :scanned_at, "
        ":by_user_id, :method, :override) "
        "ON CONFLICT (session_id, person_id) DO UPDATE SET registration_id = excluded.registration_id, "
        "checked_in_at = excluded.checked_in_at, scanned_at = excluded.scanned_at, by_user_id = excluded.by_user_id, "
        "method = excluded.method, override = excluded.override, undone_at = NULL, undone_by_id = NULL "
        "WHERE checkins.undone_at IS NOT NULL "
        "RETURNING id"
    )
    .bindparams(
        bindparam("checked_in_at", type_=UTCDateTime()),
        bindparam("scanned_at", type_=UTCDateTime()),
        bindparam("override", type_=Boolean()),
    )
    .columns(id=Integer)
)


def _add_checkin(
    session: Session,
    found: Any,
    by: Scanner | None,
    method: str,
    override: bool,
    scanned_at: datetime | None,
    now: datetime,
) -> CheckInShown | None:
    """The check-in made, or None when this person is already checked in for the session."""
    checked_in_at = scanned_at or now
    params = {
        "session_id": session.id,
        "person_id": found.person_id,
        "registration_id": found.registration_id,
        "checked_in_at": checked_in_at,
        "scanned_at": scanned_at,
        "by_user_id": by.id if by is not None else None,
        "method": method,
        "override": override,
    }
    added = db.session.execute(_ADD_CHECKIN, params).first()
    if added is None:
        return None
    label = by.label if by is not None else None
    return CheckInShown(id=added.id, checked_in_at=checked_in_at, by=label, method=method, override=override)


_READ_CHECKIN = select(CheckIn.id, CheckIn.checked_in_at, CheckIn.by_user_id, CheckIn.method, CheckIn.override).where(
    CheckIn.session_id == bindparam("session_id"), CheckIn.person_id == bindparam("person_id")
)


def _checkin_shown(session: Session, person_id: int) -> CheckInShown:
    """This person's check-in for the session: when it was made, and by whom."""
    checkin = db.session.execute(_READ_CHECKIN, {"session_id": session.id, "person_id": person_id}).one()
    by = db.session.get(User, checkin.by_user_id) if checkin.by_user_id is not None else None
    return CheckInShown(
        id=checkin.id,
        checked_in_at=checkin.checked_in_at,
        by=by.label if by is not None else None,
        method=checkin.method,
        override=checkin.override,
    )


def session_counts(session: Session) -> Counts:
    """The session's check-ins (walk-ins among them) and its opportunity's confirmed registrations, in one read."""
    params = {"session_id": session.id, "opportunity_id": session.opportunity_id}
    return _counts(db.session.execute(_COUNTS, params).one())


def _record_override(by: Scanner | None, session: Session, found: Any, checkin_id: int, moment: datetime) -> None:
    record(
        "checkin_override",
        actor=by,
        target_type="checkins",
        target_id=checkin_id,
        session_id=session.id,
        registration_id=found.registration_id,
        registration_status=found.status,
        window_open=checkin_window_open(session, moment),
    )
