"""Reading a Zoom participant report into its people (the layouts: zoom_layouts.py).

Text: UTF-8 (with or without BOM), UTF-16, or Windows-1252 (a report opened and saved again by Excel as "CSV
(Comma delimited)"); comma-, tab- or semicolon-separated. Times like "03/04/2025 03:31:12 PM" or Excel's
"12/4/2026 9:58" are read in the app's display time zone. Anything else: ZoomFileError with a message for people.

Rows with the same e-mail (or, without one, the same name, regardless of accents and case) are one person.
Minutes present are counted as Zoom does: each row's own "Duration (minutes)" (Zoom rounds a row up to the next
minute), added up; when a person's rows overlap (a rejoin from a second device), the length of the union of
their [join, leave] intervals, rounded up, so the overlap is not counted twice.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _

from ..people.models import normalize_email
from ..reports.filters import local_zone
from ..textfold import fold
from .zoom_layouts import Columns, ZoomFileError, find_columns, not_a_report

MAX_BYTES = 5 * 1024 * 1024
TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %I:%M:%S %p",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %I:%M %p",
)
_ORIGINAL = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


@dataclass
class Attendee:
    """One person of the report, rows combined."""

    name: str
    email: str | None
    original_name: str | None = None
    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    durations: list[int | None] = field(default_factory=list)
    guest: bool = False
    rows: int = 0

    @property
    def names(self) -> list[str]:
        """The name shown in the meeting, then the original (account) name when it differs."""
        return [self.name] + ([self.original_name] if self.original_name else [])

    @property
    def joined_at(self) -> datetime:
        return min(start for start, _end in self.intervals)

    def _union(self) -> tuple[timedelta, bool]:
        total, end_so_far, overlapping = timedelta(0), None, False
        for start, end in sorted(self.intervals):
            if end_so_far is None or start >= end_so_far:
                total += end - start
                end_so_far = end
                continue
            overlapping = True
            if end > end_so_far:
                total += end - end_so_far
                end_so_far = end
        return total, overlapping

    @property
    def minutes(self) -> int:
        """Minutes present, as Zoom counts them (see the module's docstring)."""
        total, overlapping = self._union()
        if not overlapping and all(d is not None for d in self.durations):
            return sum(d for d in self.durations if d is not None)
        return math.ceil(total.total_seconds() / 60)

    @property
    def key(self) -> str:
        return self.email or "name:" + normalize_name(self.name)


def split_name(value: str) -> tuple[str, str | None]:
    """ "Ana L (Ana Lopez)" -> ("Ana L", "Ana Lopez"): the name shown in the meeting and the original name."""
    text = " ".join((value or "").split())
    match = _ORIGINAL.match(text)
    if not match or not match.group(1):
        return text, None
    shown, original = match.group(1), match.group(2).strip()
    return shown, (original if original and fold(original) != fold(shown) else None)


def normalize_name(value: str) -> str:
    """The name for comparing: the shown part, spaces collapsed, lower case, without accents."""
    return fold(split_name(value)[0])


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ZoomFileError(_("The file is larger than 5 MB; a participant report is much smaller."))
    if not data.strip():
        raise ZoomFileError(_("The file is empty."))
    encodings: tuple[str, ...]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    elif data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    elif len(data) > 1 and b"\x00" in data[:200]:
        encodings = ("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be",)
    else:
        encodings = ("utf-8", "cp1252")  # cp1252: Excel's "CSV (Comma delimited)"
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ZoomFileError(
        _("The file is not text in UTF-8, UTF-16 or Windows-1252. Export the participant report from Zoom again.")
    )


def parse_time(value: str, row_number: int, column: str) -> datetime:
    text = " ".join((value or "").split())
    for fmt in TIME_FORMATS:
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if moment.year >= 1900:  # "12/4/26" read with %Y is year 26: the %y formats come later
            return moment.replace(tzinfo=local_zone())
    raise ZoomFileError(
        _(
            'Row %(row)s: "%(value)s" in "%(column)s" is not a date and time like 03/04/2025 03:31:12 PM.',
            row=row_number,
            value=text[:40],
            column=column,
        )
    )


def _table(text: str) -> tuple[list[list[str]], Columns]:
    for delimiter in (",", "\t", ";"):
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        columns = find_columns(rows)
        if columns is not None:
            return rows, columns
    raise not_a_report()


def _duration(row: list[str], col: Columns, row_number: int) -> int | None:
    if col.duration is None:
        return None
    value = row[col.duration].strip()
    if not value.isdigit():
        raise ZoomFileError(_('Row %(row)s: "Duration (minutes)" must be a whole number.', row=row_number))
    return int(value)


def _read_row(row: list[str], col: Columns, row_number: int) -> Attendee:
    if len(row) <= col.last:
        raise ZoomFileError(_("Row %(row)s has fewer columns than the header.", row=row_number))
    shown, original = split_name(row[col.name])
    email = normalize_email(row[col.email]) if col.email is not None else ""
    joined = parse_time(row[col.join], row_number, "Join time")
    left = parse_time(row[col.leave], row_number, "Leave time")
    if left < joined:
        raise ZoomFileError(_("Row %(row)s: the leave time is before the join time.", row=row_number))
    if not shown and "@" not in email:
        raise ZoomFileError(_("Row %(row)s has neither a name nor an e-mail.", row=row_number))
    guest = col.guest is not None and row[col.guest].strip().lower() in ("yes", "true", "1")
    attendee = Attendee(name=shown, email=email if "@" in email else None, original_name=original, guest=guest)
    attendee.intervals.append((joined, left))
    attendee.durations.append(_duration(row, col, row_number))
    return attendee


def parse_report(data: bytes) -> list[Attendee]:
    """The report's people, rows combined; ZoomFileError when it is not a readable participant report."""
    rows, col = _table(decode(data))
    people: dict[str, Attendee] = {}
    for row_number, row in enumerate(rows[col.header_row + 1 :], start=col.header_row + 2):
        if not any(cell.strip() for cell in row):
            continue
        one = _read_row(row, col, row_number)
        attendee = people.setdefault(one.key, one)
        if attendee is not one:
            attendee.intervals += one.intervals
            attendee.durations += one.durations
            attendee.guest = attendee.guest or one.guest
            attendee.original_name = attendee.original_name or one.original_name
        attendee.rows += 1
    if not people:
        raise ZoomFileError(_("The report lists no participants."))
    return list(people.values())
