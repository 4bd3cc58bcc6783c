"""Subregions in bulk: a CSV file of codes and subregions, and one subregion for many LEAs or schools at once.

The file (comma-, semicolon- or tab-separated, UTF-8 with or without a BOM, else Windows-1252) has a header row
naming two columns: the code ("code", "cd_code" or "cds_code") and "subregion". A 7-digit code is an LEA's CD
code, a 14-digit one a school's CDS code; the subregion is 1 to 8, or empty for none. Every line is checked
before anything is stored: an unknown code, a subregion other than 1..8 or empty, the same code twice with
different subregions, an empty file or a missing column refuse the whole file with the line numbers. The same
code twice with the same subregion is kept once. Importing the same file again changes nothing.

Each changed LEA or school is audited as a staff edit is (lea_updated / school_updated, with `via`), and its
subregion change moves the report figures through the database triggers of reports/watch.py.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import record
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from .cde_import import MAX_ERRORS, CdeFileError, decode
from .models import Lea, School
from .services import check_subregion
from .subregions import SUBREGIONS

CODE_COLUMNS = ("code", "cd_code", "cds_code")
SUBREGION_COLUMN = "subregion"
MAX_ROWS = 20000
_CHUNK = 500


class SubregionFileError(CdeFileError):
    """The subregion file is refused; ``problems`` lists (line number, reason), line 0 meaning the whole file."""


@dataclass(frozen=True)
class SubregionRow:
    line: int
    code: str
    subregion: int | None

    @property
    def is_lea(self) -> bool:
        return len(self.code) == 7


@dataclass
class SubregionChanges:
    changed: int = 0
    unchanged: int = 0
    leas_changed: int = 0
    schools_changed: int = 0
    rows: int = 0  # distinct codes in the file (or records asked)


@dataclass
class _Reader:
    problems: list[tuple[int, str]] = field(default_factory=list)

    def refuse(self, line: int, why: str) -> None:
        if len(self.problems) < MAX_ERRORS:
            self.problems.append((line, why))


def _dialect(header: str) -> str:
    for delimiter in ("\t", ";"):
        if delimiter in header and "," not in header:
            return delimiter
    return ","


def _header(names: list[str], reader: _Reader) -> tuple[int, int] | None:
    cleaned = [n.strip().casefold() for n in names]
    code = next((cleaned.index(c) for c in CODE_COLUMNS if c in cleaned), None)
    subregion = cleaned.index(SUBREGION_COLUMN) if SUBREGION_COLUMN in cleaned else None
    if code is None or subregion is None:
        reader.refuse(
            1,
            _(
                "The first line must name the columns: code (or cd_code, cds_code) and subregion; it reads “%(h)s”.",
                h=", ".join(names)[:200],
            ),
        )
        return None
    return code, subregion


def _subregion(value: str) -> int | None | str:
    """The subregion of a cell: None (empty), 1..8, or the text refused."""
    text = value.strip()
    if text == "":
        return None
    if text.isascii() and text.isdigit() and int(text) in SUBREGIONS and text == str(int(text)):
        return int(text)
    return text


def _read_row(number: int, values: list[str], columns: tuple[int, int], reader: _Reader) -> SubregionRow | None:
    """One data line checked; None (its problems noted) when it is wrong."""
    code_at, subregion_at = columns
    code = values[code_at].strip() if code_at < len(values) else ""
    subregion = _subregion(values[subregion_at] if subregion_at < len(values) else "")
    ok = True
    if not (code.isascii() and code.isdigit() and len(code) in (7, 14)):
        reader.refuse(number, _("“%(c)s” is neither a 7-digit CD code nor a 14-digit CDS code.", c=code[:40]))
        ok = False
    if isinstance(subregion, str):
        reader.refuse(number, _("The subregion “%(s)s” is not 1 to 8 (or empty for none).", s=subregion[:40]))
        return None
    return SubregionRow(number, code, subregion) if ok else None


def _text(data: bytes) -> str:
    try:
        text, _encoding = decode(data)
    except CdeFileError as err:
        raise SubregionFileError(err.problems) from err
    if not text.strip():
        raise SubregionFileError([(0, _("The file is empty."))])
    return text


def parse_subregion_file(data: bytes) -> list[SubregionRow]:
    """The rows of a subregion file, every line checked (codes not yet looked up); raises SubregionFileError."""
    text = _text(data)
    reader = _Reader()
    lines = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text.split("\n", 1)[0]))
    columns = _header(next(lines), reader)
    if columns is None:
        raise SubregionFileError(reader.problems)
    seen: dict[str, SubregionRow] = {}
    for values in lines:
        number = lines.line_num
        if not any(v.strip() for v in values):
            continue
        if len(seen) >= MAX_ROWS:
            reader.refuse(number, _("At most %(n)d rows in one file.", n=MAX_ROWS))
            break
        row = _read_row(number, values, columns, reader)
        if row is None:
            continue
        earlier = seen.setdefault(row.code, row)
        if earlier.subregion != row.subregion:
            reader.refuse(
                number, _("%(c)s is already on line %(n)d with another subregion.", c=row.code, n=earlier.line)
            )
    if not seen and not reader.problems:
        reader.refuse(0, _("The file has a header but no rows."))
    if reader.problems:
        raise SubregionFileError(reader.problems)
    return list(seen.values())


def _by_code(model, column, codes: list[str]) -> dict:
    found = {}
    for start in range(0, len(codes), _CHUNK):
        for obj in db.session.scalars(select(model).where(column.in_(codes[start : start + _CHUNK]))):
            found[getattr(obj, column.key)] = obj
    return found


def apply_subregions(pairs: list[tuple[Lea | School, int | None]], *, actor=None, via: str) -> SubregionChanges:
    """Give each LEA or school its subregion (already checked); audits each change. Flush only."""
    result = SubregionChanges(rows=len(pairs))
    changed: list[tuple[Lea | School, int | None, int | None]] = []
    for obj, subregion in pairs:
        if obj.subregion == subregion:
            result.unchanged += 1
            continue
        changed.append((obj, obj.subregion, subregion))
        obj.subregion = subregion
        if isinstance(obj, Lea):
            result.leas_changed += 1
        else:
            result.schools_changed += 1
    result.changed = len(changed)
    if changed:
        db.session.flush()
    for obj, old, new in changed:
        action = "lea_updated" if isinstance(obj, Lea) else "school_updated"
        record(action, actor=actor, target=obj, changes={"subregion": [old, new]}, via=via)
    return result


def import_subregions(data: bytes, *, actor=None) -> SubregionChanges:
    """Check a whole subregion file, then set every subregion it names; raises SubregionFileError (nothing
    changed) when any line is wrong or names an unknown code. Flush only: the caller commits."""
    rows = parse_subregion_file(data)
    leas = _by_code(Lea, Lea.cd_code, [r.code for r in rows if r.is_lea])
    schools = _by_code(School, School.cds_code, [r.code for r in rows if not r.is_lea])
    problems = []
    pairs: list[tuple[Lea | School, int | None]] = []
    for row in rows:
        obj = (leas if row.is_lea else schools).get(row.code)
        if obj is None:
            what = (
                _("No LEA has the CD code %(c)s.", c=row.code)
                if row.is_lea
                else _("No school has the CDS code %(c)s.", c=row.code)
            )
            problems.append((row.line, what))
        else:
            pairs.append((obj, row.subregion))
    if problems:
        raise SubregionFileError(problems[:MAX_ERRORS])
    return apply_subregions(pairs, actor=actor, via="subregion_import")


def set_subregion(kind: str, ids: list[int], subregion, *, actor=None) -> SubregionChanges:
    """One subregion (1..8 or none) for the LEAs or schools of these ids: the directory lists' multi-select."""
    number = check_subregion(subregion)
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        raise ValidationFailed(
            _("Tick at least one row."), fields={"ids": [_("Tick the rows whose subregion you want to set.")]}
        )
    rows: list[Lea | School] = list(
        db.session.scalars(select(Lea).where(Lea.id.in_(wanted)))
        if kind == "lea"
        else db.session.scalars(select(School).where(School.id.in_(wanted)))
    )
    found = {obj.id: obj for obj in rows}
    if len(found) != len(wanted):
        raise NotFound(_("Some of the ticked rows no longer exist."))
    return apply_subregions([(found[i], number) for i in wanted], actor=actor, via="bulk_set")
