"""Overbooking is impossible: concurrent sign-ups and cancels, each on its own connection."""

from __future__ import annotations

from sqlalchemy import select

from csi_events.db import commit
from csi_events.extensions import db as _db
from csi_events.models import LearningOpportunity, Registration
from csi_events.registrations.services import RegistrationInput, cancel, register
from tests.concurrency import run_concurrently
from tests.factories import make_opportunity


def _states(db, opp_id):
    rows = db.session.scalars(select(Registration).where(Registration.opportunity_id == opp_id)).all()
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = sorted(r.waitlist_position for r in rows if r.status == "waitlisted")
    return confirmed, waiting


def test_twenty_concurrent_signups_for_five_seats(app, db):
    opp_id = make_opportunity(capacity=5).id
    db.session.commit()

    def sign_up(i):
        opp = _db.session.get(LearningOpportunity, opp_id)
        register(opp, RegistrationInput(first_name="P", last_name=str(i), email=f"rush{i}@example.org"))
        commit(_db.session)

    _, errors = run_concurrently(app, 24, sign_up)
    assert errors == []
    db.session.expire_all()
    confirmed, waiting = _states(db, opp_id)
    assert len(confirmed) == 5
    assert waiting == list(range(1, 20))


def test_concurrent_cancels_promote_in_order_without_overbooking(app, db):
    opp = make_opportunity(capacity=5)
    opp_id = opp.id
    regs = [
        register(opp, RegistrationInput(first_name="P", last_name=str(i), email=f"c{i}@example.org")).registration
        for i in range(15)
    ]
    db.session.commit()
    confirmed_ids = [r.id for r in regs[:5]]
    first_waiting = [r.id for r in regs[5:10]]

    def cancel_one(i):
        cancel(_db.session.get(Registration, confirmed_ids[i]))
        commit(_db.session)

    _, errors = run_concurrently(app, 5, cancel_one)
    assert errors == []
    db.session.expire_all()
    confirmed, waiting = _states(db, opp_id)
    assert sorted(r.id for r in confirmed) == sorted(first_waiting)
    assert waiting == [1, 2, 3, 4, 5]
