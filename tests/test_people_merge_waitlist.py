"""A merge that combines two registrations for one opportunity keeps its seats right: the waitlist stays
1..n in the same order, and a seat freed by two confirmed registrations goes to the first in line, who is
told by e-mail as after a cancel. All of it under the opportunity's row lock."""

from __future__ import annotations

from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import event, select

from csi_events.db import utcnow
from csi_events.extensions import db as _db
from csi_events.models import AuditEvent, Registration
from csi_events.outbox import OutboxMessage
from csi_events.people.services import merge_people
from tests.factories import make_opportunity, make_person, make_registration, make_user


def _waitlist(opp) -> list[tuple[int, int]]:
    """(person id, position) of the waitlist, in order of position."""
    rows = _db.session.execute(
        select(Registration.person_id, Registration.waitlist_position)
        .where(Registration.opportunity_id == opp.id, Registration.status == "waitlisted")
        .order_by(Registration.waitlist_position, Registration.id)
    )
    return [tuple(row) for row in rows]


def _confirmed(opp) -> list[int]:
    return list(
        _db.session.scalars(
            select(Registration.person_id)
            .where(Registration.opportunity_id == opp.id, Registration.status == "confirmed")
            .order_by(Registration.person_id)
        )
    )


def _waiting(opp, person, position, **kw):
    return make_registration(opp, person, status="waitlisted", waitlist_position=position, **kw)


def _outbox() -> list[tuple[str, dict]]:
    return [(m.kind, m.payload) for m in _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


@pytest.mark.parametrize("better_place", ["survivor", "merged"])
def test_two_waitlisted_registrations_keep_the_better_place_and_close_up(app, db, better_place):
    opp = make_opportunity(capacity=1)
    make_registration(opp, make_person())
    survivor, merged, x, y, z = (make_person() for _ in range(5))
    old = utcnow() - timedelta(days=30)
    # The row with the worse place is the older one (re-used after a cancel, so at the end of the line).
    worse, better = (merged, survivor) if better_place == "survivor" else (survivor, merged)
    _waiting(opp, x, 1)
    _waiting(opp, worse, 4, created_at=old)
    _waiting(opp, y, 3)
    _waiting(opp, better, 2)
    _waiting(opp, z, 5)
    db.session.commit()

    plan = merge_people(survivor.id, merged.id)
    db.session.commit()

    assert _waitlist(opp) == [(x.id, 1), (survivor.id, 2), (y.id, 3), (z.id, 4)]
    assert len(plan.registrations_combined) == 1 and plan.promoted == []
    assert _outbox() == []


@pytest.mark.parametrize("confirmed_one", ["survivor", "merged"])
def test_confirmed_and_waitlisted_keep_the_seat_and_the_line_closes_up(app, db, confirmed_one):
    opp = make_opportunity(capacity=2)
    other = make_person()
    survivor, merged, x, y = (make_person() for _ in range(4))
    seated, waiting = (survivor, merged) if confirmed_one == "survivor" else (merged, survivor)
    make_registration(opp, other)
    seat = make_registration(opp, seated)
    _waiting(opp, x, 1)
    _waiting(opp, waiting, 2)
    _waiting(opp, y, 3)
    db.session.commit()

    merge_people(survivor.id, merged.id)
    db.session.commit()

    kept = db.session.scalars(select(Registration).where(Registration.person_id == survivor.id)).all()
    assert [(r.id, r.status, r.waitlist_position) for r in kept] == [(seat.id, "confirmed", None)]
    assert _confirmed(opp) == sorted([other.id, survivor.id])
    assert _waitlist(opp) == [(x.id, 1), (y.id, 2)]
    assert _outbox() == []  # nobody's place changed but the merged person's own


def _two_seats_and_a_line(db):
    opp = make_opportunity(capacity=3)
    survivor, merged, other, x, y, z = (make_person() for _ in range(6))
    for person in (other, survivor, merged):
        make_registration(opp, person)
    line = [_waiting(opp, person, n) for n, person in enumerate((x, y, z), start=1)]
    db.session.commit()
    return opp, survivor, merged, other, line


def test_two_confirmed_registrations_free_a_seat_for_the_first_in_line(app, db):
    opp, survivor, merged, other, (first, second, third) = _two_seats_and_a_line(db)
    staff = make_user("staff")

    plan = merge_people(survivor.id, merged.id, actor=staff)
    db.session.commit()

    assert [r.id for r in plan.promoted] == [first.id]
    assert _confirmed(opp) == sorted([other.id, survivor.id, first.person_id])
    assert db.session.get(Registration, first.id).confirmed_at is not None
    assert _waitlist(opp) == [(second.person_id, 1), (third.person_id, 2)]
    assert _outbox() == [("registration_promoted", {"registration_id": first.id})]
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "merge"))
    assert audit.details["promoted_from_waitlist"] == [first.id]


def test_the_merge_page_mails_the_promoted_person(app, db, client, login):
    opp, survivor, merged, _other, (first, _second, _third) = _two_seats_and_a_line(db)
    promoted_email = first.person.email
    login(make_user("staff"))
    folder = Path(app.config["MAIL_FILE_DIR"])

    response = client.post("/staff/people/merge", data={"survivor_id": survivor.id, "merged_id": merged.id})

    assert response.status_code == 302
    messages = [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in folder.glob("*.eml")]
    assert [m["To"].addresses[0].addr_spec for m in messages] == [promoted_email]
    assert opp.title in messages[0]["Subject"]
    db.session.expire_all()
    assert db.session.get(Registration, first.id).status == "confirmed"


def test_seats_are_read_under_the_opportunity_lock(app, db):
    """The registrations a merge decides on are read after the lock the registration services take."""
    opp = make_opportunity(capacity=1)
    survivor, merged = make_person(), make_person()
    make_registration(opp, survivor)
    _waiting(opp, merged, 1)
    db.session.commit()
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()).lower())

    engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        merge_people(survivor.id, merged.id)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    db.session.commit()

    lock = next(i for i, s in enumerate(statements) if s.startswith("update opportunities set lock_version"))
    delete = next(i for i, s in enumerate(statements) if s.startswith("delete from registrations"))
    reads = [i for i, s in enumerate(statements) if s.startswith("select") and "from registrations" in s]
    assert any(lock < i < delete for i in reads)
