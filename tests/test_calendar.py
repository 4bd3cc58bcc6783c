"""The .ics files: one per opportunity and a feed of the (filtered) catalog, read back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from csi_events.db import utcnow
from tests.factories import make_opportunity

YEAR = utcnow().year + 2


def events_of(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.get_data())
    return [c for c in calendar.walk() if c.name == "VEVENT"]


def test_opportunity_ics_has_every_session_with_its_times(client, db):
    start = datetime(YEAR, 3, 4, 23, 30, tzinfo=UTC)
    opp = make_opportunity(title="Family Night", starts_at=start, sessions=3, hours=1.5)
    db.session.commit()
    events = events_of(client.get(f"/opportunities/{opp.id}.ics"))
    assert len(events) == 3
    starts = [e.decoded("dtstart") for e in events]
    ends = [e.decoded("dtend") for e in events]
    assert starts == [s.starts_at for s in opp.sessions]
    assert ends == [s.ends_at for s in opp.sessions]
    assert starts[0] == start and ends[0] == start + timedelta(hours=1.5)
    assert str(events[0]["summary"]) == "Family Night (1/3)"
    assert str(events[0]["location"]) == "Room 101"
    assert f"/opportunities/{opp.id}" in str(events[0]["url"])
    assert len({str(e["uid"]) for e in events}) == 3


def test_public_ics_leaves_out_meeting_links_and_marks_cancelled(client, db):
    opp = make_opportunity(modality="virtual", status="cancelled")
    opp.sessions[0].virtual_url = "https://meet.example.org/private-room"
    db.session.commit()
    body = client.get(f"/opportunities/{opp.id}.ics")
    events = events_of(body)
    assert "private-room" not in body.get_data(as_text=True)
    assert str(events[0]["location"]) == "Virtual"
    assert str(events[0]["status"]) == "CANCELLED"


def test_draft_ics_is_not_public(client, db):
    opp = make_opportunity(status="draft")
    db.session.commit()
    assert client.get(f"/opportunities/{opp.id}.ics").status_code == 404


def test_catalog_feed_follows_the_catalog_filters(client, db):
    metro = make_opportunity(title="Metro", subregion=4, sessions=2, starts_at=datetime(YEAR, 5, 1, 16, tzinfo=UTC))
    make_opportunity(title="West", subregion=5, starts_at=datetime(YEAR, 5, 2, 16, tzinfo=UTC))
    make_opportunity(title="Draft", subregion=4, status="draft")
    make_opportunity(title="Over", subregion=4, starts_at=utcnow() - timedelta(days=3))
    db.session.commit()
    events = events_of(client.get("/opportunities.ics?subregion=4"))
    assert sorted(str(e["summary"]) for e in events) == ["Metro (1/2)", "Metro (2/2)"]
    assert {e.decoded("dtstart") for e in events} == {s.starts_at for s in metro.sessions}
    everything = events_of(client.get("/opportunities.ics"))
    assert sorted({str(e["summary"]).split(" (")[0] for e in everything}) == ["Metro", "West"]
