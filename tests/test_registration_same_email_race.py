"""The same new address signing up many times at once: one person, one registration, the rest told
"already registered" (the person is created with INSERT .. ON CONFLICT DO NOTHING on PostgreSQL and SQLite)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from csi_events.db import commit
from csi_events.extensions import db as _db
from csi_events.models import LearningOpportunity, Person, Registration
from csi_events.registrations.services import RegistrationInput, register
from tests.factories import make_opportunity, make_person


def _run_concurrently(app, count, work):
    barrier = threading.Barrier(count)
    outcomes, errors = [], []

    def runner(i):
        with app.app_context():
            try:
                barrier.wait()
                outcomes.append(work(i))
            except Exception as err:  # collected and asserted below
                errors.append(repr(err))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes, errors


def test_same_new_address_at_once_makes_one_person_and_one_registration(app, db):
    opp_id = make_opportunity(capacity=3).id
    db.session.commit()

    def sign_up(i):
        opp = _db.session.get(LearningOpportunity, opp_id)
        outcome = register(
            opp, RegistrationInput(first_name="Same", last_name=str(i), email=" Same.Person@Example.org ")
        )
        created = outcome.created
        commit(_db.session)
        return created

    outcomes, errors = _run_concurrently(app, 12, sign_up)
    assert errors == []
    assert sorted(outcomes) == [False] * 11 + [True]
    assert db.session.scalar(select(func.count()).select_from(Person)) == 1
    person = db.session.scalar(select(Person))
    assert person.email == "same.person@example.org"
    rows = db.session.scalars(select(Registration).where(Registration.opportunity_id == opp_id)).all()
    assert [(r.person_id, r.status) for r in rows] == [(person.id, "confirmed")]


def test_known_address_is_not_changed_and_new_person_gets_directory_fields(app, db):
    opp = make_opportunity(capacity=1)
    known = make_person(email="known@example.org", first_name="Original")
    db.session.commit()
    first = register(opp, RegistrationInput(first_name="Typed", last_name="Over", email="KNOWN@example.org"))
    commit(db.session)
    assert first.created is True
    assert first.registration.person_id == known.id
    db.session.refresh(known)
    assert known.first_name == "Original"

    second = register(
        opp,
        RegistrationInput(
            first_name=" Ana ", last_name=" Ruiz ", email="ana@example.org", role="teacher", organization=" "
        ),
    )
    commit(db.session)
    person = db.session.get(Person, second.registration.person_id)
    assert (person.first_name, person.last_name, person.role, person.organization) == ("Ana", "Ruiz", "teacher", None)
    assert person.created_at is not None and person.created_at.tzinfo is not None
    assert second.registration.status == "waitlisted" and second.registration.waitlist_position == 1
