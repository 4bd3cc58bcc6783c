"""Two (or more) devices scanning the same ticket at the same moment: one check-in, the rest already_checked_in;
one nonce sent by several requests at once: one answer, stored once. Each thread has its own connection and
transaction, as gunicorn workers would; the races are settled by the unique indexes (checkins (session, person),
scan_answers (nonce)), on PostgreSQL and SQLite alike."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from csi_events.checkin import services
from csi_events.checkin.models import CheckIn, ScanAnswer
from csi_events.db import commit, utcnow
from csi_events.extensions import db as _db
from csi_events.models import Session, User
from tests.concurrency import run_concurrently
from tests.factories import make_opportunity, make_registration, make_user


def _fixture(db):
    staff = make_user("staff")
    opp = make_opportunity(starts_at=utcnow() + timedelta(minutes=10))
    regs = [make_registration(opp) for _ in range(3)]
    db.session.commit()
    return staff.id, opp.sessions[0].id, [r.ticket for r in regs]


def _scan(session_id, ticket, nonce, user_id):
    session = _db.session.get(Session, session_id)
    result = services.check_in(session, ticket, nonce, _db.session.get(User, user_id), "qr")
    answer = result.answer.to_json()
    commit(_db.session)
    return answer


def _count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_same_ticket_on_many_devices_at_once(app, db):
    user_id, session_id, tickets = _fixture(db)
    answers, errors = run_concurrently(app, 8, lambda i: _scan(session_id, tickets[0], f"device-{i}", user_id))
    assert errors == []
    statuses = sorted(a["status"] for a in answers)
    assert statuses == ["already_checked_in"] * 7 + ["ok"]
    assert len({a["checkin"]["id"] for a in answers}) == 1
    assert _count(db, CheckIn) == 1
    assert _count(db, ScanAnswer) == 8


def test_same_nonce_at_once_gives_one_answer_and_one_row(app, db):
    user_id, session_id, tickets = _fixture(db)
    answers, errors = run_concurrently(app, 6, lambda i: _scan(session_id, tickets[1], "one-nonce", user_id))
    assert errors == []
    assert all(a == answers[0] for a in answers)
    assert answers[0]["status"] == "ok"
    assert _count(db, CheckIn) == 1
    assert _count(db, ScanAnswer) == 1


def test_different_tickets_at_once_all_ok(app, db):
    user_id, session_id, tickets = _fixture(db)
    answers, errors = run_concurrently(app, 3, lambda i: _scan(session_id, tickets[i], f"t-{i}", user_id))
    assert errors == []
    assert [a["status"] for a in answers] == ["ok"] * 3
    assert _count(db, CheckIn, CheckIn.undone_at.is_(None)) == 3


def test_same_nonce_different_tickets_at_once_stores_only_the_first(app, db):
    user_id, session_id, tickets = _fixture(db)
    answers, errors = run_concurrently(app, 3, lambda i: _scan(session_id, tickets[i], "shared-nonce", user_id))
    assert errors == []
    assert all(a == answers[0] for a in answers)
    assert answers[0]["status"] == "ok"
    assert _count(db, CheckIn) == 1
    assert _count(db, ScanAnswer) == 1


def _api_scan(session_id, ticket, nonce, user_id):
    outcome = services.scan(session_id, _db.session.get(User, user_id), ticket, nonce)
    assert outcome.allowed
    answer = outcome.result.answer.to_json()
    commit(_db.session)
    return answer


def test_same_ticket_at_once_through_the_api_scan(app, db):
    user_id, session_id, tickets = _fixture(db)
    answers, errors = run_concurrently(app, 8, lambda i: _api_scan(session_id, tickets[0], f"d-{i}", user_id))
    assert errors == []
    assert sorted(a["status"] for a in answers) == ["already_checked_in"] * 7 + ["ok"]
    assert len({a["checkin"]["id"] for a in answers}) == 1
    assert _count(db, CheckIn) == 1
    db.session.rollback()
    stored = dict(db.session.execute(select(ScanAnswer.nonce, ScanAnswer.answer)).all())
    assert [stored[f"d-{i}"] for i in range(8)] == answers  # each device gets, and keeps, its own answer


@pytest.mark.parametrize("same_ticket", [True, False])
def test_same_nonce_at_once_through_the_api_scan(app, db, same_ticket):
    user_id, session_id, tickets = _fixture(db)

    def work(i):
        return _api_scan(session_id, tickets[0 if same_ticket else i % 3], "one-nonce", user_id)

    answers, errors = run_concurrently(app, 6, work)
    assert errors == []
    assert all(a == answers[0] for a in answers) and answers[0]["status"] == "ok"
    assert _count(db, CheckIn) == 1
    assert _count(db, ScanAnswer) == 1


def test_a_nonce_held_by_an_open_transaction_waits_for_it_then_gives_its_answer(app, db):
    """Another request holds the nonce (its transaction not yet committed): the scan waits on the nonce's unique
    index, then answers with that request's answer, and writes no check-in of its own."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("waits observed through pg_stat_activity: PostgreSQL")
    user_id, session_id, tickets = _fixture(db)
    other = create_engine(db.engine.url)
    holder = other.connect()
    holder.execute(
        text("INSERT INTO scan_answers (nonce, session_id, answer, created_at) VALUES ('held', :s, :a, now())"),
        {"s": session_id, "a": json.dumps(HELD_ANSWER)},
    )
    answers = []

    def scan():
        with app.app_context():
            try:
                answers.append(_api_scan(session_id, tickets[2], "held", user_id))
            finally:
                _db.session.remove()

    thread = threading.Thread(target=scan)
    try:
        thread.start()
        assert _waits_on_a_lock(other), "the scan never waited on the held nonce"
        holder.commit()
        thread.join(timeout=30)
    finally:
        holder.close()
        other.dispose()
    assert answers == [HELD_ANSWER]
    assert _count(db, CheckIn) == 0


HELD_ANSWER = {
    "status": "invalid",
    "checkin": None,
    "person": None,
    "counts": {"checked_in": 0, "confirmed": 3, "walk_ins": 0},
}


def _waits_on_a_lock(engine) -> bool:
    for _ in range(100):
        with engine.connect() as probe:
            waiting = probe.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO scan_answers%'"
                )
            )
        if waiting:
            return True
        time.sleep(0.05)
    return False
