"""Check-in rules: one service decides every check-in (scanner, search, walk-ins, API, offline sync, imports).

Services flush; callers commit. The hot path (check_in) reads first and writes last, in few statements:
nonce lookup, registration lookup, existing check-in; then (only when a nonce is given) a claim of the
nonce, the check-in insert, the counts and the stored answer. Races are settled by the database itself:
`INSERT ... ON CONFLICT DO NOTHING` on the unique (session, person) and on the unique nonce, on
PostgreSQL and SQLite alike (PostgreSQL waits for a concurrent inserter of the same key to finish).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased, selectinload

from ..audit.services import record
from ..auth.models import User
from ..db import utcnow
from ..directory.models import Lea, School
from ..errors import Conflict
from ..extensions import db
from ..links import make_token
from ..opportunities.models import LearningOpportunity, Session, opportunity_facilitators
from ..people.models import Person, normalize_email
from ..registrations.models import Registration
from ..registrations.services import RegistrationInput, register
from .models import CHECKIN_METHODS, CheckIn, ScanAnswer

STATUSES = ("ok", "already_checked_in", "invalid", "canceled", "wrong_session", "waitlisted", "not_open")
# A ticket token as minted by registrations.models.new_ticket (URL-safe base64), with room to spare.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Self check-in codes: no 0/O, 1/I/L, so they read aloud and type cleanly.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
# A scan time sent by an offline device is trusted back to this far.
MAX_OFFLINE_AGE = timedelta(days=2)


@dataclass
class CheckInResult:
    status: str
    checkin: CheckIn | None = None
    person: dict | None = None
    counts: dict = field(default_factory=dict)
    replayed: bool = False  # the answer stored for this nonce, returned unchanged
    answer: dict | None = None  # the JSON answer (API.md), set by check_in

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def parse_ticket(value: str | None) -> str | None:
    """The token from a bare token or a ticket URL (any host, path ending in /t/<token>)."""
    text = (value or "").strip()
    if "/t/" in text:
        text = text.rsplit("/t/", 1)[1]
        text = text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return text if _TOKEN.fullmatch(text) else None


def checkin_window_open(session: Session, moment: datetime) -> bool:
    opens, closes = session.checkin_window
    return opens <= moment <= closes


def session_counts(session: Session) -> dict:
    """checked_in / confirmed / walk_ins of a session, in one statement."""
    confirmed = (
        select(func.count())
        .select_from(Registration)
        .where(Registration.opportunity_id == session.opportunity_id, Registration.status == "confirmed")
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            func.count(CheckIn.id),
            func.coalesce(func.sum(case((CheckIn.method == "walk_in", 1), else_=0)), 0),
            confirmed,
        ).where(CheckIn.session_id == session.id, CheckIn.undone_at.is_(None))
    ).one()
    return {"checked_in": int(row[0]), "confirmed": int(row[2]), "walk_ins": int(row[1])}


def checkin_json(checkin: CheckIn | None, by_label: str | None) -> dict | None:
    if checkin is None:
        return None
    return {
        "id": checkin.id,
        "checked_in_at": checkin.checked_in_at.isoformat(),
        "by": by_label,
        "method": checkin.method,
        "override": bool(checkin.override),
    }


def _insert(model):
    """INSERT with ON CONFLICT support for the bound dialect."""
    name = db.session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


def _ticket_row(token: str):
    """The registration of a ticket with what the answer shows, in one query."""
    return db.session.execute(
        select(
            Registration.id,
            Registration.opportunity_id,
            Registration.person_id,
            Registration.status,
            Registration.needs,
            Person.first_name,
            Person.last_name,
            Person.needs,
            Lea.name,
            School.name,
        )
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(Lea, Lea.id == Person.lea_id)
        .outerjoin(School, School.id == Person.school_id)
        .where(Registration.ticket == token)
    ).first()


def _existing_checkin(session_id: int, person_id: int) -> tuple[CheckIn | None, str | None]:
    by = aliased(User)
    row = db.session.execute(
        select(CheckIn, func.coalesce(func.nullif(by.display_name, ""), by.email))
        .outerjoin(by, by.id == CheckIn.by_user_id)
        .where(CheckIn.session_id == session_id, CheckIn.person_id == person_id)
        .execution_options(populate_existing=True)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def _label(user) -> str | None:
    return getattr(user, "label", None) if user is not None else None


def check_in(
    session: Session,
    ticket: str | None,
    nonce: str | None,
    by: User | None,
    method: str = "qr",
    override: bool = False,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
) -> CheckInResult:
    """Decide a scan, in the order of DESIGN.md "Check-in rules", and record it. Flush only.

    The same nonce again returns the first answer unchanged and stores nothing."""
    if method not in CHECKIN_METHODS:
        raise ValueError(f"unknown check-in method {method}")
    now = now or utcnow()
    if scanned_at is not None:
        scanned_at = min(max(scanned_at, now - MAX_OFFLINE_AGE), now)
    moment = scanned_at or now

    if nonce:
        stored = db.session.scalar(select(ScanAnswer.answer).where(ScanAnswer.nonce == nonce))
        if stored is not None:
            return _replay(stored)

    token = parse_ticket(ticket)
    row = _ticket_row(token) if token else None
    person = None
    if row is not None:
        needs = "; ".join(part for part in (row[4], row[7]) if part) or None
        person = {"name": f"{row[5]} {row[6]}".strip(), "lea": row[8], "school": row[9], "needs": needs}

    existing, existing_by = None, None
    if row is None:
        status = "invalid"
    elif row[3] == "cancelled":
        status = "canceled"
    elif row[1] != session.opportunity_id:
        status, person = "wrong_session", None
    elif row[3] == "waitlisted" and not override:
        status = "waitlisted"
    elif not override and not checkin_window_open(session, moment):
        status = "not_open"
    else:
        existing, existing_by = _existing_checkin(session.id, row[2])
        status = "already_checked_in" if existing is not None and existing.undone_at is None else "ok"

    if nonce and not _claim_nonce(nonce, session.id):
        # Another request with this nonce got here first (it has committed, or we would still wait).
        return _replay(db.session.scalar(select(ScanAnswer.answer).where(ScanAnswer.nonce == nonce)))

    checkin, by_label = existing, existing_by
    if status == "ok":
        checkin, by_label, status = _record_checkin(
            session, row, existing, by, method, override, scanned_at or now, scanned_at
        )
        if status == "ok" and override:
            record(
                "checkin_override",
                actor=by,
                target=checkin,
                session_id=session.id,
                registration_id=row[0],
                registration_status=row[3],
                window_open=checkin_window_open(session, moment),
            )

    result = CheckInResult(status, checkin, person, session_counts(session))
    result.answer = {
        "status": status,
        "checkin": checkin_json(checkin, by_label) if status in ("ok", "already_checked_in") else None,
        "person": person,
        "counts": result.counts,
    }
    if nonce:
        db.session.execute(update(ScanAnswer).where(ScanAnswer.nonce == nonce).values(answer=result.answer))
    return result


def _replay(answer: dict) -> CheckInResult:
    checkin = None
    if answer.get("checkin"):
        checkin = db.session.get(CheckIn, answer["checkin"]["id"])
    return CheckInResult(
        answer["status"], checkin, answer.get("person"), answer.get("counts") or {}, replayed=True, answer=answer
    )


def _claim_nonce(nonce: str, session_id: int) -> bool:
    """Store the nonce before anything else is written; False when another request holds it."""
    inserted = db.session.execute(
        _insert(ScanAnswer)
        .values(nonce=nonce, session_id=session_id, answer={"status": "pending"}, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["nonce"])
        .returning(ScanAnswer.id)
    ).first()
    return inserted is not None


def _record_checkin(session, row, existing, by, method, override, checked_in_at, scanned_at):
    """Insert (or revive an undone) check-in. Returns (checkin, by_label, status): a concurrent scan of the
    same person that won the race makes this one `already_checked_in`."""
    values = {
        "registration_id": row[0],
        "checked_in_at": checked_in_at,
        "scanned_at": scanned_at,
        "by_user_id": getattr(by, "id", None),
        "method": method,
        "override": bool(override),
        "undone_at": None,
        "undone_by_id": None,
    }
    if existing is None:
        created = db.session.scalars(
            _insert(CheckIn)
            .values(session_id=session.id, person_id=row[2], **values)
            .on_conflict_do_nothing(index_elements=["session_id", "person_id"])
            .returning(CheckIn)
        ).first()
        if created is not None:
            return created, _label(by), "ok"
    else:
        revived = db.session.execute(
            update(CheckIn)
            .where(CheckIn.id == existing.id, CheckIn.undone_at.is_not(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if revived.rowcount == 1:
            db.session.refresh(existing)
            return existing, _label(by), "ok"
    first, first_by = _existing_checkin(session.id, row[2])
    if first is not None and first.undone_at is None:
        return first, first_by, "already_checked_in"
    # Undone again in between: extremely unlikely; report it as a fresh attempt would.
    return _record_checkin(session, row, first, by, method, override, checked_in_at, scanned_at)


def undo(checkin: CheckIn, by: User | None, now: datetime | None = None) -> bool:
    """Soft-delete a check-in (who and when). False when it was already undone."""
    result = db.session.execute(
        update(CheckIn)
        .where(CheckIn.id == checkin.id, CheckIn.undone_at.is_(None))
        .values(undone_at=now or utcnow(), undone_by_id=getattr(by, "id", None))
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(checkin)
    if result.rowcount != 1:
        return False
    record("checkin_undone", actor=by, target=checkin, session_id=checkin.session_id, person_id=checkin.person_id)
    return True


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


def status_message(status: str) -> str:
    return {
        "ok": _("Checked in"),
        "already_checked_in": _("Already checked in"),
        "invalid": _("Unknown ticket"),
        "canceled": _("Registration cancelled"),
        "wrong_session": _("Ticket for another learning opportunity"),
        "waitlisted": _("On the waitlist"),
        "not_open": _("Check-in is not open for this session"),
    }[status]


def roster_rows(session: Session, q: str | None = None, limit: int | None = None) -> list[dict]:
    """Every registration of the session's opportunity (any status), with its check-in for this session;
    one query. `q` filters by name or e-mail (case-insensitive, each word must match)."""
    checkin = aliased(CheckIn)
    stmt = (
        select(
            Registration.id,
            Registration.ticket,
            Registration.status,
            Registration.source,
            Registration.needs,
            Person.first_name,
            Person.last_name,
            Person.email,
            Lea.name,
            School.name,
            checkin.id,
            checkin.checked_in_at,
            checkin.method,
        )
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(Lea, Lea.id == Person.lea_id)
        .outerjoin(School, School.id == Person.school_id)
        .outerjoin(
            checkin,
            (checkin.session_id == session.id)
            & (checkin.person_id == Registration.person_id)
            & checkin.undone_at.is_(None),
        )
        .where(Registration.opportunity_id == session.opportunity_id)
        .order_by(func.lower(Person.last_name), func.lower(Person.first_name), Registration.id)
    )
    for word in (q or "").split()[:5]:
        pattern = f"%{word.lower().replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(
                func.lower(Person.first_name).like(pattern),
                func.lower(Person.last_name).like(pattern),
                Person.email.like(pattern),
            )
        )
    if limit:
        stmt = stmt.limit(limit)
    return [
        {
            "registration_id": r[0],
            "ticket": r[1],
            "status": r[2],
            "source": r[3],
            "needs": r[4],
            "name": f"{r[5]} {r[6]}".strip(),
            "email": r[7],
            "lea": r[8],
            "school": r[9],
            "checkin_id": r[10],
            "checked_in_at": r[11].isoformat() if r[11] else None,
            "method": r[12],
        }
        for r in db.session.execute(stmt)
    ]


def search_roster(session: Session, q: str, limit: int = 25) -> list[dict]:
    """People of the session's roster whose name or e-mail matches `q`."""
    if not (q or "").strip():
        return []
    return roster_rows(session, q=q, limit=limit)


def sessions_for_user(user: User, now: datetime | None = None, limit: int = 100) -> list[Session]:
    """Today's and upcoming sessions this user may check in for (staff: all; facilitator: their own)."""
    now = now or utcnow()
    local = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "America/Los_Angeles"))
    start_of_day = now.astimezone(local).replace(hour=0, minute=0, second=0, microsecond=0)
    stmt = (
        select(Session)
        .join(LearningOpportunity, LearningOpportunity.id == Session.opportunity_id)
        .where(Session.ends_at >= start_of_day, LearningOpportunity.status.in_(("published", "archived")))
        .options(selectinload(Session.opportunity))
        .order_by(Session.starts_at, Session.id)
        .limit(limit)
    )
    if not user.is_staff:
        stmt = stmt.where(
            Session.opportunity_id.in_(
                select(opportunity_facilitators.c.opportunity_id).where(opportunity_facilitators.c.user_id == user.id)
            )
        )
    return list(db.session.scalars(stmt))


# --- virtual sessions: self check-in -------------------------------------------------------------


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
