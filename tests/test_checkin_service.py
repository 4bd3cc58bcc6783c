"""check_in(): the order of the rules, nonces, undo and revive, overrides, walk-ins, search, counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from csi_events.checkin import services
from csi_events.checkin.answers import Counts, PersonShown
from csi_events.checkin.models import CheckIn, ScanAnswer
from csi_events.db import utcnow
from csi_events.errors import Conflict
from csi_events.models import AuditEvent, Registration
from csi_events.registrations.services import RegistrationInput
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user


@pytest.fixture
def setup(db):
    staff = make_user("staff", display_name="Door Keeper")
    start = utcnow() + timedelta(minutes=30)  # check-in window opened 30 minutes ago
    opp = make_opportunity(starts_at=start, capacity=3)
    session = opp.sessions[0]
    lea = make_lea(name="Pomona Unified")
    school = make_school(lea=lea, name="Lincoln Elementary")
    person = make_person(first_name="Ana", last_name="Reyes", lea=lea, school=school)
    reg = make_registration(opp, person, needs="Spanish interpretation")
    return staff, opp, session, reg


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_ok_then_already_checked_in_with_first_time_and_who(db, setup):
    staff, opp, session, reg = setup
    other = make_user("staff", display_name="Second Device")
    first = services.check_in(session, reg.ticket, "n-1", staff, "qr")
    assert first.status == "ok"
    assert first.person == PersonShown(
        name="Ana Reyes", lea="Pomona Unified", school="Lincoln Elementary", needs="Spanish interpretation"
    )
    assert first.counts == Counts(checked_in=1, confirmed=1, walk_ins=0)
    again = services.check_in(session, f"https://anything.example/t/{reg.ticket}", "n-2", other, "qr")
    assert again.status == "already_checked_in"
    assert again.checkin.id == first.checkin.id
    assert again.answer.checkin.by == "Door Keeper"
    assert again.answer.to_json()["checkin"]["checked_in_at"] == first.checkin.checked_in_at.isoformat()
    assert count(db, CheckIn) == 1


@pytest.mark.parametrize("ticket", ["", "nope", "x" * 40, "https://h/t/" + "y" * 32, "../../etc"])
def test_unknown_tickets_are_invalid(db, setup, ticket):
    staff, opp, session, reg = setup
    result = services.check_in(session, ticket, None, staff)
    assert result.status == "invalid" and result.person is None
    assert count(db, CheckIn) == 0


def test_rule_order(db, setup):
    staff, opp, session, reg = setup
    other_opp = make_opportunity(starts_at=session.starts_at)
    # cancelled beats wrong session
    cancelled_elsewhere = make_registration(other_opp, status="cancelled")
    assert services.check_in(session, cancelled_elsewhere.ticket, None, staff).status == "canceled"
    elsewhere = make_registration(other_opp)
    result = services.check_in(session, elsewhere.ticket, None, staff)
    assert result.status == "wrong_session" and result.person is None
    # wrong session beats waitlisted
    waiting_elsewhere = make_registration(other_opp, status="waitlisted", waitlist_position=1)
    assert services.check_in(session, waiting_elsewhere.ticket, None, staff).status == "wrong_session"
    # waitlisted beats not open
    waiting = make_registration(opp, status="waitlisted", waitlist_position=1)
    late = utcnow() + timedelta(days=3)
    assert services.check_in(session, waiting.ticket, None, staff, now=late).status == "waitlisted"
    assert services.check_in(session, reg.ticket, None, staff, now=late).status == "not_open"
    early = session.starts_at - timedelta(minutes=61)
    assert services.check_in(session, reg.ticket, None, staff, now=early).status == "not_open"
    assert count(db, CheckIn) == 0


def test_override_admits_waitlisted_and_early_and_is_recorded(db, setup):
    staff, opp, session, reg = setup
    waiting = make_registration(opp, status="waitlisted", waitlist_position=1)
    result = services.check_in(session, waiting.ticket, None, staff, "search", override=True)
    assert result.status == "ok" and result.checkin.override is True
    early = session.starts_at - timedelta(hours=3)
    result = services.check_in(session, reg.ticket, None, staff, override=True, now=early)
    assert result.status == "ok" and result.checkin.override is True
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "checkin_override")).all()
    assert len(events) == 2
    assert {e.details["registration_status"] for e in events} == {"waitlisted", "confirmed"}


def test_same_nonce_returns_first_answer_and_stores_nothing(db, setup):
    staff, opp, session, reg = setup
    first = services.check_in(session, reg.ticket, "same", staff)
    db.session.commit()
    answers, checkins = count(db, ScanAnswer), count(db, CheckIn)
    again = services.check_in(session, reg.ticket, "same", staff)
    assert again.replayed and again.status == "ok"
    assert again.answer == first.answer
    # even a different ticket under the same nonce gets the first answer
    other = make_registration(opp)
    third = services.check_in(session, other.ticket, "same", staff)
    assert third.answer == first.answer
    assert (count(db, ScanAnswer), count(db, CheckIn)) == (answers, checkins) == (1, 1)


def test_undo_then_check_in_again_revives_the_row(db, setup):
    staff, opp, session, reg = setup
    first = services.check_in(session, reg.ticket, None, staff)
    assert services.undo(first.checkin, staff) is True
    assert services.undo(first.checkin, staff) is False  # already undone
    assert first.checkin.undone_at is not None and first.checkin.undone_by_id == staff.id
    assert services.session_counts(session).checked_in == 0
    again = services.check_in(session, reg.ticket, None, staff, "search")
    assert again.status == "ok" and again.checkin.id == first.checkin.id
    assert again.checkin.undone_at is None and again.checkin.method == "search"
    assert count(db, CheckIn) == 1
    assert count(db, AuditEvent, AuditEvent.action == "checkin_undone") == 1


def test_offline_scan_time_is_kept_and_decides_the_window(db, setup):
    staff, opp, session, reg = setup
    after_close = session.ends_at + timedelta(minutes=20)
    scanned = session.starts_at + timedelta(minutes=5)
    result = services.check_in(session, reg.ticket, "off-1", staff, "offline", scanned_at=scanned, now=after_close)
    assert result.status == "ok"
    assert result.checkin.scanned_at == scanned and result.checkin.method == "offline"


def test_walk_in_creates_person_registration_and_checkin(db, setup):
    staff, opp, session, reg = setup
    data = RegistrationInput(first_name="Walk", last_name="In", email=" Walk.In@Example.org ", role="teacher")
    outcome = services.walk_in(session, data, staff)
    assert outcome.created and outcome.result.status == "ok"
    assert outcome.registration.source == "walk_in" and outcome.registration.status == "confirmed"
    assert outcome.result.checkin.method == "walk_in"
    assert outcome.result.counts == Counts(checked_in=1, confirmed=2, walk_ins=1)
    # the same person again is simply already checked in
    again = services.walk_in(session, data, staff)
    assert not again.created and again.result.status == "already_checked_in"
    assert count(db, Registration, Registration.source == "walk_in") == 1


def test_walk_in_outside_window_is_refused(db, setup):
    staff, opp, session, reg = setup
    data = RegistrationInput(first_name="Too", last_name="Late", email="late@example.org")
    with pytest.raises(Conflict):
        services.walk_in(session, data, staff, now=session.ends_at + timedelta(hours=1))


def test_search_by_name_or_email(db, setup):
    staff, opp, session, reg = setup
    make_registration(opp, make_person(first_name="Bob", last_name="Stone", email="bstone@district.org"))
    assert [r["name"] for r in services.search_roster(session, "reyes")] == ["Ana Reyes"]
    assert [r["name"] for r in services.search_roster(session, "DISTRICT.org")] == ["Bob Stone"]
    assert [r["name"] for r in services.search_roster(session, "ana rey")] == ["Ana Reyes"]
    assert services.search_roster(session, "zzz") == []
    assert services.search_roster(session, "  ") == []


def test_self_checkin_code_only_in_window(db, setup):
    staff, opp, session, reg = setup
    code = services.ensure_self_checkin_code(session)
    assert len(code) == 6 and services.ensure_self_checkin_code(session) == code
    email = reg.person.email.upper()
    assert services.self_check_in_with_code(email, "WRONG1") is None
    assert services.self_check_in_with_code("nobody@example.org", code) is None
    late = session.ends_at + timedelta(minutes=1)
    assert services.self_check_in_with_code(email, code, now=late) is None
    result = services.self_check_in_with_code(email, code.lower())
    assert result.status == "ok" and result.checkin.method == "self" and result.checkin.by_user_id is None
