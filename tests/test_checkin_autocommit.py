"""The API's scan in autocommit on PostgreSQL (checkin/scan_autocommit.py): no BEGIN and no COMMIT round
trip, each statement committed on its own and all or nothing (the check-in, its nonce's answer and the report
version's bump together, or none of them); every outcome that would need more than one write starts again in a
transaction. The concurrency tests also run on SQLite, where the scan always runs in a transaction."""

from __future__ import annotations

import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, func, select, text

from csi_events.api.auth import TokenIdentity
from csi_events.checkin import services
from csi_events.checkin.models import CheckIn, ScanAnswer
from csi_events.db import commit, utcnow
from csi_events.extensions import db as _db
from csi_events.reports.cache import SHARDS, bump
from csi_events.reports.models import ReportDataVersion
from csi_events.reports.rollup_models import ReportDirtyPerson
from tests.concurrency import run_concurrently
from tests.factories import make_opportunity, make_person, make_registration, make_user
from tests.test_checkin_api import bearer, post_checkin


def _is_postgres(db) -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def door(db):
    with db.engine.begin() as conn:  # every counter row, as in a database made by create_all
        for shard in range(SHARDS):
            bump(conn, shard)
    facilitator = make_user("facilitator", display_name="Door Keeper")
    opp = make_opportunity(starts_at=utcnow() + timedelta(minutes=15), facilitators=[facilitator])
    regs = [make_registration(opp, make_person(first_name=f"P{i}", last_name="Q")) for i in range(4)]
    db.session.commit()
    world = {
        "user_id": facilitator.id,
        "actor": TokenIdentity(0, facilitator.id, "facilitator", "Door Keeper", frozenset({"checkin"}), None, None, 0),
        "session_id": opp.sessions[0].id,
        "tickets": [reg.ticket for reg in regs],
        "headers": bearer(db, facilitator),
    }
    db.session.rollback()  # nothing open in the session the requests share (as in a fresh request)
    return world


@contextmanager
def round_trips(engine):
    """count() -> the round trips (ReadyForQuery messages from the server) of every connection the engine opens
    from here on, pool pre-pings included, read from libpq's protocol trace."""
    from psycopg import pq

    traced = []

    def on_connect(dbapi_connection, _record):
        trace = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed below)
        traced.append((dbapi_connection, trace))
        start(dbapi_connection, trace)

    def start(dbapi_connection, trace):
        dbapi_connection.pgconn.trace(trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def count() -> int:
        total = 0
        for dbapi_connection, trace in traced:
            dbapi_connection.pgconn.untrace()  # flushes what libpq wrote
            trace.seek(0)
            total += sum(1 for line in trace if "\tReadyForQuery" in line)
            start(dbapi_connection, trace)
        return total

    engine.dispose()
    event.listen(engine, "connect", on_connect)
    try:
        yield count
    finally:
        event.remove(engine, "connect", on_connect)
        for dbapi_connection, trace in traced:
            if not dbapi_connection.closed:
                dbapi_connection.pgconn.untrace()
            trace.close()
        engine.dispose()


def checkins_of(db, ticket) -> int:
    db.session.rollback()
    return db.session.scalar(
        text("SELECT count(*) FROM checkins c JOIN registrations r ON r.id = c.registration_id WHERE r.ticket = :t"),
        {"t": ticket},
    )


def version_sum(db) -> int:
    """How many check-in notes the triggers wrote (reports/watch.py): what moves the report figures' version."""
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(ReportDirtyPerson))


def test_a_redeem_and_a_rescan_make_three_round_trips(client, db, door):
    if not _is_postgres(db):
        pytest.skip("round trips: PostgreSQL")
    headers, session_id, tickets = door["headers"], door["session_id"], door["tickets"]
    with round_trips(db.engine) as count:
        warm = post_checkin(client, headers, session_id=session_id, ticket=tickets[0], nonce="w-1")
        assert warm.get_json()["status"] == "ok"  # the token is now cached and its last use written
        db.session.rollback()
        measured = {}
        for name, ticket, nonce, expect in (
            ("healthz", None, None, None),
            ("redeem", tickets[1], "r-1", "ok"),
            ("rescan", tickets[1], "r-2", "already_checked_in"),
            ("replay", tickets[1], "r-2", "already_checked_in"),
        ):
            before = count()
            if ticket is None:
                assert client.get("/healthz").status_code == 200
            else:
                answer = post_checkin(client, headers, session_id=session_id, ticket=ticket, nonce=nonce)
                assert answer.status_code == 200 and answer.get_json()["status"] == expect
            db.session.rollback()
            measured[name] = count() - before
    # The pool's pre-ping, then: /healthz BEGIN, SELECT 1, ROLLBACK; a redeem its read and its one write (no BEGIN,
    # no COMMIT); a rescan its read and its answer's insert; a replay its read only.
    assert measured == {"healthz": 4, "redeem": 3, "rescan": 3, "replay": 2}


def test_the_redeem_writes_nothing_when_another_request_holds_its_nonce(app, db, door):
    """The check-in inserted, its answer not (the nonce is another request's): the statement fails and nothing of
    it stays (no check-in of this ticket, no bump); the answer is the other request's."""
    if not _is_postgres(db):
        pytest.skip("autocommit: PostgreSQL")
    session_id, tickets, actor = door["session_id"], door["tickets"], door["actor"]
    other = create_engine(db.engine.url)
    holder = other.connect()
    holder.execute(
        text("INSERT INTO scan_answers (nonce, session_id, answer, created_at) VALUES ('held', :s, :a, now())"),
        {"s": session_id, "a": '{"status": "invalid", "checkin": null, "person": null, "counts": {}}'},
    )  # not committed yet: the scan's insert of the same nonce waits for it
    before = version_sum(db)
    seen, answers = [], []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    def scan():
        with app.app_context():
            try:
                answers.append(_scan(session_id, actor, tickets[2], "held"))
            finally:
                _db.session.remove()

    event.listen(db.engine, "before_cursor_execute", note)

    thread = threading.Thread(target=scan)
    try:
        thread.start()
        waiting = False
        for _ in range(100):  # until the scan waits on the held nonce
            with other.connect() as probe:
                waiting = probe.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND query LIKE 'WITH added%'"
                    )
                )
            if waiting:
                break
            time.sleep(0.05)
        assert waiting, "the scan's statement never waited on the held nonce"
        holder.commit()
        thread.join(timeout=30)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
        holder.close()
        other.dispose()
    assert answers == [{"status": "invalid", "checkin": None, "person": None, "counts": {}}]
    assert checkins_of(db, tickets[2]) == 0
    assert version_sum(db) == before
    assert not [s for s in seen if s.lstrip().startswith("DELETE FROM checkins")]  # nothing to take back


def test_a_missing_counter_row_is_made_with_the_checkin(client, db, door):
    """A wiped counter table (the bump inside the statement finds no row): the statement fails, and the scan is made
    again in a transaction, which notes the check-in's person like any other."""
    headers, session_id, tickets = door["headers"], door["session_id"], door["tickets"]
    db.session.execute(ReportDataVersion.__table__.delete())
    db.session.commit()
    before = version_sum(db)
    answer = post_checkin(client, headers, session_id=session_id, ticket=tickets[3], nonce="m-1")
    assert answer.status_code == 200 and answer.get_json()["status"] == "ok"
    assert checkins_of(db, tickets[3]) == 1
    assert version_sum(db) == before + 1
    assert post_checkin(client, headers, session_id=session_id, ticket=tickets[3], nonce="m-1").get_json() == (
        answer.get_json()
    )


def test_undo_then_scan_again_revives_the_checkin(client, db, door):
    headers, session_id, tickets = door["headers"], door["session_id"], door["tickets"]
    first = post_checkin(client, headers, session_id=session_id, ticket=tickets[0], nonce="u-1").get_json()
    assert client.delete(f"/api/v1/checkins/{first['checkin']['id']}", headers=headers).status_code == 200
    db.session.rollback()
    before = version_sum(db)
    again = post_checkin(client, headers, session_id=session_id, ticket=tickets[0], nonce="u-2").get_json()
    assert again["status"] == "ok" and again["checkin"]["id"] == first["checkin"]["id"]
    assert again["counts"]["checked_in"] == 1
    assert version_sum(db) == before + 1
    db.session.rollback()
    stored = db.session.scalar(select(ScanAnswer.answer).where(ScanAnswer.nonce == "u-2"))
    assert stored == again
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def _scan(session_id, actor, ticket, nonce):
    _session, allowed, result = services.scan(session_id, actor, ticket, nonce)
    assert allowed
    commit(_db.session)
    return result.answer


def test_same_ticket_at_once_through_the_api_scan(app, db, door):
    session_id, tickets, actor = door["session_id"], door["tickets"], door["actor"]
    answers, errors = run_concurrently(app, 8, lambda i: _scan(session_id, actor, tickets[0], f"d-{i}"))
    assert errors == []
    assert sorted(a["status"] for a in answers) == ["already_checked_in"] * 7 + ["ok"]
    assert len({a["checkin"]["id"] for a in answers}) == 1
    assert checkins_of(db, tickets[0]) == 1
    assert db.session.scalar(select(func.count()).select_from(ScanAnswer)) == 8
    db.session.rollback()
    stored = dict(db.session.execute(select(ScanAnswer.nonce, ScanAnswer.answer)).all())
    assert [stored[f"d-{i}"] for i in range(8)] == answers  # each device gets, and keeps, its own answer


@pytest.mark.parametrize("same_ticket", [True, False])
def test_same_nonce_at_once_through_the_api_scan(app, db, door, same_ticket):
    session_id, tickets, actor = door["session_id"], door["tickets"], door["actor"]
    before = version_sum(db)

    def work(i):
        return _scan(session_id, actor, tickets[0 if same_ticket else i % 4], "one-nonce")

    answers, errors = run_concurrently(app, 6, work)
    assert errors == []
    assert all(a == answers[0] for a in answers) and answers[0]["status"] == "ok"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
    assert db.session.scalar(select(func.count()).select_from(ScanAnswer)) == 1
    assert version_sum(db) >= before + 1
