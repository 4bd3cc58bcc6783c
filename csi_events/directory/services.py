"""Directory rules: the CDE import, searching LEAs and schools, and staff edits (flush only; callers commit).

Who owns which field:
- the CDE import owns names, county, city, the school's LEA and ``is_closed`` (StatusType Closed, Merged or Pending: not open);
  it sets an LEA's ``kind`` only when it creates the LEA;
- staff own subregion, CCSPP status and cohort, and the LEA kind afterwards: an import never changes them.

LEA kind on creation: "county_office" when the district name contains "Office of Education" (or the
DOCType column says County Office); else "charter" when the file has no district row for that CD code
and every school row of it is a charter (Charter = Y), i.e. a charter that is its own LEA; else "district".
Schools and LEAs missing from a file are left as they are: only StatusType closes a record, so importing
a partial file never closes anything by omission.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from math import ceil

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..textfold import fold, folded
from .cde_import import CdeFile, CdeRow
from .models import CCSPP_STATUSES, LEA_KINDS, Lea, School
from .subregions import SUBREGIONS

DEFAULT_COUNTY = "Los Angeles"
_CHUNK = 500


# ---------------------------------------------------------------- import


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0  # open before, closed (or merged) by this import


@dataclass
class ImportReport:
    county: str
    encoding: str
    rows: int  # rows of that county in the file
    other_county_rows: int
    leas: Counts = field(default_factory=Counts)
    schools: Counts = field(default_factory=Counts)

    @property
    def changed(self) -> bool:
        return any((c.created or c.updated or c.closed) for c in (self.leas, self.schools))

    def as_dict(self) -> dict:
        return asdict(self)


def _set(obj, attr: str, value) -> bool:
    if getattr(obj, attr) != value:
        setattr(obj, attr, value)
        return True
    return False


def _tally(counts: Counts, *, created: bool, was_closed: bool, now_closed: bool, changed: bool) -> None:
    if created:
        counts.created += 1
    elif now_closed and not was_closed:
        counts.closed += 1
    elif changed:
        counts.updated += 1
    else:
        counts.unchanged += 1


def _infer_kind(name: str, district_row: CdeRow | None, school_rows: list[CdeRow]) -> str:
    doc_type = (district_row.doc_type if district_row else "") or ""
    if "office of education" in name.casefold() or "county office" in doc_type.casefold():
        return "county_office"
    if district_row is None and school_rows and all(r.charter for r in school_rows):
        return "charter"
    return "district"


def _load_by_code(model, column, codes: list[str]) -> dict:
    found = {}
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start : start + _CHUNK]
        for obj in db.session.scalars(select(model).where(column.in_(chunk))):
            found[getattr(obj, column.key)] = obj
    return found


def import_directory(parsed: CdeFile, county: str = DEFAULT_COUNTY, *, actor=None) -> ImportReport:
    """Create or update the LEAs and schools of one county from a parsed CDE file (already validated
    as a whole by cde_import.parse). Re-importing the same file changes nothing."""
    county = county.strip()
    rows = parsed.in_county(county)
    if not rows:
        raise DomainError(
            _("The file has no rows for the county %(c)s (check --county).", c=county), code="empty_import"
        )
    report = ImportReport(county=county, encoding=parsed.encoding, rows=len(rows),
                          other_county_rows=len(parsed.rows) - len(rows) + parsed.other_county_lines)  # fmt: skip

    district_rows: dict[str, CdeRow] = {}
    school_rows: dict[str, list[CdeRow]] = {}
    for row in rows:
        if row.is_district:
            district_rows[row.cd_code] = row
        else:
            school_rows.setdefault(row.cd_code, []).append(row)

    cd_codes = sorted(set(district_rows) | set(school_rows))
    leas = _import_leas(cd_codes, district_rows, school_rows, report)
    _import_schools([row for cd in cd_codes for row in school_rows.get(cd, [])], leas, report)
    record("directory_import", actor=actor, target_type="directory", **report.as_dict())
    return report


def _import_leas(
    cd_codes: list[str], district_rows: dict[str, CdeRow], school_rows: dict[str, list[CdeRow]], report: ImportReport
) -> dict[str, Lea]:
    """Create or update the LEA of each CD code (from its district row, else its first school's); -> LEAs by code."""
    leas = _load_by_code(Lea, Lea.cd_code, cd_codes)
    for cd in cd_codes:
        district_row = district_rows.get(cd)
        its_schools = school_rows.get(cd, [])
        source = district_row or its_schools[0]
        name = source.district
        found = leas.get(cd)
        created = found is None
        was_closed = bool(found.is_closed) if found else False
        if found is None:
            lea = Lea(
                aliases=KNOWN_ALIASES.get(cd),
                cd_code=cd,
                name=name,
                kind=_infer_kind(name, district_row, its_schools),
                county=source.county,
                ccspp_status="none",
                is_closed=district_row.is_closed if district_row else False,
            )
            db.session.add(lea)
            leas[cd] = lea
            changed = True
        else:
            lea = found
            changed = _set(lea, "name", name)
            changed |= _set(lea, "county", source.county)
            if district_row is not None:
                changed |= _set(lea, "is_closed", district_row.is_closed)
        _tally(report.leas, created=created, was_closed=was_closed, now_closed=bool(lea.is_closed), changed=changed)
    db.session.flush()
    return leas


def _import_schools(all_school_rows: list[CdeRow], leas: dict[str, Lea], report: ImportReport) -> None:
    """Create or update each school row's school, under its LEA."""
    schools = _load_by_code(School, School.cds_code, [r.cds_code for r in all_school_rows])
    for row in all_school_rows:
        lea = leas[row.cd_code]
        school = schools.get(row.cds_code)
        created = school is None
        was_closed = bool(school.is_closed) if school else False
        if created:
            school = School(
                cds_code=row.cds_code,
                name=row.school,
                lea_id=lea.id,
                city=row.city,
                is_closed=row.is_closed,
                ccspp_status="none",
                subregion=lea.subregion,  # a start; staff set each school's own subregion
            )
            db.session.add(school)
            changed = True
        else:
            changed = _set(school, "name", row.school)
            changed |= _set(school, "lea_id", lea.id)
            changed |= _set(school, "city", row.city)
            changed |= _set(school, "is_closed", row.is_closed)
        _tally(report.schools, created=created, was_closed=was_closed, now_closed=row.is_closed, changed=changed)
    db.session.flush()


# ---------------------------------------------------------------- searching


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _like(word: str) -> str:
    """A LIKE pattern for a folded column (textfold.folded): the word folded, its wildcards escaped."""
    escaped = fold(word).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _words(q: str | None) -> list[str]:
    return [w for w in (q or "").split() if w][:8]


def _page(stmt: Select, page: int, per_page: int) -> tuple[list, int]:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return items, int(total)


def lea_query(
    q: str | None = None,
    *,
    subregion: int | None = None,
    kind: str | None = None,
    ccspp_status: str | None = None,
    include_closed: bool = True,
) -> Select:
    stmt = select(Lea)
    for word in _words(q):
        condition: ColumnElement[bool] = or_(
            folded(Lea.name).like(_like(word), escape="\\"), folded(Lea.aliases).like(_like(word), escape="\\")
        )
        if word.isdigit():
            condition = or_(condition, Lea.cd_code.startswith(word))
        stmt = stmt.where(condition)
    if subregion is not None:
        stmt = stmt.where(Lea.subregion == subregion)
    if kind:
        stmt = stmt.where(Lea.kind == kind)
    if ccspp_status:
        stmt = stmt.where(Lea.ccspp_status == ccspp_status)
    if not include_closed:
        stmt = stmt.where(Lea.is_closed.is_(False))
    return stmt.order_by(Lea.name, Lea.cd_code)


def search_leas(q=None, *, page: int = 1, per_page: int = 50, **filters) -> Page:
    items, total = _page(lea_query(q, **filters), page, per_page)
    return Page(items, total, page, per_page)


def school_counts(lea_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{lea id: (open schools, closed schools)} in one query."""
    if not lea_ids:
        return {}
    closed = func.sum(case((School.is_closed.is_(True), 1), else_=0))
    rows = db.session.execute(
        select(School.lea_id, func.count(School.id), closed).where(School.lea_id.in_(lea_ids)).group_by(School.lea_id)
    )
    return {lea_id: (int(total) - int(shut or 0), int(shut or 0)) for lea_id, total, shut in rows}


def school_query(
    q: str | None = None,
    *,
    lea: Lea | None = None,
    lea_cd_code: str | None = None,
    subregion: int | None = None,
    include_closed: bool = False,
) -> Select:
    stmt = select(School).join(School.lea).options(joinedload(School.lea))
    for word in _words(q):
        pattern = _like(word)
        condition = or_(folded(School.name).like(pattern, escape="\\"), folded(School.city).like(pattern, escape="\\"))
        if word.isdigit():
            condition = or_(condition, School.cds_code.startswith(word))
        stmt = stmt.where(condition)
    if lea is not None:
        stmt = stmt.where(School.lea_id == lea.id)
    if lea_cd_code:
        stmt = stmt.where(Lea.cd_code == lea_cd_code)
    if subregion is not None:
        stmt = stmt.where(School.subregion == subregion)
    if not include_closed:
        stmt = stmt.where(School.is_closed.is_(False))
    return stmt.order_by(School.name, School.cds_code)


def search_schools(q=None, *, page: int = 1, per_page: int = 50, **filters) -> Page:
    items, total = _page(school_query(q, **filters), page, per_page)
    return Page(items, total, page, per_page)


# ---------------------------------------------------------------- staff edits


def check_subregion(value) -> int | None:
    """None, or a whole number 1..8 (a subregion: docs/architecture.md "Domain"); anything else is refused."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number not in SUBREGIONS or str(value).strip() != str(number):
        raise ValidationFailed(
            _("The subregion must be one of the eight subregions (1 to 8), or none."),
            fields={"subregion": [_("Choose a subregion from 1 to 8, or none.")]},
        )
    return number


def _check_choice(name: str, value: str, allowed) -> str:
    if value not in allowed:
        raise ValidationFailed(
            _("Some fields are invalid."),
            fields={name: [_("Choose one of: %(v)s.", v=", ".join(allowed))]},
        )
    return value


ALIASES_MAX = 500
# Short names nearly everyone in Los Angeles County uses, given to these LEAs when they are first imported
# (by CD code); staff add others on each LEA's edit page. The migration that added the column sets the same.
KNOWN_ALIASES = {"1964733": "LAUSD, LA Unified", "1964725": "LBUSD, Long Beach USD"}


def clean_aliases(text: str | None) -> str | None:
    """Comma- or line-separated short names, trimmed, without repeats: "LAUSD, LA Unified"; None when empty.
    Too long a list is refused (ValidationFailed on field `aliases`)."""
    seen: dict[str, str] = {}
    for part in (text or "").replace("\n", ",").split(","):
        alias = " ".join(part.split())
        if alias and alias.lower() not in seen:
            seen[alias.lower()] = alias
    joined = ", ".join(seen.values())
    if len(joined) > ALIASES_MAX:
        raise ValidationFailed(
            _("Some fields are invalid."),
            fields={"aliases": [_("At most %(n)d characters in all.", n=ALIASES_MAX)]},
        )
    return joined or None


def update_lea(
    lea: Lea,
    *,
    kind: str,
    subregion,
    ccspp_status: str,
    ccspp_cohort: str | None,
    aliases: str | None = None,
    actor=None,
) -> dict[str, tuple]:
    """Apply a staff edit; returns {field: (old, new)} of what changed (audited). `aliases` None: unchanged."""
    new = {
        "kind": _check_choice("kind", kind, LEA_KINDS),
        "subregion": check_subregion(subregion),
        "ccspp_status": _check_choice("ccspp_status", ccspp_status, CCSPP_STATUSES),
        "ccspp_cohort": (ccspp_cohort or "").strip()[:40] or None,
    }
    if aliases is not None:
        new["aliases"] = clean_aliases(aliases)
    changes = {k: (getattr(lea, k), v) for k, v in new.items() if getattr(lea, k) != v}
    for key, (_old, value) in changes.items():
        setattr(lea, key, value)
    if changes:
        db.session.flush()
        record("lea_updated", actor=actor, target=lea, changes={k: list(v) for k, v in changes.items()})
    return changes


def update_school(school: School, *, subregion, ccspp_status: str, is_closed: bool, actor=None) -> dict[str, tuple]:
    new = {
        "subregion": check_subregion(subregion),
        "ccspp_status": _check_choice("ccspp_status", ccspp_status, CCSPP_STATUSES),
        "is_closed": bool(is_closed),
    }
    changes = {k: (getattr(school, k), v) for k, v in new.items() if getattr(school, k) != v}
    for key, (_old, value) in changes.items():
        setattr(school, key, value)
    if changes:
        db.session.flush()
        record("school_updated", actor=actor, target=school, changes={k: list(v) for k, v in changes.items()})
    return changes
