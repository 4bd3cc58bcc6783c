"""Bulk import of support activities from the CSV files staff kept so far.

One row is one activity. Columns (header names are case-insensitive; spaces and dashes count as "_"):
date (YYYY-MM-DD or M/D/YYYY), lea (CD code or exact name), schools (CDS codes separated by ";"),
kind, modality (code or label, e.g. "Consultation visit", "On-site"), duration_minutes or hours,
staff (e-mails separated by ";"), contacts (e-mails of people in the directory, ";"), topics (pillar codes or
labels and free tags, ";"), notes. UTF-8 with or without a byte-order mark. The app's own export
(export_columns.py) is read back as it is, in any language of the app: its headers and labels are known, its
columns for reading only (names, subregion, who and when) are skipped, and the apostrophe the CSV export puts
before text a spreadsheet would run as a formula ("'=...") is taken off again.

The file is refused whole, with line numbers, when any row is wrong; nothing is stored then. Importing the
same rows twice stores them once: each activity carries import_key, a hash of its normalized row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..errors import Forbidden, ValidationFailed
from ..exports import FORMULA_STARTS
from ..extensions import db
from ..labels import LABELS
from ..opportunities.models import PILLARS
from .export_columns import export_headers, in_every_language
from .models import SUPPORT_KINDS, SUPPORT_MODALITIES, SupportActivity
from .services import Resolved, SupportInput, can_log, create_activity, minutes_from, validate

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_ERRORS = 100

COLUMNS = {
    "date": "date",
    "occurred_on": "date",
    "lea": "lea",
    "lea_cd_code": "lea",
    "cd_code": "lea",
    "schools": "schools",
    "school": "schools",
    "cds_codes": "schools",
    "kind": "kind",
    "modality": "modality",
    "duration_minutes": "duration_minutes",
    "minutes": "duration_minutes",
    "hours": "hours",
    "duration_hours": "hours",
    "staff": "staff",
    "staff_emails": "staff",
    "contacts": "contacts",
    "contact_emails": "contacts",
    "topics": "topics",
    "notes": "notes",
}
FIELD_NAMES = {
    "occurred_on": "date",
    "duration": "duration",
}


class ImportRefused(ValidationFailed):
    """The file was refused whole; `lines` lists "line N: ..." messages."""

    code = "import_refused"

    def __init__(self, lines: list[str]):
        super().__init__(_("The file was not imported: fix these lines and try again."), fields={"file": lines})
        self.lines = lines


@dataclass
class ImportResult:
    rows: int
    created: int
    skipped: int  # already imported before, or repeated in the file


def _key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _code(value: str, codes: tuple[str, ...]) -> str | None:
    """A code typed as the code itself or its label (in any language of the app), in any case."""
    wanted = _key(value)
    if wanted in codes:
        return wanted
    return _labels(codes, tuple(current_app.config.get("LANGUAGES") or ["en"])).get(wanted)


@cache
def _labels(codes: tuple[str, ...], languages: tuple[str, ...]) -> dict[str, str]:
    """{label as a key, in each of `languages`: code} (labels do not change while the app runs)."""
    texts = in_every_language({code: LABELS.get(code, code) for code in codes})
    return {_key(text): code for text, code in texts.items()}


def _unguard(value: str) -> str:
    """The text as typed: without the apostrophe an export put before a formula-like value."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _column(name: str) -> str | None:
    """The field a header names ("" for a column of the export to skip); None when unknown."""
    key = _key(name)
    if key in COLUMNS:
        return COLUMNS[key]
    exported = {_key(header): field for header, field in export_headers().items()}
    return exported.get(key)


def _list(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[;,\n]+", value or "") if v.strip()]


def _topic(value: str) -> str:
    code = _code(value, PILLARS)
    return code or re.sub(r"\s+", "-", value.strip().lower())


def parse_date(value: str) -> date:
    text = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("“%(v)s” is not a date: use YYYY-MM-DD or M/D/YYYY.", v=text[:40]))


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise ImportRefused([_("The file is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024))])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ImportRefused(
            [_("The file is not UTF-8 (byte %(n)d): save it from the spreadsheet as “CSV UTF-8”.", n=err.start)]
        ) from err


def import_key(r: Resolved) -> str:
    """A hash of the normalized row: the same activity typed twice gets the same key."""
    canonical = {
        "date": r.occurred_on.isoformat(),
        "lea": r.lea.cd_code,
        "schools": sorted(s.cds_code for s in r.schools),
        "kind": r.kind,
        "modality": r.modality,
        "minutes": r.duration_minutes,
        "staff": sorted(u.email for u in r.staff),
        "contacts": sorted(p.id for p in r.contacts),
        "topics": sorted(r.topics),
        "notes": " ".join(r.notes.split()),
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _row_input(row: dict[str, str]) -> tuple[SupportInput, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    occurred_on = None
    try:
        occurred_on = parse_date(row.get("date", ""))
    except ValueError as err:
        errors.setdefault("date", []).append(str(err))

    kind = _code(row.get("kind", ""), SUPPORT_KINDS)
    if kind is None:
        errors.setdefault("kind", []).append(
            _("“%(v)s” is not a kind (%(c)s).", v=row.get("kind", "")[:40], c=", ".join(SUPPORT_KINDS))
        )
    modality = _code(row.get("modality", ""), SUPPORT_MODALITIES)
    if modality is None:
        errors.setdefault("modality", []).append(
            _("“%(v)s” is not a modality (%(c)s).", v=row.get("modality", "")[:40], c=", ".join(SUPPORT_MODALITIES))
        )

    minutes = None
    typed_minutes = (row.get("duration_minutes") or "").strip()
    typed_hours = (row.get("hours") or "").strip()
    try:
        if typed_minutes and typed_hours:
            if minutes_from(typed_minutes) != minutes_from(typed_hours, "hours"):
                raise ValueError(_("duration_minutes and hours disagree: give one of them."))
            minutes = minutes_from(typed_minutes)
        elif typed_minutes:
            minutes = minutes_from(typed_minutes)
        elif typed_hours:
            minutes = minutes_from(typed_hours, "hours")
        else:
            raise ValueError(_("Enter duration_minutes or hours."))
    except ValueError as err:
        errors.setdefault("duration", []).append(str(err))

    data = SupportInput(
        occurred_on=occurred_on,
        lea=(row.get("lea") or "").strip() or None,
        kind=kind,
        modality=modality,
        duration_minutes=minutes,
        schools=_list(row.get("schools", "")),
        staff=_list(row.get("staff", "")),
        contacts=_list(row.get("contacts", "")),
        topics=[_topic(t) for t in _list(row.get("topics", ""))],
        notes=row.get("notes") or "",
    )
    return data, errors


def read_rows(text: str) -> list[tuple[int, Resolved]]:
    """Parse and validate every row; -> [(line number, resolved row)] or ImportRefused listing every problem."""
    reader = csv.reader(io.StringIO(text, newline=""))
    columns = _read_header(reader)
    problems: list[str] = []
    rows: list[tuple[int, Resolved]] = []
    for start, values in _records(reader, problems):
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(_("The file has more than %(n)d rows: split it.", n=MAX_ROWS))
            break
        resolved, row_problems = _read_row(start, values, columns)
        problems.extend(row_problems)
        if resolved is not None:
            rows.append((start, resolved))
        if len(problems) >= MAX_ERRORS:
            problems.append(_("Stopped after %(n)d problems.", n=MAX_ERRORS))
            break
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([_("The file has no activity rows.")])
    return rows


def _read_header(reader) -> list[str]:
    """The field of each column ("" for an unknown one); ImportRefused when a column is unknown, twice or missing."""
    problems: list[str] = []
    try:
        header = next(reader)
    except StopIteration as err:
        raise ImportRefused([_("The file is empty.")]) from err
    except csv.Error as err:
        raise ImportRefused([_("line %(n)d: %(e)s", n=1, e=str(err))]) from err
    columns: list[str] = []
    for name in header:
        column = _column(name)
        if column is None:
            problems.append(_("line 1: unknown column “%(c)s”.", c=name[:40]))
        elif column and column in columns:
            problems.append(_("line 1: the column “%(c)s” appears twice.", c=name[:40]))
        columns.append(column or "")
    for needed in ("date", "lea", "kind", "modality"):
        if needed not in columns:
            problems.append(_("line 1: the column “%(c)s” is missing.", c=needed))
    if "duration_minutes" not in columns and "hours" not in columns:
        problems.append(_("line 1: add a column duration_minutes or hours."))
    if problems:
        raise ImportRefused(problems)
    return columns


def _records(reader, problems: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of every record that is not blank; a CSV error is a problem and ends the file."""
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            problems.append(_("line %(n)d: %(e)s", n=start, e=str(err)))
            return
        line = reader.line_num
        if any(v.strip() for v in values):
            yield start, values


def _read_row(start: int, values: list[str], columns: list[str]) -> tuple[Resolved | None, list[str]]:
    """One record: (the resolved row, or None when it has a problem; its problems, each naming the line)."""
    if len(values) > len(columns):
        return None, [_("line %(n)d: more cells than columns.", n=start)]
    row = {col: _unguard(value) for col, value in zip(columns, values, strict=False) if col}
    data, errors = _row_input(row)
    resolved = None
    try:
        resolved = validate(data)
    except ValidationFailed as err:
        for name, messages in err.fields.items():
            errors.setdefault(name, messages)
    problems = [
        _("line %(n)d: %(f)s: %(m)s", n=start, f=FIELD_NAMES.get(name, name), m=message)
        for name, messages in errors.items()
        for message in messages
    ]
    return (None if errors else resolved), problems


def import_csv(raw: bytes, by=None, *, filename: str = "") -> ImportResult:
    """Validate the whole file, then store the rows not imported before. Flushes; the caller commits."""
    if by is not None and not can_log(by):
        raise Forbidden(_("Only R-TAC staff log support activities."))
    rows = read_rows(decode(raw))
    keyed = [(import_key(r), r) for _line, r in rows]
    existing = set(
        db.session.scalars(
            select(SupportActivity.import_key).where(SupportActivity.import_key.in_({k for k, _r in keyed}))
        )
    )
    created = 0
    for key, r in keyed:
        if key in existing:
            continue
        existing.add(key)
        data = SupportInput(
            occurred_on=r.occurred_on,
            lea=r.lea.id,
            kind=r.kind,
            modality=r.modality,
            duration_minutes=r.duration_minutes,
            schools=[s.id for s in r.schools],
            staff=[u.id for u in r.staff],
            contacts=[p.id for p in r.contacts],
            topics=r.topics,
            notes=r.notes,
        )
        try:
            with db.session.begin_nested():
                create_activity(data, by, import_key=key)
        except IntegrityError:
            continue  # the same row arrived a moment ago through another import
        created += 1
    result = ImportResult(rows=len(rows), created=created, skipped=len(rows) - created)
    record(
        "support_activities_imported",
        actor=by,
        filename=(filename or "")[:200],
        rows=result.rows,
        created=result.created,
        skipped=result.skipped,
    )
    return result
