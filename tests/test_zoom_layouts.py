"""Zoom participant reports in each real layout, built here and imported through the page; the check-ins that
result are checked (who, minutes, time). Also the refusals: other kinds of report, ambiguous headers."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from csi_events.attendance.zoom import ZoomFileError, parse_report
from csi_events.models import CheckIn
from tests.factories import make_opportunity, make_person, make_registration, make_user

# Thursday 2025-12-04 10:00-11:00 in Los Angeles (PST) = 18:00-19:00 UTC; threshold 75% = 45 minutes.
START = datetime(2025, 12, 4, 18, 0, tzinfo=UTC)
TODAY_HEADER = [
    "Name (original name)",
    "Email",
    "Join time",
    "Leave time",
    "Duration (minutes)",
    "Guest",
    "Recording disclaimer response",
    "In waiting room",
]
LEGACY_HEADER = ["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest"]
MEETING_BLOCK = [
    ["Topic", "ID", "Host", "Duration (minutes)", "Start time", "End time", "Participants"],
    [
        "Family engagement CoP",
        "812 3456 7890",
        "Host Person",
        "62",
        "12/04/2025 09:58:00 AM",
        "12/04/2025 11:00:00 AM",
        "4",
    ],
    [],
]
FLAT_MEETING = ["Meeting ID", "Topic", "Start Time", "End Time", "User Email", "Duration (Minutes)", "Participants"]
MEETING_VALUES = ["81234567890", "Family engagement CoP", "12/04/2025 09:58:00 AM", "12/04/2025 11:00:00 AM"]


@dataclass
class Row:
    name: str
    email: str
    join: str  # local time of day, "HH:MM:SS"
    leave: str
    minutes: int
    guest: str = "No"


# Zoom rounds a row up: Ana 10:00:00-10:44:30 shows 45 (the threshold), Ben 44 (below it).
ROWS = [
    Row("Ana L (Ana López)", "", "10:00:00", "10:44:30", 45, "Yes"),  # guest: found by her original name
    Row("José Núñez", "JOSE@example.org", "09:58:12", "11:00:00", 62),
    Row("Ben Okafor", "ben@example.org", "10:15:00", "10:58:30", 44),
    Row("Host Person", "host@example.org", "09:58:00", "11:00:00", 62),
]


def zoom_time(clock: str) -> str:
    hour, minute, second = (int(part) for part in clock.split(":"))
    return f"12/04/2025 {(hour - 1) % 12 + 1:02d}:{minute:02d}:{second:02d} {'AM' if hour < 12 else 'PM'}"


def excel_time(clock: str) -> str:
    hour, minute, _second = (int(part) for part in clock.split(":"))
    return f"12/4/2025 {hour}:{minute:02d}"


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    import csv

    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def today_rows(time=zoom_time) -> list[list[str]]:
    return [TODAY_HEADER] + [
        [r.name, r.email, time(r.join), time(r.leave), str(r.minutes), r.guest, "OK", "No"] for r in ROWS
    ]


def legacy_rows(time=zoom_time) -> list[list[str]]:
    return [LEGACY_HEADER] + [[r.name, r.email, time(r.join), time(r.leave), str(r.minutes), r.guest] for r in ROWS]


def flat_rows() -> list[list[str]]:
    header = FLAT_MEETING + LEGACY_HEADER
    meeting = MEETING_VALUES + ["host@example.org", "62", "4"]
    return [header] + [
        meeting + [r.name, r.email, zoom_time(r.join), zoom_time(r.leave), str(r.minutes), r.guest] for r in ROWS
    ]


LAYOUTS = {
    "today": lambda: csv_text(today_rows()).encode("utf-8-sig"),
    "today with meeting block": lambda: csv_text(MEETING_BLOCK + today_rows()).encode("utf-8-sig"),
    "legacy, tab-separated UTF-16": lambda: csv_text(legacy_rows(), "\t").encode("utf-16"),
    "flat with meeting data": lambda: csv_text(flat_rows()).encode("utf-8"),
    "saved again by Excel (cp1252)": lambda: csv_text(legacy_rows(excel_time)).encode("cp1252"),
}


@pytest.fixture
def world(app, db):
    opp = make_opportunity(starts_at=START, modality="virtual", hours=1)
    session = opp.sessions[0]
    session.attendance_threshold_pct = 75
    ana = make_person("ana.lopez@example.org", first_name="Ana", last_name="López")
    jose = make_person("jose@example.org", first_name="José", last_name="Núñez")
    ben = make_person("ben@example.org", first_name="Ben", last_name="Okafor")
    host = make_person("host@example.org", first_name="Host", last_name="Person")
    make_registration(opp, ana)
    make_registration(opp, jose)
    db.session.commit()
    return {"session": session, "ana": ana, "jose": jose, "ben": ben, "host": host}


def upload(client, session, content: bytes):
    return client.post(
        f"/staff/sessions/{session.id}/zoom-import",
        data={"report": (io.BytesIO(content), "participants.csv")},
        content_type="multipart/form-data",
    )


def checkins(db, session) -> dict[int, CheckIn]:
    db.session.expire_all()
    return {c.person_id: c for c in db.session.scalars(select(CheckIn).where(CheckIn.session_id == session.id))}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_each_layout_is_imported_through_the_page(layout, world, client, login, db):
    login(make_user("staff"))
    session = world["session"]
    response = upload(client, session, LAYOUTS[layout]())
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html

    found = checkins(db, session)
    # José (e-mail in any case) and the host reach 45 minutes; Ben's 44 do not; Ana has no e-mail.
    assert set(found) == {world["jose"].id, world["host"].id}
    jose = found[world["jose"].id]
    assert jose.method == "import" and jose.minutes_present == 62
    # The check-in time is José's Zoom join (09:58 Los Angeles), not the time of the import.
    expected_join = datetime(2025, 12, 4, 17, 58, 12 if "Excel" not in layout else 0, tzinfo=UTC)
    assert jose.checked_in_at == expected_join
    assert 'id="t-below_threshold"' in html and "Ben Okafor" in html
    # Ana joined as a guest named "Ana L"; her original name (no accent, any case) finds "Ana López".
    assert f'value="{world["ana"].id}" checked' in html


def test_an_unmatched_guest_matched_by_hand_is_dated_by_her_join(world, client, login, db):
    login(make_user("staff"))
    session = world["session"]
    html = upload(client, session, LAYOUTS["today"]()).get_data(as_text=True)
    assert 'name="joined-0" value="2025-12-04T10:00:00-08:00"' in html
    response = client.post(
        f"/staff/sessions/{session.id}/zoom-import/match",
        data={
            "count": "1",
            "name-0": "Ana L",
            "minutes-0": "45",
            "joined-0": "2025-12-04T10:00:00-08:00",
            "match-0": str(world["ana"].id),
        },
    )
    assert response.status_code == 200
    ana = checkins(db, session)[world["ana"].id]
    assert (ana.minutes_present, ana.checked_in_at) == (45, datetime(2025, 12, 4, 18, 0, tzinfo=UTC))


def test_minutes_round_up_like_zoom_without_a_duration_column(app):
    header = ["Name (original name)", "Email", "Join time", "Leave time"]
    rows = [header, ["Ana", "ana@example.org", zoom_time("10:00:00"), zoom_time("10:44:30")]]
    (ana,) = parse_report(csv_text(rows).encode())
    assert ana.minutes == 45


def test_overlapping_rows_count_the_union_rounded_up(app):
    rows = [
        LEGACY_HEADER,
        ["Ana", "ana@example.org", zoom_time("10:00:00"), zoom_time("10:30:10"), "31", "No"],
        ["Ana (iPad)", "ana@example.org", zoom_time("10:20:00"), zoom_time("10:40:20"), "21", "No"],
    ]
    (ana,) = parse_report(csv_text(rows).encode())
    assert ana.minutes == 41  # 10:00:00-10:40:20, not 31 + 21


REFUSALS = {
    "unique users": (
        [["Name (original name)", "Email", "Total duration (minutes)", "Guest"], ["Ana", "a@example.org", "45", "No"]],
        'exported with "Show unique users"',
    ),
    "webinar attendee report": (
        [
            ["Attendee Report"],
            ["Report Generated:", "12/04/2025 01:00 PM"],
            ["Topic", "Webinar ID", "Actual Start Time", "Actual Duration (minutes)"],
            ["Webinar", "812", "12/04/2025 10:00 AM", "60"],
            [],
            ["Attendee Details"],
            ["Attended", "User Name (Original Name)", "Email", "Join Time", "Leave Time", "Time in Session (minutes)"],
            ["Yes", "Ana", "a@example.org", "12/04/2025 10:00:00 AM", "12/04/2025 11:00:00 AM", "60"],
        ],
        "webinar Attendee Report",
    ),
    "two join columns after the name": (
        [
            ["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Join Time", "Duration (Minutes)"],
            ["Ana", "a@example.org", zoom_time("10:00:00"), zoom_time("11:00:00"), zoom_time("10:00:00"), "60"],
        ],
        'The column "Join time" appears 2 times',
    ),
    "two name columns": (
        [["Name (Original Name)", "User Email", "Name", "Join Time", "Leave Time"]],
        "more than one name column",
    ),
    "no leave time": (
        [["Name (original name)", "Email", "Join time", "Duration (minutes)"]],
        'the column "Leave time" was not found',
    ),
    "no participant header at all": ([["Topic", "ID", "Host"], ["CoP", "1", "Host"]], "not a Zoom participant report"),
}


@pytest.mark.parametrize("kind", list(REFUSALS))
def test_refusals_say_what_to_do_and_name_the_columns(kind, world, client, login, db):
    login(make_user("staff"))
    rows, message = REFUSALS[kind]
    response = upload(client, world["session"], csv_text(rows).encode())
    html = response.get_data(as_text=True).replace("&#34;", '"').replace("&quot;", '"')
    assert response.status_code == 422
    assert message in html
    assert '"Name (original name)", "Email" (or "User Email"), "Join time", "Leave time"' in html
    assert checkins(db, world["session"]) == {}


def test_unreadable_bytes_are_refused(app):
    with pytest.raises(ZoomFileError) as err:
        parse_report(b"Name,Email\n\x81\x8d\x8f\x90,a@b.org\n")
    assert "UTF-8, UTF-16 or Windows-1252" in str(err.value)
