"""Calendar updates: e-mails carry METHOD:REQUEST / METHOD:CANCEL with the same UID and a higher SEQUENCE,
SEQUENCE and LAST-MODIFIED come from the data, DTSTAMP is stable, the feed is named, titles are one line.
Every calendar file is read by two independent parsers (icalendar and vobject), which must agree."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject

from csi_events.db import commit, utcnow
from csi_events.errors import ValidationFailed
from csi_events.extensions import db
from csi_events.opportunities.services import create_opportunity, update_opportunity
from csi_events.opportunities.transitions import cancel as cancel_opportunity
from csi_events.opportunities.validation import OpportunityInput, SessionInput, input_from
from csi_events.registrations.services import RegistrationInput, cancel, register
from tests.factories import make_opportunity, make_user
from tests.smtp_server import smtp_backend

YEAR = utcnow().year + 1
START = datetime(YEAR, 3, 4, 17, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Ev:
    uid: str
    sequence: int
    status: str
    start: datetime
    stamp: datetime
    modified: datetime


@dataclass(frozen=True)
class Cal:
    method: str | None
    name: str | None
    events: tuple[Ev, ...]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def read_icalendar(data: bytes) -> Cal:
    cal = icalendar.Calendar.from_ical(data)
    events = tuple(
        Ev(
            str(e["uid"]),
            int(e["sequence"]),
            str(e["status"]),
            _utc(e.decoded("dtstart")),
            _utc(e.decoded("dtstamp")),
            _utc(e.decoded("last-modified")),
        )
        for e in cal.walk("VEVENT")
    )
    method = str(cal["method"]) if "method" in cal else None
    name = str(cal["x-wr-calname"]) if "x-wr-calname" in cal else None
    return Cal(method, name, events)


def read_vobject(data: bytes) -> Cal:
    cal = vobject.readOne(data.decode("utf-8"))
    events = tuple(
        Ev(
            e.uid.value,
            int(e.sequence.value),
            e.status.value,
            _utc(e.dtstart.value),
            _utc(e.dtstamp.value),
            _utc(e.last_modified.value),
        )
        for e in cal.vevent_list
    )
    method = cal.method.value if hasattr(cal, "method") else None
    name = cal.contents["x-wr-calname"][0].value if "x-wr-calname" in cal.contents else None
    return Cal(method, name, events)


def parsed(data: bytes) -> Cal:
    """The calendar as both parsers read it; they must agree."""
    first, second = read_icalendar(data), read_vobject(data)
    assert first == second
    return first


def attached_calendar(message) -> tuple[Cal, str]:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return parsed(part.get_payload(decode=True)), part.get_param("method")


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


def sign_up(opp, email="ana@example.org"):
    outcome = register(opp, RegistrationInput(first_name="Ana", last_name="Díaz", email=email))
    commit(db.session)
    return outcome.registration


def test_cancelling_a_registration_sends_the_cancel_and_registering_again_outranks_it(app, db, smtp):
    opp = make_opportunity(title="Family Nights", starts_at=START, sessions=2)
    db.session.commit()
    registration = sign_up(opp)
    ticket, method = attached_calendar(smtp.to("ana@example.org")[-1])
    assert (ticket.method, method) == ("REQUEST", "REQUEST")
    assert [e.status for e in ticket.events] == ["CONFIRMED", "CONFIRMED"]

    cancel(registration)
    commit(db.session)
    message = smtp.to("ana@example.org")[-1]
    assert message["Subject"] == "Registration cancelled: Family Nights"
    cancelled, method = attached_calendar(message)
    assert (cancelled.method, method) == ("CANCEL", "CANCEL")
    assert [e.uid for e in cancelled.events] == [e.uid for e in ticket.events]
    assert all(c.sequence > t.sequence for c, t in zip(cancelled.events, ticket.events, strict=True))
    assert [e.status for e in cancelled.events] == ["CANCELLED", "CANCELLED"]

    sign_up(opp)
    again, _method = attached_calendar(smtp.to("ana@example.org")[-1])
    assert again.method == "REQUEST"
    assert all(a.sequence > c.sequence for a, c in zip(again.events, cancelled.events, strict=True))


def test_cancelling_the_opportunity_removes_it_from_calendars(app, db, smtp):
    opp = make_opportunity(title="Family Nights", starts_at=START)
    db.session.commit()
    sign_up(opp)
    ticket, _method = attached_calendar(smtp.to("ana@example.org")[-1])
    cancel_opportunity(opp, actor=make_user("staff"), reason="Room flooded")
    commit(db.session)
    message = smtp.to("ana@example.org")[-1]
    assert message["Subject"] == "Cancelled by the organizers: Family Nights"
    cancelled, method = attached_calendar(message)
    assert (cancelled.method, method) == ("CANCEL", "CANCEL")
    (event,) = cancelled.events
    assert event.uid == ticket.events[0].uid and event.sequence > ticket.events[0].sequence
    assert event.status == "CANCELLED"


def test_a_new_session_time_mails_the_update_and_a_new_room_only_raises_the_sequence(app, db, smtp, client):
    opp = make_opportunity(title="Family Nights", starts_at=START, sessions=2)
    db.session.commit()
    sign_up(opp)
    ticket, _method = attached_calendar(smtp.to("ana@example.org")[-1])
    feed_before = parsed(client.get(f"/opportunities/{opp.id}.ics").get_data())
    smtp.clear()

    data = input_from(opp)
    data.sessions[1] = replace(data.sessions[1], starts_at=data.sessions[1].starts_at + timedelta(hours=1))
    data.sessions[1] = replace(data.sessions[1], ends_at=data.sessions[1].ends_at + timedelta(hours=1))
    update_opportunity(opp, data)
    commit(db.session)
    (message,) = smtp.to("ana@example.org")
    assert message["Subject"] == "New time: Family Nights"
    update, method = attached_calendar(message)
    assert (update.method, method) == ("REQUEST", "REQUEST")
    assert [e.uid for e in update.events] == [e.uid for e in ticket.events]
    assert update.events[0].sequence == ticket.events[0].sequence  # unchanged session
    assert update.events[1].sequence > ticket.events[1].sequence
    assert update.events[1].start == ticket.events[1].start + timedelta(hours=1)

    feed = parsed(client.get(f"/opportunities/{opp.id}.ics").get_data())
    assert feed.events[0] == feed_before.events[0]  # unchanged: same SEQUENCE, same DTSTAMP
    assert feed.events[1].sequence == feed_before.events[1].sequence + 1
    assert feed.events[1].modified >= feed_before.events[1].modified  # whole seconds: may be the same second

    smtp.clear()
    data = input_from(opp)
    data.sessions[0] = replace(data.sessions[0], venue="Room 202")
    update_opportunity(opp, data)
    commit(db.session)
    assert smtp.to("ana@example.org") == []  # no new time, no e-mail
    moved = parsed(client.get(f"/opportunities/{opp.id}.ics").get_data())
    assert moved.events[0].sequence == feed.events[0].sequence + 1
    assert moved.events[1] == feed.events[1]


def test_feed_is_named_and_stable_for_unchanged_events(app, db, client):
    make_opportunity(title="Metro", starts_at=START, sessions=2)
    db.session.commit()
    first = client.get("/opportunities.ics").get_data()
    second = client.get("/opportunities.ics").get_data()
    assert first == second  # DTSTAMP comes from the data, not from the clock
    feed = parsed(first)
    assert feed.name == "Community Schools learning opportunities"
    assert feed.method is None
    assert all(e.stamp == e.modified for e in feed.events)
    assert all(e.stamp.microsecond == 0 for e in feed.events)


@pytest.mark.parametrize("title", ["Family\nNights", "Family\rNights", "Family\tNights", "Family\x00Nights"])
def test_titles_refuse_control_characters(app, db, title):
    staff = make_user("staff")
    data = OpportunityInput(
        title=title,
        kind="workshop",
        modality="in_person",
        sessions=[SessionInput(START, START + timedelta(hours=1), venue="Room 1")],
    )
    with pytest.raises(ValidationFailed) as err:
        create_opportunity(data, actor=staff)
    assert err.value.fields["title"] == [
        "The title must be one line, without line breaks, tabs or other control characters."
    ]
