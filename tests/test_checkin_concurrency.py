"""Two (or more) devices scanning the same ticket at the same moment: one check-in, the rest already_checked_in.
Each thread has its own connection and transaction, as gunicorn workers would."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

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
    answer = result.answer
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
