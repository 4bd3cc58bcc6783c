"""Zoom participant report import: encodings, combining rejoins, threshold, matching, idempotence."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from csi_events.attendance.zoom import ZoomFileError, parse_report
from csi_events.models import CheckIn, Person, Registration, ScanAnswer
from tests.factories import make_opportunity, make_person, make_registration, make_user

# 2025-03-04 15:30-16:30 in Los Angeles (PST, UTC-8) = 23:30-00:30 UTC; threshold 50% = 30 minutes.
START = datetime(2025, 3, 4, 23, 30, tzinfo=UTC)
HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"


def report(rows: list[str], header: str = HEADER) -> str:
    return header + "".join(r + "\n" for r in rows)


ROWS = [
    "Ana Lopez,ANA@example.org,03/04/2025 03:28:00 PM,03/04/2025 03:50:00 PM,22,No",
    "Ana Lopez (iPhone),ana@example.org,03/04/2025 03:45:00 PM,03/04/2025 04:05:00 PM,20,No",  # rejoin
    "Ben Okafor,ben@example.org,03/04/2025 03:31:12 PM,03/04/2025 03:45:00 PM,14,No",  # below 30
    "Cai Wong,,03/04/2025 03:30:00 PM,03/04/2025 04:30:00 PM,60,Yes",  # no e-mail: offered by name
    "Dee Guest,dee@nowhere.org,03/04/2025 03:30:00 PM,03/04/2025 04:20:00 PM,50,Yes",  # unknown address
    "Eve Stone,eve@example.org,03/04/2025 03:35:00 PM,03/04/2025 04:30:00 PM,55,No",  # not registered
]


@pytest.fixture
def world(app, db):
    opp = make_opportunity(starts_at=START, modality="virtual", hours=1)
    session = opp.sessions[0]
    ana = make_person("ana@example.org", first_name="Ana", last_name="Lopez")
    ben = make_person("ben@example.org", first_name="Ben", last_name="Okafor")
    cai = make_person("cai.wong@example.org", first_name="Cai", last_name="Wong")
    eve = make_person("eve@example.org", first_name="Eve", last_name="Stone")
    for p in (ana, ben, cai):
        make_registration(opp, p)
    db.session.commit()
    return {"opp": opp, "session": session, "ana": ana, "ben": ben, "cai": cai, "eve": eve}


def upload(client, session, content: bytes, name="participants.csv"):
    return client.post(
        f"/staff/sessions/{session.id}/zoom-import",
        data={"report": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def checkins(db, session):
    return {
        (c.person_id, c.method, c.minutes_present)
        for c in db.session.scalars(select(CheckIn).where(CheckIn.session_id == session.id))
    }


def test_parse_combines_rejoins_and_reads_encodings():
    text = report(ROWS)
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("utf-16")):
        people = {p.key: p for p in parse_report(data)}
        assert people["ana@example.org"].rows == 2
        assert people["ana@example.org"].minutes == 37  # 15:28-16:05, the overlap counted once
        assert people["ben@example.org"].minutes == 14  # the file's own Duration (Zoom rounds up)
        assert people["name:cai wong"].guest is True
        assert len(people) == 5


def test_meeting_header_block_and_tabs_are_fine():
    block = "Meeting ID,Topic,Start Time\n123,CoP,03/04/2025 03:25:00 PM\n\n"
    assert len(parse_report((block + report(ROWS)).encode())) == 5
    tabbed = report(ROWS).replace(",", "\t").encode("utf-16")
    assert len(parse_report(tabbed)) == 5


@pytest.mark.parametrize(
    "content, message",
    [
        (b"Name,Email,When\nAna,a@b.org,today\n", "not a Zoom participant report"),
        (report(["Ana,a@b.org,2025/03/04 15:00,03/04/2025 04:00:00 PM,60,No"]).encode(), "is not a date and time"),
        (report(["Ana,a@b.org,04.03.2025 15:00,04.03.2025 16:00,60,No"]).encode(), "is not a date and time"),
        (b"Name (Original Name),User Email\n\x81na,a@b.org\n", "UTF-8, UTF-16 or Windows-1252"),
        (b"", "empty"),
        (report(["Ana,a@b.org,03/04/2025 03:30:00 PM,03/04/2025 04:00:00 PM,sixty,No"]).encode(), "whole number"),
    ],
)
def test_bad_files_are_explained(content, message, app):
    with pytest.raises(ZoomFileError) as err:
        parse_report(content)
    assert message in str(err.value)


def test_import_checks_in_matches_and_lists_the_rest(world, client, login, db):
    login(make_user("staff"))
    session = world["session"]
    response = upload(client, session, report(ROWS).encode("utf-16"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert checkins(db, session) == {(world["ana"].id, "import", 37), (world["eve"].id, "import", 55)}
    eve_reg = db.session.scalar(select(Registration).where(Registration.person_id == world["eve"].id))
    assert (eve_reg.source, eve_reg.status) == ("import", "confirmed")
    assert 'id="t-below_threshold"' in html and "Ben Okafor" in html
    # Cai (no e-mail) is offered by name; Dee (unknown address) has no candidate.
    assert f'value="{world["cai"].id}" checked' in html
    assert "Dee Guest" in html

    # The same file again changes nothing.
    before = (db.session.scalar(select(func.count()).select_from(CheckIn)), checkins(db, session))
    answers = db.session.scalar(select(func.count()).select_from(ScanAnswer))
    again = upload(client, session, report(ROWS).encode("utf-8"))
    assert again.status_code == 200
    db.session.expire_all()
    assert (db.session.scalar(select(func.count()).select_from(CheckIn)), checkins(db, session)) == before
    assert db.session.scalar(select(func.count()).select_from(ScanAnswer)) == answers
    assert 'id="t-already"' in again.get_data(as_text=True)

    # Staff match Cai by hand and add Dee as a new person.
    response = client.post(
        f"/staff/sessions/{session.id}/zoom-import/match",
        data={
            "count": "2",
            "name-0": "Cai Wong",
            "minutes-0": "60",
            "match-0": str(world["cai"].id),
            "name-1": "Dee Guest",
            "minutes-1": "50",
            "match-1": "new",
            "first_name-1": "Dee",
            "last_name-1": "Guest",
            "email-1": "dee@nowhere.org",
        },
    )
    assert response.status_code == 200
    db.session.expire_all()
    dee = db.session.scalar(select(Person).where(Person.email == "dee@nowhere.org"))
    assert dee is not None
    assert {pid for pid, _m, _n in checkins(db, session)} == {
        world["ana"].id,
        world["eve"].id,
        world["cai"].id,
        dee.id,
    }


def test_bad_file_changes_nothing(world, client, login, db):
    login(make_user("staff"))
    session = world["session"]
    bad = report(ROWS[:2] + ["Ben Okafor,ben@example.org,2025-03-04T15:31,03/04/2025 03:45:00 PM,14,No"])
    response = upload(client, session, bad.encode())
    assert response.status_code == 422
    assert "is not a date and time" in response.get_data(as_text=True)
    assert checkins(db, session) == set()
    wrong_day = report([r.replace("03/04/2025", "03/11/2025") for r in ROWS])
    response = upload(client, session, wrong_day.encode())
    assert response.status_code == 422 and "another meeting" in response.get_data(as_text=True)
    assert checkins(db, session) == set()


def test_threshold_is_per_session(world, client, login, db):
    session = world["session"]
    session.attendance_threshold_pct = 10  # 6 minutes
    db.session.commit()
    login(make_user("staff"))
    upload(client, session, report(ROWS).encode())
    assert world["ben"].id in {pid for pid, _m, _n in checkins(db, session)}


def test_facilitator_of_another_opportunity_may_not_import(world, client, login):
    login(make_user("facilitator"))
    assert client.get(f"/staff/sessions/{world['session'].id}/zoom-import").status_code == 403
    assert client.get("/staff/sessions/999999/zoom-import").status_code == 404


def test_time_window_guard_uses_local_time(world):
    """Zoom times are local: 03:30 PM PST is 23:30 UTC, the session's start."""
    people = parse_report(report(ROWS).encode())
    ana = next(p for p in people if p.email == "ana@example.org")
    assert min(s for s, _e in ana.intervals).astimezone(UTC) == START - timedelta(minutes=2)
