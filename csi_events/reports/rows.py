"""The rows behind each figure: one SELECT per figure, paginated on the rows page or streamed to an export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import aliased

from ..checkin.models import CheckIn
from ..directory.models import Lea, School
from ..errors import ValidationFailed
from ..extensions import db
from ..opportunities.models import Session
from .counting import (
    PERSON_SUBREGION,
    EffPerson,
    Opp,
    Scope,
    attendance_select,
    opportunity_conditions,
    place_joins,
    resolve_scope,
    session_conditions,
)
from .definitions import FIGURE_NAMES
from .filters import ReportFilters

# --- the rows behind each figure -----------------------------------------------------------------
SchoolOfPerson = aliased(School, name="person_school")
LeaOfPerson = aliased(Lea, name="person_lea")
_PERSON_PLACE_JOINS = (
    (LeaOfPerson, LeaOfPerson.id == EffPerson.lea_id, True),
    (SchoolOfPerson, SchoolOfPerson.id == EffPerson.school_id, True),
)
_PLACE = func.coalesce(SchoolOfPerson.name, EffPerson.organization)


@dataclass
class RowSet:
    figure: str
    header: list[str]
    stmt: Select
    person_column: int | None = None  # index of the person id, for links
    personal: bool = True  # holds personal data (exports are audited)
    labelled: tuple[int, ...] = ()  # columns of codes (kind, modality, method, role) shown by their label on pages
    subregion_columns: tuple[int, ...] = ()  # columns of subregion numbers shown by their name on pages


_PERSON_NAME = (EffPerson.id, EffPerson.first_name, EffPerson.last_name, EffPerson.email)


def _person_header() -> list[str]:
    """The headers of the _PERSON_NAME columns (translated at call time)."""
    return [_("Person id"), _("First name"), _("Last name"), _("E-mail")]


def _grouped(
    f: ReportFilters, scope: Scope, keys: tuple, aggregates: tuple, order_by: tuple, where: tuple = ()
) -> Select:
    """Attendances of `f` with the person's LEA and school joined, grouped by `keys`: SELECT keys, aggregates."""
    stmt = attendance_select(f, *keys, *aggregates, scope=scope, extra_joins=_PERSON_PLACE_JOINS)
    if where:
        stmt = stmt.where(*where)
    return stmt.group_by(*keys).order_by(*order_by)


def _place_rows(f: ReportFilters, scope: Scope, keys: tuple, place_id, order_by) -> Select:
    """One row per place (LEA or school) of the attending people who have one: keys, attendances, unique
    individuals."""
    aggregates = (
        func.count().label("attendances"),
        func.count(distinct(EffPerson.id)).label("unique_individuals"),
    )
    return _grouped(f, scope, keys, aggregates, order_by=(order_by,), where=(place_id.is_not(None),))


def _attendance_rows(f: ReportFilters, scope: Scope) -> RowSet:
    stmt = attendance_select(
        f,
        CheckIn.id,
        Session.starts_at,
        Opp.id,
        Opp.title,
        *_PERSON_NAME,
        EffPerson.role,
        LeaOfPerson.cd_code,
        LeaOfPerson.name,
        SchoolOfPerson.cds_code,
        _PLACE,
        CheckIn.checked_in_at,
        CheckIn.method,
        CheckIn.minutes_present,
        scope=scope,
        extra_joins=_PERSON_PLACE_JOINS,
    ).order_by(Session.starts_at, CheckIn.id)
    header = [
        _("Check-in"),
        _("Session starts (local time)"),
        _("Opportunity id"),
        _("Opportunity"),
        *_person_header(),
        _("Role"),
        _("LEA CD code"),
        _("LEA"),
        _("School CDS code"),
        _("School or organization"),
        _("Checked in at (local time)"),
        _("Method"),
        _("Minutes present"),
    ]
    return RowSet("attendances", header, stmt, person_column=4, labelled=(8, 14))


def _attendee_rows(f: ReportFilters, scope: Scope) -> RowSet:
    stmt = _grouped(
        f,
        scope,
        (*_PERSON_NAME, LeaOfPerson.name, _PLACE, Opp.id, Opp.title),
        (func.count().label("sessions_attended"),),
        order_by=(EffPerson.last_name, EffPerson.first_name, EffPerson.id, Opp.id),
    )
    header = [
        *_person_header(),
        _("LEA"),
        _("School or organization"),
        _("Opportunity id"),
        _("Opportunity"),
        _("Sessions attended"),
    ]
    return RowSet("attendees", header, stmt, person_column=0)


def _individual_rows(f: ReportFilters, scope: Scope) -> RowSet:
    stmt = _grouped(
        f,
        scope,
        (*_PERSON_NAME, EffPerson.role, LeaOfPerson.name, _PLACE),
        (func.count().label("attendances"), func.count(distinct(Opp.id)).label("opportunities")),
        order_by=(EffPerson.last_name, EffPerson.first_name, EffPerson.id),
    )
    header = [
        *_person_header(),
        _("Role"),
        _("LEA"),
        _("School or organization"),
        _("Attendances"),
        _("Opportunities attended"),
    ]
    return RowSet("unique_individuals", header, stmt, person_column=0, labelled=(4,))


def _lea_rows(f: ReportFilters, scope: Scope) -> RowSet:
    keys = (LeaOfPerson.cd_code, LeaOfPerson.name, LeaOfPerson.subregion)
    stmt = _place_rows(f, scope, keys, EffPerson.lea_id, LeaOfPerson.name)
    header = [_("LEA CD code"), _("LEA"), _("Subregion"), _("Attendances"), _("Unique individuals")]
    return RowSet("leas", header, stmt, personal=False, subregion_columns=(2,))


def _school_rows(f: ReportFilters, scope: Scope) -> RowSet:
    keys = (SchoolOfPerson.cds_code, SchoolOfPerson.name, LeaOfPerson.name)
    stmt = _place_rows(f, scope, keys, EffPerson.school_id, SchoolOfPerson.name)
    header = [_("School CDS code"), _("School"), _("LEA"), _("Attendances"), _("Unique individuals")]
    return RowSet("schools", header, stmt, personal=False)


def _subregion_rows(f: ReportFilters, scope: Scope) -> RowSet:
    """One row per subregion of the participants (their school's, else its LEA's)."""
    aggregates = (
        func.count().label("attendances"),
        func.count(distinct(EffPerson.id)).label("unique_individuals"),
    )
    stmt = (
        attendance_select(f, PERSON_SUBREGION, *aggregates, scope=scope, extra_joins=place_joins(EffPerson))
        .where(PERSON_SUBREGION.is_not(None))
        .group_by(PERSON_SUBREGION)
        .order_by(PERSON_SUBREGION)
    )
    header = [_("Subregion"), _("Attendances"), _("Unique individuals")]
    return RowSet("subregions", header, stmt, personal=False, subregion_columns=(0,))


def _offering_base(f: ReportFilters, scope: Scope, with_attendance: bool) -> tuple[Select, Any]:
    """Sessions in range of counted opportunities with their attendances (n), only attended ones when asked or
    with an LEA/school filter."""
    attended = (
        attendance_select(f, CheckIn.session_id.label("sid"), func.count().label("n"), scope=scope)
        .group_by(CheckIn.session_id)
        .subquery("attended")
    )
    base = (
        select()
        .select_from(Session)
        .join(Opp, Opp.id == Session.opportunity_id)
        .join(attended, attended.c.sid == Session.id, isouter=not (scope.active or with_attendance))
        .where(*session_conditions(f), *opportunity_conditions(f))
    )
    return base, func.coalesce(attended.c.n, 0)


def _session_rows(f: ReportFilters, scope: Scope) -> RowSet:
    base, n = _offering_base(f, scope, with_attendance=False)
    stmt = base.add_columns(
        Session.id, Session.starts_at, Opp.id, Opp.title, Opp.kind, Opp.modality, Opp.subregion, n
    ).order_by(Session.starts_at, Session.id)
    header = [
        _("Session id"),
        _("Starts (local time)"),
        _("Opportunity id"),
        _("Opportunity"),
        _("Kind"),
        _("Modality"),
        _("Subregion"),
        _("Attendances"),
    ]
    return RowSet("sessions", header, stmt, personal=False, labelled=(4, 5), subregion_columns=(6,))


def _opportunity_rows(f: ReportFilters, scope: Scope, with_attendance: bool = False) -> RowSet:
    base, n = _offering_base(f, scope, with_attendance)
    columns = (Opp.id, Opp.title, Opp.kind, Opp.modality, Opp.subregion)
    stmt = (
        base.add_columns(*columns, func.count(Session.id), func.sum(n)).group_by(*columns).order_by(Opp.title, Opp.id)
    )
    header = [
        _("Opportunity id"),
        _("Opportunity"),
        _("Kind"),
        _("Modality"),
        _("Subregion"),
        _("Sessions in range") if not with_attendance else _("Sessions attended"),
        _("Attendances"),
    ]
    name = "opportunities_with_attendance" if with_attendance else "opportunities"
    return RowSet(name, header, stmt, personal=False, labelled=(2, 3), subregion_columns=(4,))


_ROWS: dict[str, Callable[[ReportFilters, Scope], RowSet]] = {
    "opportunities": _opportunity_rows,
    "opportunities_with_attendance": lambda f, scope: _opportunity_rows(f, scope, with_attendance=True),
    "sessions": _session_rows,
    "attendances": _attendance_rows,
    "attendees": _attendee_rows,
    "unique_individuals": _individual_rows,
    "leas": _lea_rows,
    "schools": _school_rows,
    "subregions": _subregion_rows,
}
assert set(_ROWS) == set(FIGURE_NAMES), "every figure of definitions.py has its rows"


def figure_rows(f: ReportFilters, figure: str) -> RowSet:
    """The rows that make a figure, as one SELECT (paginate it, or stream it for an export)."""
    build = _ROWS.get(figure)
    if build is None:
        raise ValidationFailed(_("Unknown figure."), fields={"figure": [_("Choose one of the figures.")]})
    return build(f, resolve_scope(f))


def count_rows(rowset: RowSet) -> int:
    return int(db.session.scalar(select(func.count()).select_from(rowset.stmt.order_by(None).subquery())))


def page_rows(rowset: RowSet, page: int, per_page: int) -> list:
    return list(db.session.execute(rowset.stmt.limit(per_page).offset((page - 1) * per_page)).all())


def stream_rows(stmt: Select, batch: int = 2000) -> Iterator[tuple]:
    """Rows straight from a server-side cursor, `batch` at a time: constant memory at any size.
    Times are given in local time (America/Los_Angeles), without an offset (spreadsheets have none)."""
    from .filters import local_zone

    zone = local_zone()

    def cell(value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(zone).replace(tzinfo=None)
        return value

    result = db.session.execute(stmt.execution_options(yield_per=batch, stream_results=True))
    try:
        for row in result:
            yield tuple(cell(v) for v in row)
    finally:
        result.close()
