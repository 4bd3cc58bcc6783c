"""Check-in rules: one service decides every check-in (scanner, search, walk-ins, API, offline sync, imports).

Services flush; callers commit. The scan path (check_in) is one read and at most two inserts: a single
statement returns the answer already given to the nonce, the ticket's registration with what the answer shows,
this person's check-in for the session and the counts; then the check-in is inserted and the answer is stored
under its nonce. The API's scan (scan()) reads the session and the caller's right to check in in that same
statement; on PostgreSQL the two inserts are one statement (a data-modifying CTE), which in the API's scan also
bumps the report data version (reports/cache.py bump_cte; no second bump at commit). On PostgreSQL the API's scan
runs in autocommit when its request has nothing else to commit (scan_autocommit.py): the read, then at most one
statement that is all or nothing, with no BEGIN or COMMIT round trip; any other outcome starts again in a
transaction. Races are settled by the database itself, with no explicit lock:
`INSERT ... ON CONFLICT DO NOTHING` on the unique (session, person) and on the unique nonce, on PostgreSQL and
SQLite alike (PostgreSQL waits for a concurrent inserter of the same key to finish). When another request holds
the nonce, what this one wrote is taken back and that request's answer is returned. The statements (statements.py) are Core,
built once, run on the ORM session's connection (same transaction).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from flask_babel import gettext as _

from ..audit.services import record
from ..auth.models import User
from ..db import utcnow
from ..errors import Conflict
from ..extensions import db
from ..opportunities.models import Session
from ..reports import cache as report_cache
from . import statements as q
from .models import CHECKIN_METHODS, CheckIn

STATUSES = ("ok", "already_checked_in", "invalid", "canceled", "wrong_session", "waitlisted", "not_open")
# A ticket token as minted by registrations.models.new_ticket (URL-safe base64), with room to spare.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")
# A scan time sent by an offline device is trusted back to this far.
MAX_OFFLINE_AGE = timedelta(days=2)


@dataclass
class CheckInResult:
    status: str
    checkin_id: int | None = None
    person: dict | None = None
    counts: dict = field(default_factory=dict)
    replayed: bool = False  # the answer stored for this nonce, returned unchanged
    answer: dict | None = None  # the JSON answer (API.md)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def checkin(self) -> CheckIn | None:
        """The CheckIn made (ok) or found (already_checked_in), loaded on first use."""
        if self.checkin_id is None:
            return None
        cached = self.__dict__.get("_checkin")
        if cached is None:
            cached = db.session.get(CheckIn, self.checkin_id, populate_existing=True)
            self.__dict__["_checkin"] = cached
        return cached


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


def _connection():
    return db.session.connection()


@dataclass(frozen=True)
class SessionRef:
    """What a scan needs of a session, read in the same statement as the caller's right to check in."""

    id: int
    opportunity_id: int
    starts_at: datetime
    ends_at: datetime
    checkin_opens_at: datetime | None
    checkin_closes_at: datetime | None

    checkin_window = property(Session.checkin_window.fget)  # the model's rule, not a copy of it


def session_for_scan(session_id: int, user) -> tuple[SessionRef | None, bool]:
    """(the session or None, may this user check people in for it), in one statement."""
    row = (
        _connection()
        .execute(q.SESSION_FOR_SCAN, {"session_id": session_id, "user_id": getattr(user, "id", None)})
        .first()
    )
    if row is None:
        return None, False
    allowed = user is not None and getattr(user, "is_authenticated", False) and (user.is_staff or bool(row.facilitates))
    return SessionRef(*row[:6]), allowed


def scan(
    session_id: int,
    user,
    ticket: str | None,
    nonce: str | None,
    method: str = "qr",
    override: bool = False,
    scanned_at: datetime | None = None,
) -> tuple[SessionRef | None, bool, CheckInResult | None]:
    """The API's scan in one read: (the session or None, may this user check people in for it, the result of
    check_in, or None when there is no such session or the user may not check in for it). Flush only.

    On PostgreSQL, when this request has nothing else in its transaction, the scan runs in autocommit: its one or
    two statements each commit on their own, with no BEGIN and no COMMIT round trip (see scan_autocommit.py)."""
    from .scan_autocommit import may_autocommit, scan_autocommit

    if nonce and not override and may_autocommit():
        done = scan_autocommit(session_id, user, ticket, nonce, method, scanned_at)
        if done is not None:
            return done
        db.session.rollback()  # nothing was written: start again in a transaction, on the general path
    db.session.flush()
    session, allowed, row = read_scan(_connection(), session_id, user, ticket, nonce)
    if not allowed:
        return session, False, None
    result = check_in(session, ticket, nonce, user, method, override, scanned_at, _row=row, _last=True)
    return session, True, result


def read_scan(conn, session_id: int, user, ticket, nonce: str | None) -> tuple[SessionRef | None, bool, object]:
    """The scan's one read (q.SCAN_READ): (the session or None, may this user check people in for it, the row)."""
    params = {
        "nonce": nonce,
        "ticket": parse_ticket(ticket),
        "session_id": session_id,
        "user_id": getattr(user, "id", None),
    }
    row = conn.execute(q.SCAN_READ, params).first()
    if row is None:
        return None, False, None
    allowed = user is not None and getattr(user, "is_authenticated", False) and (user.is_staff or bool(row.facilitates))
    return SessionRef(*row[:6]), allowed, row


def may_check_in(user, session: Session) -> bool:
    """Staff and admins check in for any session; a facilitator for the opportunities they facilitate
    (the rule of auth.access.can_manage_opportunity, in one small query for the scan path)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    conn = _connection()
    params = {"opportunity_id": session.opportunity_id, "user_id": user.id}
    return conn.execute(q.IS_FACILITATOR, params).first() is not None


def session_counts(session: Session) -> dict:
    """checked_in / confirmed / walk_ins of a session, in one statement."""
    conn = _connection()
    params = {"nonce": None, "ticket": None, "session_id": session.id, "opportunity_id": session.opportunity_id}
    row = conn.execute(q.READ_TICKET, params).one()
    checked_in, walk_ins, confirmed = row.checked_in, row.walk_ins, row.confirmed
    return {"checked_in": int(checked_in), "confirmed": int(confirmed), "walk_ins": int(walk_ins)}


def _checkin_json(checkin_id, checked_in_at, by_label, method, override) -> dict:
    return {
        "id": checkin_id,
        "checked_in_at": checked_in_at.isoformat(),
        "by": by_label,
        "method": method,
        "override": bool(override),
    }


def _label(user) -> str | None:
    return getattr(user, "label", None) if user is not None else None


def check_in(  # noqa: C901 -- the scan rules, the nonce and two write paths; its rewrite (issue 13 item 2) splits it
    session: Session,
    ticket: str | None,
    nonce: str | None,
    by: User | None,
    method: str = "qr",
    override: bool = False,
    scanned_at: datetime | None = None,
    now: datetime | None = None,
    _row=None,
    _last: bool = False,
) -> CheckInResult:
    """Decide a scan, in the order of DESIGN.md "Check-in rules", and record it. Flush only.

    The same nonce again returns the first answer unchanged and stores nothing. A fresh scan costs one read
    and, when it checks someone in, two inserts (the check-in, the answer kept for its nonce). `_last`: the caller
    commits right after this (the API's scan), so the report data version may be bumped with the inserts."""
    if method not in CHECKIN_METHODS:
        raise ValueError(f"unknown check-in method {method}")
    now = now or utcnow()
    if scanned_at is not None:
        scanned_at = min(max(scanned_at, now - MAX_OFFLINE_AGE), now)
    moment = scanned_at or now
    if _row is None:
        db.session.flush()  # pending ORM changes first: the statements below go straight to the connection
        token = parse_ticket(ticket)
        params = {"nonce": nonce, "ticket": token, "session_id": session.id, "opportunity_id": session.opportunity_id}
        row = _connection().execute(q.READ_TICKET, params).one()
    else:
        row = _row  # read by scan() in the same statement as the session (already flushed)
    conn = _connection()
    if nonce and row.replay is not None:
        return _replay(row.replay)
    status, person, checkin, counts = _decide(session, row, override, moment)
    claimed = False
    if status == "ok" and nonce and row.checkin_id is not None:
        # Reviving an undone check-in cannot be taken back cheaply: claim the nonce before writing.
        claimed = True
        if not _claim(conn, nonce, session.id, {"status": "pending"}, now):
            return _replay(conn.execute(q.FIND_ANSWER, {"nonce": nonce}).scalar())
    inserted_id = None
    if status == "ok":
        values = {
            "session_id": session.id,
            "person_id": row.person_id,
            "registration_id": row.registration_id,
            "checked_in_at": scanned_at or now,
            "scanned_at": scanned_at,
            "by_user_id": getattr(by, "id", None),
            "method": method,
            "override": bool(override),
        }
        if nonce and row.checkin_id is None and conn.dialect.name == "postgresql":
            answer = _add_with_answer(conn, nonce, values, person, counts, _label(by), now, _last)
            if isinstance(answer, CheckInResult):
                return answer  # another request holds the nonce: its answer
            if answer is not None:
                if override:
                    _record_override(by, session, row, answer["checkin"]["id"], moment)
                return CheckInResult("ok", answer["checkin"]["id"], person, answer["counts"], answer=answer)
            # Not inserted (a concurrent scan of this person came first): the general path below settles it.
        status, checkin, inserted_id = _record_checkin(conn, row, values, _label(by))
        if status == "ok":
            counts["checked_in"] += 1
            counts["walk_ins"] += 1 if method == "walk_in" else 0

    answer = {"status": status, "checkin": checkin, "person": person, "counts": counts}
    if claimed:
        conn.execute(q.SET_ANSWER, {"key": nonce, "answer": answer})
    elif nonce and not _claim(conn, nonce, session.id, answer, now):
        # The same nonce is being (or was just) answered by another request, which came first: take back
        # what this one wrote and give that request's answer.
        if inserted_id is not None:
            conn.execute(q.DELETE_CHECKIN, {"id": inserted_id})
        return _replay(conn.execute(q.FIND_ANSWER, {"nonce": nonce}).scalar())

    if status == "ok" and override:
        _record_override(by, session, row, checkin["id"], moment)
    return CheckInResult(status, checkin["id"] if checkin else None, person, counts, answer=answer)


def _decide(session, row, override: bool, moment: datetime) -> tuple[str, dict | None, dict | None, dict]:
    """The answer's parts from the one read, in the order of DESIGN.md "Check-in rules": (status, person, the
    check-in found for already_checked_in, counts before this scan)."""
    counts = {"checked_in": int(row.checked_in), "confirmed": int(row.confirmed), "walk_ins": int(row.walk_ins)}

    person = None
    if row.registration_id is not None:
        needs = "; ".join(part for part in (row.registration_needs, row.person_needs) if part) or None
        person = {
            "name": f"{row.first_name} {row.last_name}".strip(),
            "lea": row.lea,
            "school": row.school,
            "needs": needs,
        }

    if row.registration_id is None:
        status = "invalid"
    elif row.status == "cancelled":
        status = "canceled"
    elif row.opportunity_id != session.opportunity_id:
        status, person = "wrong_session", None
    elif row.status == "waitlisted" and not override:
        status = "waitlisted"
    elif not override and not checkin_window_open(session, moment):
        status = "not_open"
    elif row.checkin_id is not None and row.undone_at is None:
        status = "already_checked_in"
    else:
        status = "ok"

    checkin = None
    if status == "already_checked_in":
        checkin = _checkin_json(row.checkin_id, row.checked_in_at, row.by_label, row.method, row.override)
    return status, person, checkin, counts


def _record_override(by, session, row, checkin_id: int, moment: datetime) -> None:
    record(
        "checkin_override",
        actor=by,
        target_type="checkins",
        target_id=checkin_id,
        session_id=session.id,
        registration_id=row.registration_id,
        registration_status=row.status,
        window_open=checkin_window_open(session, moment),
    )


def _add_with_answer(conn, nonce, values, person, counts, by_label, now, last: bool = False):
    """PostgreSQL: insert the check-in and its nonce's answer in one statement. The answer given; None when the
    check-in was not inserted (nothing written); the other request's answer (a CheckInResult) when the nonce
    was taken, after taking this check-in back. `last` (the transaction commits right after): the same statement
    also bumps the report data version, so that the commit need not (reports/cache.py bump_cte)."""
    answer = _new_answer(values, person, counts, by_label)
    checkin = answer["checkin"]
    params = {**values, "nonce": nonce, "answer": answer, "created_at": now}
    if last and report_cache.can_bump_inline(conn):
        added = conn.execute(q.ADD_CHECKIN_ANSWER_AND_BUMP, {**params, "shard": report_cache.pick_shard()}).first()
        if added is not None and added.bumped is not None:
            report_cache.bumped_inline(conn)
    else:
        added = conn.execute(q.ADD_CHECKIN_AND_ANSWER, params).first()
    if added is None:
        return None
    if added.answer_id is None:
        conn.execute(q.DELETE_CHECKIN, {"id": added.id})
        return _replay(conn.execute(q.FIND_ANSWER, {"nonce": nonce}).scalar())
    checkin["id"] = added.id
    return answer


def _new_answer(values: dict, person: dict | None, counts: dict, by_label: str | None) -> dict:
    """The answer of a check-in about to be inserted (its id set once known): counts include it."""
    checkin = _checkin_json(0, values["checked_in_at"].astimezone(UTC), by_label, values["method"], values["override"])
    new_counts = {
        **counts,
        "checked_in": counts["checked_in"] + 1,
        "walk_ins": counts["walk_ins"] + (1 if values["method"] == "walk_in" else 0),
    }
    return {"status": "ok", "checkin": checkin, "person": person, "counts": new_counts}


def _claim(conn, nonce: str, session_id: int, answer: dict, now: datetime) -> bool:
    """Store the answer of a nonce; False when another request holds the nonce (PostgreSQL waits for it)."""
    params = {"nonce": nonce, "session_id": session_id, "answer": answer, "created_at": now}
    return conn.execute(q.CLAIM_NONCE, params).first() is not None


def _replay(answer: dict) -> CheckInResult:
    checkin_id = (answer.get("checkin") or {}).get("id")
    return CheckInResult(
        answer["status"], checkin_id, answer.get("person"), answer.get("counts") or {}, replayed=True, answer=answer
    )


def _record_checkin(conn, row, values: dict, by_label: str | None) -> tuple[str, dict, int | None]:
    """Insert (or revive an undone) check-in: ("ok", checkin, id if inserted). A concurrent scan of the same
    person that won the race makes this one ("already_checked_in", the first check-in, None)."""
    for _attempt in range(3):
        if row.checkin_id is None:
            created = conn.execute(q.ADD_CHECKIN, values).first()
            if created is not None:
                checkin = _checkin_json(
                    created.id, created.checked_in_at, by_label, values["method"], values["override"]
                )
                return "ok", checkin, created.id
        else:
            revived = conn.execute(q.REVIVE, {**values, "key": row.checkin_id})
            if revived.rowcount == 1:
                checkin = _checkin_json(
                    row.checkin_id, values["checked_in_at"], by_label, values["method"], values["override"]
                )
                return "ok", checkin, None
        # Someone else was first: read what is there now (PostgreSQL waited for their commit).
        row = conn.execute(
            q.READ_CHECKIN, {"session_id": values["session_id"], "person_id": values["person_id"]}
        ).first()
        if row is None:
            row = SimpleNamespace(checkin_id=None)
        elif row.undone_at is None:
            checkin = _checkin_json(row.checkin_id, row.checked_in_at, row.by_label, row.method, row.override)
            return "already_checked_in", checkin, None
    raise Conflict(_("This check-in changed several times at once; scan again."), code="retry")


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
