"""Opportunity rules: validation messages, sessions, capacity and the waitlist, status transitions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from csi_events.audit.models import AuditEvent
from csi_events.checkin.models import CheckIn
from csi_events.db import utcnow
from csi_events.errors import Conflict, ValidationFailed
from csi_events.localtime import as_aware, local_to_utc
from csi_events.opportunities import services, transitions
from csi_events.opportunities.models import LearningOpportunity, Session
from csi_events.opportunities.validation import OpportunityInput, SessionInput, input_from
from tests.factories import make_opportunity, make_person, make_registration, make_user

LOCAL_TZ = ZoneInfo("America/Los_Angeles")


def future(days: int = 10, hour: int = 9) -> datetime:
    day = (utcnow() + timedelta(days=days)).astimezone(LOCAL_TZ).date()
    return datetime.combine(day, time(hour, 0), tzinfo=LOCAL_TZ)


def valid_input(**overrides) -> OpportunityInput:
    start = future()
    values = {
        "title": "Family Engagement Community of Practice",
        "summary": "Monthly meeting of family-engagement leads.",
        "kind": "community_of_practice",
        "modality": "in_person",
        "subregion": 4,
        "topics": ["family_community_engagement", "Parent  Leadership"],
        "capacity": "40",
        "pd_hours": "2.5",
        "sessions": [SessionInput(start, start + timedelta(hours=2), venue="LACOE, Downey")],
    }
    values.update(overrides)
    return OpportunityInput(**values)


def opportunity_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(LearningOpportunity))


def test_create_stores_a_draft_with_utc_sessions_topics_and_facilitators(db):
    staff = make_user("staff")
    facilitator = make_user("facilitator", email="Fac@Example.org")
    start = datetime(2031, 3, 4, 15, 30)  # naive: read as Los Angeles (PST, -08:00)
    data = valid_input(
        facilitators=["fac@example.org"],
        sessions=[
            SessionInput(start + timedelta(days=7), start + timedelta(days=7, hours=2), venue="Room B"),
            SessionInput(start, start + timedelta(hours=2), venue="Room A"),
        ],
    )
    opp = services.create_opportunity(data, actor=staff)
    db.session.commit()
    db.session.expire_all()
    opp = db.session.get(LearningOpportunity, opp.id)
    assert opp.status == "draft"
    assert opp.capacity == 40 and opp.pd_hours == Decimal("2.50")
    assert [s.venue for s in opp.sessions] == ["Room A", "Room B"]
    assert opp.sessions[0].starts_at == datetime(2031, 3, 4, 23, 30, tzinfo=UTC)
    assert sorted(opp.topics) == ["family_community_engagement", "parent leadership"]
    assert [u.id for u in opp.facilitators] == [facilitator.id]
    assert opp.created_by_id == staff.id
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_id == str(opp.id))) == (
        "opportunity_created"
    )


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"title": "   "}, "title", "title"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"kind": "party"}, "kind", "kind"),
        ({"modality": "telepathy"}, "modality", "in person, virtual or hybrid"),
        ({"subregion": 9}, "subregion", "1 to 8"),
        ({"subregion": "two"}, "subregion", "1 to 8"),
        ({"capacity": 0}, "capacity", "whole number"),
        ({"capacity": -3}, "capacity", "whole number"),
        ({"capacity": "2.5"}, "capacity", "whole number"),
        ({"capacity": "forty"}, "capacity", "whole number"),
        ({"pd_hours": "101"}, "pd_hours", "0 to 100"),
        ({"pd_hours": "1.234"}, "pd_hours", "two decimals"),
        ({"pd_hours": -1}, "pd_hours", "0 to 100"),
        ({"pd_hours": "lots"}, "pd_hours", "0 to 100"),
        ({"sessions": []}, "sessions", "at least one session"),
        ({"facilitators": ["nobody@example.org"]}, "facilitators", "nobody@example.org"),
        ({"topics": ["x" * 61]}, "topics", "at most 60"),
    ],
)
def test_invalid_fields_are_refused_with_words_a_person_understands(db, overrides, field, words):
    with pytest.raises(ValidationFailed) as caught:
        services.create_opportunity(valid_input(**overrides))
    assert field in caught.value.fields, caught.value.fields
    assert words in " ".join(caught.value.fields[field])
    assert caught.value.status == 422
    assert opportunity_count(db) == 0


def test_session_rules_name_the_session_and_field(db):
    start = future()
    data = valid_input(
        sessions=[
            SessionInput(start, start + timedelta(hours=1), venue="Hall"),
            SessionInput(start, start - timedelta(minutes=30), venue="Hall"),
            SessionInput(start, start + timedelta(hours=1), venue=None),
            SessionInput(None, start + timedelta(hours=1), venue="Hall"),
            SessionInput(start, start + timedelta(hours=1), venue="Hall", virtual_url="javascript:alert(1)"),
            SessionInput(start, start + timedelta(hours=1), venue="Hall", virtual_url="ftp://files.example.org/x"),
        ]
    )
    with pytest.raises(ValidationFailed) as caught:
        services.create_opportunity(data)
    fields = caught.value.fields
    assert "sessions.0.ends_at" not in fields
    assert fields["sessions.1.ends_at"] == ["The session must end after it starts."]
    assert "needs a venue" in fields["sessions.2.venue"][0]
    assert "starts" in fields["sessions.3.starts_at"][0]
    assert "https://" in fields["sessions.4.virtual_url"][0]
    assert "https://" in fields["sessions.5.virtual_url"][0]
    assert opportunity_count(db) == 0


def test_virtual_sessions_need_no_venue_but_hybrid_does(db):
    start = future()
    virtual = valid_input(
        modality="virtual",
        sessions=[SessionInput(start, start + timedelta(hours=1), virtual_url="https://zoom.example.org/j/1")],
    )
    assert services.create_opportunity(virtual).sessions[0].venue is None
    with pytest.raises(ValidationFailed) as caught:
        services.create_opportunity(
            valid_input(modality="hybrid", sessions=[SessionInput(start, start + timedelta(hours=1))])
        )
    assert "sessions.0.venue" in caught.value.fields


def test_registration_window_must_open_before_it_closes_and_close_by_the_last_session_end(db):
    start = future(days=20)
    end = start + timedelta(hours=2)
    with pytest.raises(ValidationFailed) as caught:
        services.create_opportunity(
            valid_input(
                sessions=[SessionInput(start, end, venue="Hall")],
                registration_opens_at=start - timedelta(days=1),
                registration_closes_at=start - timedelta(days=2),
            )
        )
    assert caught.value.fields["registration_opens_at"] == ["Registration must open before it closes."]
    with pytest.raises(ValidationFailed) as caught:
        services.create_opportunity(
            valid_input(
                sessions=[SessionInput(start, end, venue="Hall")], registration_closes_at=end + timedelta(minutes=1)
            )
        )
    assert "last session" in caught.value.fields["registration_closes_at"][0]
    opp = services.create_opportunity(
        valid_input(sessions=[SessionInput(start, end, venue="Hall")], registration_closes_at=end)
    )
    assert opp.registration_closes_at == end.astimezone(UTC)


def test_local_times_convert_to_utc_across_daylight_saving():
    assert local_to_utc(date(2031, 1, 15), time(9, 0)) == datetime(2031, 1, 15, 17, 0, tzinfo=UTC)
    assert local_to_utc(date(2031, 7, 15), time(9, 0)) == datetime(2031, 7, 15, 16, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        local_to_utc(date(2031, 3, 9), time(2, 30))  # clocks jump from 2:00 to 3:00
    assert as_aware(datetime(2031, 7, 15, 9, 0)) == datetime(2031, 7, 15, 16, 0, tzinfo=UTC)
    offset = datetime(2031, 7, 15, 9, 0, tzinfo=UTC)
    assert as_aware(offset) == offset


def test_update_edits_adds_and_removes_sessions(db):
    opp = make_opportunity(sessions=3)
    first, second, third = opp.sessions
    moved = first.starts_at + timedelta(hours=1)
    data = input_from(opp)
    data.sessions = [
        SessionInput(moved, moved + timedelta(hours=1), venue="New room", id=first.id),
        SessionInput(third.starts_at, third.ends_at, venue=third.venue, id=third.id),
        SessionInput(third.starts_at + timedelta(days=7), third.ends_at + timedelta(days=7), venue="Hall"),
    ]
    services.update_opportunity(opp, data)
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(select(Session).where(Session.opportunity_id == opp.id).order_by(Session.starts_at)).all()
    assert [r.id for r in rows[:2]] == [first.id, third.id]
    assert rows[0].starts_at == moved and rows[0].venue == "New room"
    assert len(rows) == 3 and db.session.get(Session, second.id) is None


def test_a_session_with_check_ins_cannot_be_removed(db):
    opp = make_opportunity(sessions=2)
    reg = make_registration(opp)
    db.session.add(CheckIn(session_id=opp.sessions[1].id, person_id=reg.person_id, registration_id=reg.id))
    db.session.commit()
    data = input_from(opp)
    data.sessions = data.sessions[:1]
    with pytest.raises(ValidationFailed) as caught:
        services.update_opportunity(opp, data)
    assert "check-ins" in caught.value.fields["sessions"][0]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Session)) == 2


def test_a_session_of_another_opportunity_cannot_be_edited(db):
    opp = make_opportunity()
    other = make_opportunity()
    data = input_from(opp)
    data.sessions[0].id = other.sessions[0].id
    with pytest.raises(ValidationFailed) as caught:
        services.update_opportunity(opp, data)
    assert "sessions.0.id" in caught.value.fields


def _waitlist(opp, n):
    return [make_registration(opp, status="waitlisted", waitlist_position=i + 1) for i in range(n)]


def test_raising_capacity_confirms_the_first_waitlisted_people(db):
    opp = make_opportunity(capacity=2)
    make_registration(opp)
    make_registration(opp)
    waiting = _waitlist(opp, 3)
    db.session.commit()
    data = input_from(opp)
    data.capacity = 4
    services.update_opportunity(opp, data)
    db.session.commit()
    db.session.expire_all()
    statuses = [
        (db.session.get(type(r), r.id).status, db.session.get(type(r), r.id).waitlist_position) for r in waiting
    ]
    assert statuses == [("confirmed", None), ("confirmed", None), ("waitlisted", 1)]


def test_removing_capacity_confirms_everyone_waiting(db):
    opp = make_opportunity(capacity=1)
    make_registration(opp)
    waiting = _waitlist(opp, 2)
    data = input_from(opp)
    data.capacity = ""
    services.update_opportunity(opp, data)
    db.session.commit()
    db.session.expire_all()
    assert opp.capacity is None
    assert {db.session.get(type(r), r.id).status for r in waiting} == {"confirmed"}


def test_lowering_capacity_below_confirmed_is_refused_and_nobody_is_unconfirmed(db):
    opp = make_opportunity(capacity=5)
    people = [make_registration(opp) for _ in range(3)]
    db.session.commit()
    data = input_from(opp)
    data.capacity = 2
    with pytest.raises(ValidationFailed) as caught:
        services.update_opportunity(opp, data)
    assert "3 people are already confirmed" in caught.value.fields["capacity"][0]
    db.session.rollback()
    assert db.session.get(LearningOpportunity, opp.id).capacity == 5
    assert {db.session.get(type(r), r.id).status for r in people} == {"confirmed"}
    data = input_from(opp)
    data.capacity = 3  # exactly the confirmed count is fine
    services.update_opportunity(opp, data)
    assert opp.capacity == 3


def test_status_transitions_and_their_audit_events(db):
    staff = make_user("staff")
    opp = make_opportunity(status="draft")
    transitions.publish(opp, actor=staff)
    assert opp.status == "published"
    with pytest.raises(Conflict, match="Only a draft"):
        transitions.publish(opp)
    transitions.cancel(opp, actor=staff)
    assert opp.status == "cancelled"
    with pytest.raises(Conflict, match="Only a published"):
        transitions.cancel(opp)
    with pytest.raises(Conflict, match="Only a draft"):
        transitions.publish(opp)
    transitions.archive(opp, actor=staff)
    assert opp.status == "archived"
    with pytest.raises(Conflict, match="already archived"):
        transitions.archive(opp)
    draft = make_opportunity(status="draft")
    with pytest.raises(Conflict):
        transitions.cancel(draft)
    transitions.archive(draft)
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.actor_user_id)
        .where(AuditEvent.target_id == str(opp.id))
        .order_by(AuditEvent.id)
    ).all()
    assert events == [
        ("opportunity_published", staff.id),
        ("opportunity_cancelled", staff.id),
        ("opportunity_archived", staff.id),
    ]


def test_change_status_refuses_going_back_to_draft(db):
    opp = make_opportunity(status="published")
    with pytest.raises(Conflict, match="cannot go back"):
        transitions.change_status(opp, "draft")
    assert transitions.change_status(opp, "published").status == "published"


def test_inactive_users_cannot_facilitate(db):
    gone = make_user("facilitator", active=False)
    with pytest.raises(ValidationFailed) as caught:
        services.create_opportunity(valid_input(facilitators=[gone.email]))
    assert "cannot facilitate" in caught.value.fields["facilitators"][0]


def test_unknown_person_is_not_needed_for_counts(db):
    # confirmed_count used by the capacity rule counts only confirmed registrations of this opportunity
    opp = make_opportunity(capacity=2)
    other = make_opportunity(capacity=2)
    make_registration(other, person=make_person())
    make_registration(other, person=make_person())
    make_registration(opp, status="cancelled")
    data = input_from(opp)
    data.capacity = 1
    assert services.update_opportunity(opp, data).capacity == 1
