"""Finding the participant table in a Zoom report, whichever layout Zoom (or Excel) gave it.

Layouts read (docs/zoom-import.md shows each):
- today's participants export: "Name (original name), Email, Join time, Leave time, Duration (minutes), Guest,
  Recording disclaimer response, In waiting room", with or without a meeting block before it;
- the older one: "Name (Original Name), User Email, Join Time, Leave Time, Duration (Minutes), Guest, ...";
- the flat "with meeting data" export, whose meeting columns (the host's "User Email", the meeting's
  "Duration (Minutes)") come before the participant's: the participant's columns are those after the name.
Refused with a message saying what to export instead: "Show unique users" exports (no join or leave times) and
webinar "Attendee Report" files. Every refusal names the columns looked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

NAME = ("name (original name)", "name", "user name (original name)")
EMAIL = ("email", "user email", "e-mail")
JOIN = ("join time",)
LEAVE = ("leave time",)
DURATION = ("duration (minutes)",)
GUEST = ("guest",)
UNIQUE_USERS = ("total duration (minutes)",)
ATTENDEE_REPORT = ("attendee report", "attendee details", "time in session (minutes)")
LOOKED_FOR = '"Name (original name)", "Email" (or "User Email"), "Join time", "Leave time"'
SCAN_ROWS = 40


class ZoomFileError(Exception):
    """The file cannot be read as a Zoom participant report; the message says why."""


@dataclass(frozen=True)
class Columns:
    """Where the participant's columns are in the header row (0-based); duration, email and guest may be absent."""

    header_row: int
    name: int
    join: int
    leave: int
    email: int | None = None
    duration: int | None = None
    guest: int | None = None

    @property
    def last(self) -> int:
        return max(
            i for i in (self.name, self.join, self.leave, self.email, self.duration, self.guest) if i is not None
        )


def _cells(row: list[str]) -> list[str]:
    return [" ".join(cell.replace("\ufeff", "").split()).lower() for cell in row]


def _positions(cells: list[str], names: tuple[str, ...], after: int) -> list[int]:
    return [i for i, cell in enumerate(cells) if i > after and cell in names]


def _refuse_other_reports(cells: list[str]) -> None:
    if any(cell in ATTENDEE_REPORT for cell in cells):
        raise ZoomFileError(
            _(
                "This is a webinar Attendee Report, not a participant report. In Zoom, open Reports, Usage, "
                "click the number of participants of this webinar and export that list (without "
                '"Show unique users"). Columns looked for: %(columns)s.',
                columns=LOOKED_FOR,
            )
        )
    if any(cell in UNIQUE_USERS for cell in cells) and not any(cell in JOIN for cell in cells):
        raise ZoomFileError(
            _(
                'This report was exported with "Show unique users", so it has no join and leave times. In Zoom, '
                'export the participants again with "Show unique users" unticked. Columns looked for: %(columns)s.',
                columns=LOOKED_FOR,
            )
        )


def _required(cells: list[str], names: tuple[str, ...], after: int, label: str) -> int:
    """The position of a column the report must have (_one raises ZoomFileError when it is missing)."""
    position = _one(cells, names, after, label, True)
    assert position is not None  # _one raised if it was missing
    return position


def _one(cells: list[str], names: tuple[str, ...], after: int, label: str, required: bool) -> int | None:
    found = _positions(cells, names, after)
    if len(found) > 1:
        raise ZoomFileError(
            _(
                'The column "%(column)s" appears %(count)s times after the name column, so which one is the '
                "participant's is unclear. Export the participant report again without meeting data. "
                "Columns looked for: %(columns)s.",
                column=label,
                count=len(found),
                columns=LOOKED_FOR,
            )
        )
    if not found:
        if required:
            raise ZoomFileError(
                _(
                    'This is not a Zoom participant report: the column "%(column)s" was not found after the name '
                    "column. Columns looked for: %(columns)s.",
                    column=label,
                    columns=LOOKED_FOR,
                )
            )
        return None
    return found[0]


def _columns(index: int, cells: list[str]) -> Columns | None:
    names = [i for i, cell in enumerate(cells) if cell in NAME]
    if not names:
        return None
    if len(names) > 1:
        raise ZoomFileError(
            _(
                "The header has more than one name column (%(found)s), so which one is the participant's is "
                "unclear. Columns looked for: %(columns)s.",
                found=", ".join(f'"{cells[i]}"' for i in names),
                columns=LOOKED_FOR,
            )
        )
    name = names[0]
    return Columns(
        header_row=index,
        name=name,
        join=_required(cells, JOIN, name, "Join time"),
        leave=_required(cells, LEAVE, name, "Leave time"),
        email=_one(cells, EMAIL, name, "Email", False),
        duration=_one(cells, DURATION, name, "Duration (minutes)", False),
        guest=_one(cells, GUEST, name, "Guest", False),
    )


def find_columns(rows: list[list[str]]) -> Columns | None:
    """The participant header among the first rows; None when no row looks like one. ZoomFileError for a report
    of another kind or an ambiguous header."""
    for index, row in enumerate(rows[:SCAN_ROWS]):
        cells = _cells(row)
        _refuse_other_reports(cells)
        if not any(cell in JOIN or cell in NAME for cell in cells):
            continue
        if any(cell in JOIN for cell in cells) or any(cell in EMAIL for cell in cells):
            columns = _columns(index, cells)
            if columns is not None:
                return columns
    return None


def not_a_report() -> ZoomFileError:
    return ZoomFileError(
        _("This is not a Zoom participant report: the columns %(columns)s were not found.", columns=LOOKED_FOR)
    )
