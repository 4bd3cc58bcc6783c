"""The API's scan in autocommit on PostgreSQL (used by scan.scan()): its one or two statements each commit on
their own, with no BEGIN and no COMMIT round trip; any outcome that needs more than one write returns None with
nothing written, and scan() starts again in a transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import DataError

from ..db import utcnow
from ..extensions import db
from ..reports import cache as report_cache
from . import statements as q
from .models import CHECKIN_METHODS
from .scan import (
    MAX_OFFLINE_AGE,
    CheckInResult,
    _claim,
    _decide,
    _label,
    _new_answer,
    _replay,
    read_scan,
)


def may_autocommit() -> bool:
    """Whether the API's scan may run in autocommit: PostgreSQL, and nothing yet in this request's transaction
    (a token's last_used_at write, an ORM load, a pending change: then the scan joins that transaction)."""
    session = db.session()  # the request's Session (db.session is its scoped proxy)
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    return session.get_bind().dialect.name == "postgresql"


def scan_autocommit(session_id: int, user, ticket, nonce: str, method: str, scanned_at: datetime | None):
    """PostgreSQL: the API's scan with each statement committed on its own (autocommit), which saves the BEGIN and
    COMMIT round trips of a transaction. Only the outcomes that write at most ONE statement take this path, and that
    statement is all or nothing:
      - a replay (the nonce's answer is in the read), no such session, no right to check in: the read only;
      - a check-in: the read, then one statement that inserts the check-in and its nonce's answer and bumps the
        report data version (ADD_CHECKIN_ANSWER_AND_BUMP_WHOLE: it fails, undoing all of it, unless all three
        were made, so the bump commits with the check-in);
      - any other answer (already_checked_in, invalid, ...): the read, then the answer stored under its nonce
        (one insert; it touches nothing the report figures count). A nonce already held: that answer, as ever.
    Everything else returns None with nothing written, and the caller starts again in a transaction: a lost race
    on the person or on the nonce, reviving an undone check-in (claim, update, answer), a database without the
    report version's counter row. Reads see the same data as in a transaction (READ COMMITTED reads each
    statement's own snapshot), and the races are settled by the same unique indexes."""
    if method not in CHECKIN_METHODS:
        raise ValueError(f"unknown check-in method {method}")
    conn = db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    session, allowed, row = read_scan(conn, session_id, user, ticket, nonce)
    if not allowed:
        return session, False, None
    if row.replay is not None:
        return session, True, _replay(row.replay)
    now = utcnow()
    if scanned_at is not None:
        scanned_at = min(max(scanned_at, now - MAX_OFFLINE_AGE), now)
    status, person, checkin, counts = _decide(session, row, False, scanned_at or now)
    if status == "ok":
        if row.checkin_id is not None or not report_cache.can_bump_inline(conn):
            return None  # reviving an undone check-in, or no counter table: the general path
        values = {
            "session_id": session.id,
            "person_id": row.person_id,
            "registration_id": row.registration_id,
            "checked_in_at": scanned_at or now,
            "scanned_at": scanned_at,
            "by_user_id": getattr(user, "id", None),
            "method": method,
            "override": False,
        }
        answer = _add_whole(conn, nonce, values, person, counts, _label(user), now)
        if answer is None:
            return None
        return session, True, CheckInResult("ok", answer["checkin"]["id"], person, answer["counts"], answer=answer)
    answer = {"status": status, "checkin": checkin, "person": person, "counts": counts}
    if not _claim(conn, nonce, session.id, answer, now):
        return session, True, _replay(conn.execute(q.FIND_ANSWER, {"nonce": nonce}).scalar())
    return session, True, CheckInResult(status, checkin["id"] if checkin else None, person, counts, answer=answer)


def _add_whole(conn, nonce, values, person, counts, by_label, now) -> dict | None:
    """The check-in, its nonce's answer and the report version's bump in one statement committed on its own: the
    answer given, or None when nothing was written (no row: a concurrent scan of this person came first; the
    statement failed on purpose: the nonce is held by another request or the counter row is missing)."""
    answer = _new_answer(values, person, counts, by_label)
    params = {**values, "nonce": nonce, "answer": answer, "created_at": now, "shard": report_cache.pick_shard()}
    try:
        added = conn.execute(q.ADD_CHECKIN_ANSWER_AND_BUMP_WHOLE, params).first()
    except DataError as err:
        if getattr(err.orig, "sqlstate", None) != q.WHOLE_OR_NOTHING:
            raise
        return None
    if added is None:
        return None
    report_cache.bumped_inline(conn)
    answer["checkin"]["id"] = added.id
    return answer
