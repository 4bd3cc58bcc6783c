"""Read CDE's public schools file (``pubschls.txt``) into plain records, validating every line first.

The file is tab-separated with a header row. The columns used are CDSCode, StatusType, County, District
and School (required), plus City, Charter and DOCType when present; any other column is ignored.

Every line is checked before anything is returned: a wrong number of fields, a CDS code that is not
14 digits, an unknown StatusType, an empty name, a duplicate CDS code, or bytes that are neither UTF-8
nor Windows-1252 raise ``CdeFileError`` with the line number and the reason. Nothing is applied from a
file that raises, because the caller only writes once parsing has succeeded. Given a county, the lines of
other counties are only counted, not checked: a bad line elsewhere in the state does not refuse the county.

A Pending school (or district) has not opened yet: it is imported as not open (``is_closed``), like Closed
and Merged ones, and opens when a later file says Active.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _

REQUIRED_COLUMNS = ("CDSCode", "StatusType", "County", "District", "School")
OPTIONAL_COLUMNS = ("City", "Charter", "DOCType")
STATUS_TYPES = ("Active", "Closed", "Merged", "Pending")
_STATUS_BY_LOWER = {s.lower(): s for s in STATUS_TYPES}
CLOSED_STATUSES = ("Closed", "Merged", "Pending")  # not open
DISTRICT_SUFFIX = "0000000"
NO_DATA = "No Data"  # CDE's filler for an empty field
MAX_NAME = 200
MAX_CITY = 100
MAX_ERRORS = 20  # problems listed before the report stops counting

_CDS = re.compile(r"\d{14}")


class CdeFileError(Exception):
    """The file is refused. ``problems`` lists (line number, reason); line 0 means the whole file."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__(self.summary())

    def summary(self) -> str:
        return "; ".join(_("line %(n)d: %(why)s", n=n, why=why) if n else why for n, why in self.problems)


@dataclass(frozen=True)
class CdeRow:
    line: int
    cds_code: str
    status: str
    county: str
    district: str
    school: str
    city: str | None
    charter: bool
    doc_type: str | None

    @property
    def cd_code(self) -> str:
        return self.cds_code[:7]

    @property
    def is_district(self) -> bool:
        return self.cds_code.endswith(DISTRICT_SUFFIX)

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


@dataclass
class CdeFile:
    rows: list[CdeRow] = field(default_factory=list)
    encoding: str = "utf-8"
    other_county_lines: int = 0  # lines of other counties skipped unread when parse() was given a county

    def in_county(self, county: str) -> list[CdeRow]:
        wanted = county.strip().casefold()
        return [row for row in self.rows if row.county.strip().casefold() == wanted]


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding used: UTF-8 (a BOM is dropped), else Windows-1252 (CDE ships both).

    Refused: UTF-16/32 files, NUL bytes, and bytes that are valid in neither encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CdeFileError([(0, _("The file is UTF-16; save it as UTF-8 or as the tab-separated text CDE ships."))])
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise CdeFileError([(line, _("The file contains NUL bytes: it is not a text file."))])
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise CdeFileError(
            [(line, _("Byte 0x%(b)02X is neither UTF-8 nor Windows-1252 text.", b=data[err.start]))]
        ) from err


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) without the line ending. Only \\n and \\r\\n end a line: names may hold
    other characters that str.splitlines() would treat as breaks."""
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line.removesuffix("\r")


def _other_county(values: list[str], index: dict[str, int], county: str | None) -> bool:
    """Whether a line visibly belongs to a county other than `county` (None: every county is wanted)."""
    if county is None or index["County"] >= len(values):
        return False
    return values[index["County"]].strip().casefold() != county.strip().casefold()


def parse(data: bytes, county: str | None = None) -> CdeFile:
    text, encoding = decode(data)
    lines = _lines(text)
    index, width = _read_header(next(lines, (1, ""))[1])
    result = CdeFile(encoding=encoding)
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}  # CDS code -> the line it first appeared on
    for number, line in lines:
        if not line.strip():
            continue  # blank lines (the final newline) are not rows
        values = line.split("\t")
        if _other_county(values, index, county):
            result.other_county_lines += 1  # not checked: a bad line elsewhere never refuses this county's rows
            continue
        outcome = _read_row(number, values, index, width, seen)
        if isinstance(outcome, str):
            problems.append((number, outcome))
            if len(problems) >= MAX_ERRORS:
                raise CdeFileError(problems + [(0, _("Stopped after %(n)d problems.", n=MAX_ERRORS))])
            continue
        seen[outcome.cds_code] = number
        result.rows.append(outcome)
    if problems:
        raise CdeFileError(problems)
    return result


def _read_header(header_line: str) -> tuple[dict[str, int], int]:
    """(the position of each known column, the number of columns); CdeFileError when a required one is missing."""
    header = [name.strip() for name in header_line.split("\t")]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise CdeFileError(
            [(1, _("The header lacks the column(s) %(cols)s (is this CDE's pubschls.txt?).", cols=", ".join(missing)))]
        )
    return {name: header.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if name in header}, len(header)


def _cell(values: list[str], index: dict[str, int], name: str) -> str:
    """A column's value, trimmed; "" for a column the file lacks or for CDE's "No Data"."""
    if name not in index:
        return ""
    value = values[index[name]].strip()
    return "" if value == NO_DATA else value


def _read_row(number: int, values: list[str], index: dict[str, int], width: int, seen: dict[str, int]) -> CdeRow | str:
    """Line `number` as a row, or why it is refused."""
    if len(values) != width:
        return _("%(got)d fields where the header has %(want)d.", got=len(values), want=width)
    cds = _cell(values, index, "CDSCode")
    if not _CDS.fullmatch(cds):
        return _("The CDS code %(c)r is not 14 digits.", c=cds[:40])
    status = _STATUS_BY_LOWER.get(_cell(values, index, "StatusType").lower(), _cell(values, index, "StatusType"))
    if status not in STATUS_TYPES:
        return _("Unknown StatusType %(s)r (expected Active, Closed, Merged or Pending).", s=status[:40])
    district = _cell(values, index, "District")
    school = _cell(values, index, "School")
    if not district:
        return _("The District name is empty.")
    if not cds.endswith(DISTRICT_SUFFIX) and not school:
        return _("The School name is empty.")
    if len(district) > MAX_NAME or len(school) > MAX_NAME:
        return _("A name is longer than %(n)d characters.", n=MAX_NAME)
    city = _cell(values, index, "City") or None
    if city and len(city) > MAX_CITY:
        return _("The City is longer than %(n)d characters.", n=MAX_CITY)
    if cds in seen:
        return _("The CDS code %(c)s already appears on line %(n)d.", c=cds, n=seen[cds])
    return CdeRow(
        line=number,
        cds_code=cds,
        status=status,
        county=_cell(values, index, "County"),
        district=district,
        school=school,
        city=city,
        charter=_cell(values, index, "Charter").upper() == "Y",
        doc_type=_cell(values, index, "DOCType") or None,
    )
