"""Zoom participant report import for a virtual session.

Reading: UTF-8, UTF-8 with BOM or UTF-16; comma- or tab-separated; the participant table may follow a
meeting summary block (Zoom's "with meeting header" export). Required columns: "Name (Original Name)"
(or "Name"), "User Email", "Join Time", "Leave Time", "Duration (Minutes)"; "Guest" is optional.
Times like "03/04/2025 03:31:12 PM" are read in the app's local time zone. Anything else: ZoomFileError with
a message for people, and nothing is changed.

Combining: rows with the same e-mail (or, without an e-mail, the same name) are one person; their minutes
present are the length of the union of their [join, leave] intervals (a rejoin or a second device is not
counted twice). A person attended when minutes >= Session.attendance_threshold_pct of the session's length.

Applying: people are matched by e-mail (following merges); everyone else is offered by name for staff to
match by hand or to add as a new person. Every check-in goes through checkin.scan.check_in with
method "import", override (the import comes after the session's window) and a nonce derived from the
session and the person, so importing the same file again replays the first answers and changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..checkin.scan import check_in
from ..db import utcnow
from ..extensions import db
from ..opportunities.models import Session
from ..people.models import Person, normalize_email
from ..registrations.models import Registration
from ..registrations.people_lookup import find_or_create_person
from ..registrations.services import RegistrationInput
from ..reports.filters import local_zone

MAX_BYTES = 5 * 1024 * 1024
NAME_COLUMNS = ("name (original name)", "name")
REQUIRED = ("user email", "join time", "leave time", "duration (minutes)")
TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %I:%M:%S %p",
)
SLACK = timedelta(hours=2)  # how far from the session a report's times may be


class ZoomFileError(Exception):
    """The file cannot be read as a Zoom participant report; the message says why."""


@dataclass
class Attendee:
    """One person of the report, rows combined."""

    name: str
    email: str | None
    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    duration_sum: int = 0
    guest: bool = False
    rows: int = 0

    @property
    def minutes(self) -> int:
        """Minutes present: the union of the join/leave intervals."""
        total = timedelta(0)
        end_so_far = None
        for start, end in sorted(self.intervals):
            if end_so_far is None or start > end_so_far:
                total += end - start
                end_so_far = end
            elif end > end_so_far:
                total += end - end_so_far
                end_so_far = end
        return int(total.total_seconds() // 60)

    @property
    def key(self) -> str:
        return self.email or "name:" + normalize_name(self.name)


def normalize_name(value: str) -> str:
    value = re.sub(r"\s*\(.*?\)\s*$", "", value or "")  # "Ana Lopez (Ana L.)" -> "Ana Lopez"
    return re.sub(r"\s+", " ", value).strip().lower()


def display_name(value: str) -> str:
    return re.sub(r"\s*\(.*?\)\s*$", "", value or "").strip() or value.strip()


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ZoomFileError(_("The file is larger than 5 MB; a participant report is much smaller."))
    if not data.strip():
        raise ZoomFileError(_("The file is empty."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif len(data) > 1 and b"\x00" in data[:200]:
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise ZoomFileError(
            _("The file is not text in UTF-8 or UTF-16. Export the participant report from Zoom as CSV again.")
        ) from err


def parse_time(value: str, row_number: int, column: str) -> datetime:
    text = (value or "").strip()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=local_zone())
        except ValueError:
            continue
    raise ZoomFileError(
        _(
            'Row %(row)s: "%(value)s" in "%(column)s" is not a date and time like 03/04/2025 03:31:12 PM.',
            row=row_number,
            value=text[:40],
            column=column,
        )
    )


def _find_header(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows[:40]):
        cells = [c.strip().lower() for c in row]
        name_col = next((cells.index(n) for n in NAME_COLUMNS if n in cells), None)
        if name_col is not None and all(c in cells for c in REQUIRED):
            columns = {c: cells.index(c) for c in REQUIRED}
            columns["name"] = name_col
            if "guest" in cells:
                columns["guest"] = cells.index("guest")
            return index, columns
    return None


def parse_report(data: bytes) -> list[Attendee]:
    """The report's people, rows combined; ZoomFileError when it is not a readable participant report."""
    rows, header_index, col = _locate_header(decode(data))
    people: dict[str, Attendee] = {}
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if any(cell.strip() for cell in row):
            _add_row(people, row, col, offset)
    if not people:
        raise ZoomFileError(_("The report lists no participants."))
    return list(people.values())


def _locate_header(text: str) -> tuple[list[list[str]], int, dict[str, int]]:
    """(the rows, the header's row index, column positions), trying each delimiter Zoom's exports use."""
    for delimiter in (",", "\t", ";"):
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        found = _find_header(rows)
        if found:
            return rows, found[0], found[1]
    raise ZoomFileError(
        _(
            "This is not a Zoom participant report: the columns %(columns)s were not found.",
            columns='"Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)"',
        )
    )


def _add_row(people: dict[str, Attendee], row: list[str], col: dict[str, int], offset: int) -> None:
    """Add one report row to its attendee (rows of one person combined); ZoomFileError names the row."""
    if len(row) <= max(col.values()):
        raise ZoomFileError(_("Row %(row)s has fewer columns than the header.", row=offset))
    name = row[col["name"]].strip()
    email = normalize_email(row[col["user email"]]) or None
    if email is not None and "@" not in email:
        email = None
    joined = parse_time(row[col["join time"]], offset, "Join Time")
    left = parse_time(row[col["leave time"]], offset, "Leave Time")
    if left < joined:
        raise ZoomFileError(_("Row %(row)s: the leave time is before the join time.", row=offset))
    duration = row[col["duration (minutes)"]].strip()
    if not duration.isdigit():
        raise ZoomFileError(_('Row %(row)s: "Duration (Minutes)" must be a whole number.', row=offset))
    if not name and not email:
        raise ZoomFileError(_("Row %(row)s has neither a name nor an e-mail.", row=offset))
    attendee = Attendee(name=display_name(name), email=email)
    attendee = people.setdefault(attendee.key, attendee)
    attendee.intervals.append((joined, left))
    attendee.duration_sum += int(duration)
    attendee.rows += 1
    if "guest" in col and row[col["guest"]].strip().lower() in ("yes", "true", "1"):
        attendee.guest = True


def check_times_fit(session: Session, attendees: list[Attendee]) -> None:
    """A report of another meeting (another day) is refused."""
    earliest = min(start for a in attendees for start, _end in a.intervals)
    latest = max(end for a in attendees for _start, end in a.intervals)
    if latest < session.starts_at - SLACK or earliest > session.ends_at + SLACK:
        raise ZoomFileError(
            _(
                "This report's times (%(start)s to %(end)s) do not overlap the session: is it for another meeting?",
                start=earliest.strftime("%Y-%m-%d %H:%M"),
                end=latest.strftime("%Y-%m-%d %H:%M"),
            )
        )


def required_minutes(session: Session) -> float:
    return (session.ends_at - session.starts_at).total_seconds() / 60 * session.attendance_threshold_pct / 100


# --- applying ------------------------------------------------------------------------------------
@dataclass
class Outcome:
    attendee: Attendee
    status: str  # "checked_in" | "already" | "below_threshold" | "unmatched" | "refused"
    person: Person | None = None
    detail: str | None = None
    candidates: list[Person] = field(default_factory=list)


def _survivor(person: Person | None) -> Person | None:
    if person is not None and person.merged_into_id is not None:
        return db.session.get(Person, person.merged_into_id)
    return person


def candidates_by_name(session: Session, name: str, limit: int = 5) -> list[Person]:
    """People with this name: registered ones of the session's opportunity first."""
    parts = normalize_name(name).split(" ")
    if len(parts) < 2:
        return []
    first, last = parts[0], parts[-1]
    registered = select(Registration.person_id).where(Registration.opportunity_id == session.opportunity_id)
    stmt = (
        select(Person)
        .where(
            Person.merged_into_id.is_(None),
            Person.erased_at.is_(None),
            func.lower(Person.last_name) == last,
            or_(func.lower(Person.first_name) == first, func.lower(Person.first_name).like(first + " %")),
        )
        .order_by(Person.id.in_(registered).desc(), Person.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def admit(session: Session, person: Person, minutes: int, by) -> tuple[str, str | None]:
    """Check a matched person in through the check-in service; a person without a registration gets one
    (source "import", no e-mail sent: the session is over)."""
    registration = db.session.scalar(
        select(Registration).where(
            Registration.opportunity_id == session.opportunity_id, Registration.person_id == person.id
        )
    )
    if registration is None:
        registration = Registration(
            opportunity_id=session.opportunity_id,
            person_id=person.id,
            status="confirmed",
            source="import",
            confirmed_at=utcnow(),
        )
        db.session.add(registration)
        db.session.flush()
    result = check_in(session, registration.ticket, None, by, method="import", override=True)
    if result.status == "ok":
        if result.checkin is not None and not result.replayed:
            result.checkin.minutes_present = minutes
        return ("already" if result.replayed else "checked_in"), None
    if result.status == "already_checked_in":
        if result.checkin is not None and result.checkin.minutes_present is None:
            result.checkin.minutes_present = minutes
        return "already", None
    from ..checkin.scan import status_message

    return "refused", status_message(result.status)


def apply_report(session: Session, attendees: list[Attendee], by) -> list[Outcome]:
    """Check in everyone matched by e-mail who reached the threshold; the rest is returned for review."""
    needed = required_minutes(session)
    emails = [a.email for a in attendees if a.email]
    by_email = {}
    if emails:
        by_email = {p.email: p for p in db.session.scalars(select(Person).where(Person.email.in_(emails)))}
    outcomes = []
    for attendee in sorted(attendees, key=lambda a: normalize_name(a.name)):
        person = _survivor(by_email.get(attendee.email)) if attendee.email else None
        if attendee.minutes < needed:
            outcomes.append(Outcome(attendee, "below_threshold", person))
            continue
        if person is None:
            outcomes.append(Outcome(attendee, "unmatched", None, candidates=candidates_by_name(session, attendee.name)))
            continue
        status, detail = admit(session, person, attendee.minutes, by)
        outcomes.append(Outcome(attendee, status, person, detail))
    return outcomes


def admit_by_hand(
    session: Session, person_id: int | None, new: dict | None, minutes: int, by
) -> tuple[str, str | None]:
    """Staff matched an unmatched row to `person_id`, or asked to add a new person (`new`: first_name,
    last_name, email)."""
    if minutes < required_minutes(session):
        return "below_threshold", None
    if person_id is not None:
        found = _survivor(db.session.get(Person, person_id))
        if found is None:
            return "refused", _("No such person.")
        person = found
    elif new is None:
        return "refused", _("No such person.")
    else:
        data = RegistrationInput(
            first_name=new["first_name"].strip(),
            last_name=new["last_name"].strip(),
            email=normalize_email(new["email"]),
            role="other",
        )
        person = find_or_create_person(data, None, None)  # already the surviving record of a merge
        db.session.flush()
    return admit(session, person, minutes, by)
