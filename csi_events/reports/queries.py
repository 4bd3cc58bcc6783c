"""The one set of report queries: pages, exports and the API all read their figures from here.

Words of DESIGN.md "Counting", made exact:
- A *counted opportunity* has status published (or archived: an opportunity that was published and is
  over; archiving must not change past figures). Drafts and cancelled opportunities never count.
- A session is *in the range* when it starts in [local midnight of date_from, local midnight after date_to).
- *attendance*: a check-in not undone (person x session), at a session in the range of a counted opportunity.
- *person*: the surviving person after merges: `coalesce(merged_into_id, id)`. A merge moves rows to the
  survivor anyway (people.services.merge_people), and flattens chains, so one level is enough.
- *attendees*: distinct (person, opportunity) pairs among attendances.
- *unique individuals*: distinct persons among attendances.
- *LEAs / schools reached*: distinct LEA / school of those persons (a person without one is not counted).
- *learning opportunities* / *sessions*: counted opportunities with a session in the range / those sessions.
  With an LEA filter (a person-side filter) both are restricted to the ones attended by that LEA's people.
- Splits: month (local) and subregion/kind/modality/topic of the opportunity; an opportunity with several
  topics counts in each of its topics, so the topic split may add up to more than the total.

Every aggregate is one SQL statement; nothing loops over attendance rows in Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy import Numeric as SANumeric
from sqlalchemy.orm import aliased

from ..checkin.models import CheckIn
from ..directory.models import Lea, School
from ..errors import ValidationFailed
from ..extensions import db
from ..opportunities.models import LearningOpportunity, OpportunityTopic, Session
from ..people.models import Person
from ..registrations.models import Registration
from .filters import COUNTYWIDE, ReportFilters, school_year_bounds

COUNTED_STATUSES = ("published", "archived")

Opp = LearningOpportunity
RowPerson = aliased(Person, name="row_person")  # the person a check-in row names
EffPerson = aliased(Person, name="eff_person")  # that person after merges (the one counted)
PERSON_KEY = func.coalesce(RowPerson.merged_into_id, RowPerson.id)

SPLITS = ("month", "subregion", "topic", "kind", "modality")
BREAKDOWNS = SPLITS + ("lea", "school", "person", "opportunity")
FIGURES = ("opportunities", "sessions", "attendances", "attendees", "unique_individuals", "leas", "schools")


@dataclass(frozen=True)
class Scope:
    """The person-side filters, resolved to ids once per report."""

    lea: Lea | None = None
    school: School | None = None
    follow_merges: bool = True

    @property
    def active(self) -> bool:
        return self.lea is not None or self.school is not None


def resolve_scope(f: ReportFilters) -> Scope:
    school = None
    if f.school is not None:
        school = db.session.scalar(select(School).where(School.cds_code == f.school))
        if school is None:
            raise ValidationFailed(
                _("Unknown school."), fields={"school": [_("No school has the CDS code %(c)s.", c=f.school)]}
            )
    return Scope(resolve_lea(f.lea), school, follow_merges=merged_rows_exist())


def merged_rows_exist() -> bool:
    """Whether any check-in still names a merged person. A merge moves rows to the survivor, so normally
    none does, and the report can skip the second people join; when one does, rows follow merged_into_id.
    (Two index look-ups: people.merged_into_id, then checkins.person_id.)"""
    stmt = (
        select(CheckIn.id)
        .join(Person, Person.id == CheckIn.person_id)
        .where(Person.merged_into_id.is_not(None))
        .limit(1)
    )
    return db.session.scalar(stmt) is not None


def resolve_lea(value: str | None) -> Lea | None:
    """An LEA by 7-digit CD code, or by id; an unknown one is an invalid filter."""
    if value is None:
        return None
    lea = None
    if len(value) == 7:
        lea = db.session.scalar(select(Lea).where(Lea.cd_code == value))
    if lea is None and value.isdigit() and len(value) < 7:
        lea = db.session.get(Lea, int(value))
    if lea is None:
        raise ValidationFailed(_("Unknown LEA."), fields={"lea": [_("No LEA has the code %(c)s.", c=value)]})
    return lea


# --- building blocks -----------------------------------------------------------------------------
def _opportunity_conditions(f: ReportFilters) -> list:
    conds = [Opp.status.in_(COUNTED_STATUSES)]
    if f.subregion == COUNTYWIDE:
        conds.append(Opp.subregion.is_(None))
    elif f.subregion is not None:
        conds.append(Opp.subregion == int(f.subregion))
    if f.kind:
        conds.append(Opp.kind == f.kind)
    if f.modality:
        conds.append(Opp.modality == f.modality)
    if f.topic:
        conds.append(Opp.id.in_(select(OpportunityTopic.opportunity_id).where(OpportunityTopic.topic == f.topic)))
    return conds


def _session_conditions(f: ReportFilters) -> list:
    return [Session.starts_at >= f.starts_utc, Session.starts_at < f.ends_utc]


def attendance_select(f: ReportFilters, *columns, scope: Scope | None = None, extra_joins=()) -> Select:
    """SELECT columns FROM the attendances of `f` (check-ins not undone, in range, counted opportunities),
    with RowPerson and EffPerson (the person after merges) joined."""
    if scope is None:
        scope = resolve_scope(f)
    stmt = (
        select(*columns)
        .select_from(CheckIn)
        .join(Session, Session.id == CheckIn.session_id)
        .join(Opp, Opp.id == Session.opportunity_id)
    )
    if scope.follow_merges:
        stmt = stmt.join(RowPerson, RowPerson.id == CheckIn.person_id).join(EffPerson, EffPerson.id == PERSON_KEY)
    else:
        stmt = stmt.join(EffPerson, EffPerson.id == CheckIn.person_id)
    for target, on, outer in extra_joins:
        stmt = stmt.join(target, on, isouter=outer)
    stmt = stmt.where(CheckIn.undone_at.is_(None), *_session_conditions(f), *_opportunity_conditions(f))
    if scope.lea is not None:
        stmt = stmt.where(EffPerson.lea_id == scope.lea.id)
    if scope.school is not None:
        stmt = stmt.where(EffPerson.school_id == scope.school.id)
    return stmt


def month_expression(f: ReportFilters):
    """The local calendar month ("2025-03") a session starts in, as a CASE over UTC month bounds
    (portable: SQLite has no time zones)."""
    months = f.months()
    return case(*[(Session.starts_at < end, literal(label)) for label, _start, end in months], else_=None)


# --- headline figures and splits: one statement ------------------------------------------------
@dataclass
class Summary:
    opportunities: int
    sessions: int
    attendances: int
    attendees: int
    unique_individuals: int
    leas: int
    schools: int

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURES}


def grain_ctes(f: ReportFilters, scope: Scope):
    """The common table expressions every attendance figure is read from, built so that the database does
    the per-row work once and the rest on ever smaller sets:
    ranged: the sessions in the range of counted opportunities (a few thousand rows), each with its local
      month: the month CASE runs once per session, not once per check-in;
    grain: one row per (person, opportunity, month) with its number of attendances n: check-ins (not
      undone) joined to `ranged` only; people are joined at this level only to follow merges or to apply
      an LEA/school filter;
    pairs: one row per (person, opportunity) = one attendee, with n;
    persons: one row per person = one unique individual, with the person's LEA and school.
    Distinct counts of a split are then plain GROUP BYs of these pre-deduplicated rows."""
    month = month_expression(f)
    ranged = (
        select(
            Session.id.label("sid"),
            Opp.id.label("opp"),
            month.label("month"),
        )
        .select_from(Session)
        .join(Opp, Opp.id == Session.opportunity_id)
        .where(*_session_conditions(f), *_opportunity_conditions(f))
        .cte("ranged")
    )
    stmt = select().select_from(CheckIn).join(ranged, ranged.c.sid == CheckIn.session_id)
    if scope.follow_merges:
        stmt = stmt.join(RowPerson, RowPerson.id == CheckIn.person_id)
        person = PERSON_KEY
    else:
        person = CheckIn.person_id
    if scope.active:
        # The scope's people first (an index on people.lea_id / school_id), then their check-ins.
        members = select(EffPerson.id)
        if scope.lea is not None:
            members = members.where(EffPerson.lea_id == scope.lea.id)
        if scope.school is not None:
            members = members.where(EffPerson.school_id == scope.school.id)
        stmt = stmt.where(person.in_(members))
    grain = (
        stmt.add_columns(person.label("person"), ranged.c.opp, ranged.c.month, func.count().label("n"))
        .where(CheckIn.undone_at.is_(None))
        .group_by(person, ranged.c.opp, ranged.c.month)
        .cte("grain")
    )
    pairs = (
        select(grain.c.person, grain.c.opp, func.sum(grain.c.n).label("n"))
        .group_by(grain.c.person, grain.c.opp)
        .cte("pairs")
    )
    per_person = select(pairs.c.person).group_by(pairs.c.person).subquery("per_person")
    persons = (
        select(Person.id.label("person"), Person.lea_id, Person.school_id)
        .join(per_person, per_person.c.person == Person.id)
        .cte("persons")
    )
    return grain, pairs, persons


_NULL_S = cast(null(), String)
_NULL_I = cast(null(), Integer)


def _split_branch(name: str, rows, key_is_str: bool) -> Select:
    """One UNION ALL branch of a split: (split, key_s, key_i, attendances, attendees, unique individuals,
    leas, schools). `rows` is a subquery of (key, person, n) with one row per (key, attendee). Two plain
    aggregations instead of a sort per COUNT(DISTINCT): first one row per (key, person) carrying its
    attendances and attendees, then per key: the sums, and the number of those rows = unique individuals."""
    per_person = (
        select(rows.c.key, func.sum(rows.c.n).label("n"), func.count().label("attendees"))
        .group_by(rows.c.key, rows.c.person)
        .subquery(f"{name}_p")
    )
    key = per_person.c.key
    return select(
        literal(name).label("split"),
        key if key_is_str else _NULL_S,
        _NULL_I if key_is_str else key,
        func.sum(per_person.c.n),
        func.sum(per_person.c.attendees),
        func.count(),
        _NULL_I,
        _NULL_I,
    ).group_by(key)


def _keyed(source, key, joins=()) -> Select:
    stmt = select(key.label("key"), source.c.person, source.c.n).select_from(source)
    for target, on in joins:
        stmt = stmt.join(target, on)
    return stmt


def figures_select(f: ReportFilters, scope: Scope, splits: tuple[str, ...] = ()) -> Select:
    """ONE statement: the headline attendance figures, then a block of rows per split."""
    grain, pairs, persons = grain_ctes(f, scope)
    totals = select(func.coalesce(func.sum(pairs.c.n), 0).label("n"), func.count().label("attendees")).subquery(
        "totals"
    )
    places = select(
        func.count().label("unique"),
        func.count(distinct(persons.c.lea_id)).label("leas"),
        func.count(distinct(persons.c.school_id)).label("schools"),
    ).subquery("places")
    branches = [
        select(
            literal("total").label("split"),
            _NULL_S,
            _NULL_I,
            totals.c.n,
            totals.c.attendees,
            places.c.unique,
            places.c.leas,
            places.c.schools,
        ).select_from(totals.join(places, literal(True)))
    ]
    opp_join = ((Opp, Opp.id == pairs.c.opp),)
    for by in splits:
        if by == "month":
            rows = _keyed(grain, grain.c.month)
        elif by in ("subregion", "kind", "modality"):
            rows = _keyed(pairs, getattr(Opp, by), opp_join)
        elif by == "topic":
            t = OpportunityTopic
            rows = _keyed(pairs, t.topic, ((t, t.opportunity_id == pairs.c.opp),))
        elif by in ("lea", "school"):
            column = persons.c.lea_id if by == "lea" else persons.c.school_id
            rows = _keyed(pairs, column, ((persons, persons.c.person == pairs.c.person),))
        elif by == "person":
            rows = _keyed(pairs, pairs.c.person)
        elif by == "opportunity":
            rows = _keyed(pairs, pairs.c.opp)
        else:
            raise ValueError(by)
        key_is_str = by in ("month", "kind", "modality", "topic")
        branches.append(_split_branch(by, rows.subquery(f"{by}_rows"), key_is_str))
    return union_all(*branches)


def offering_figures_select(f: ReportFilters, scope: Scope) -> Select:
    """One statement: learning opportunities and sessions (attended by the LEA's people with an LEA filter)."""
    stmt = (
        select(
            func.count(distinct(Opp.id)).label("opportunities"),
            func.count(Session.id).label("sessions"),
        )
        .select_from(Session)
        .join(Opp, Opp.id == Session.opportunity_id)
    )
    stmt = stmt.where(*_session_conditions(f), *_opportunity_conditions(f))
    if scope.active:
        attended = attendance_select(f, CheckIn.session_id, scope=scope)
        stmt = stmt.where(Session.id.in_(attended))
    return stmt


def figures(f: ReportFilters, splits: tuple[str, ...] = ()) -> tuple[Summary, dict[str, list[dict]]]:
    """The headline figures and the asked splits: rows {"key", "attendances", "attendees",
    "unique_individuals"} in key order; for month every month of the range (zeros included).
    Served from the cache of reports/cache.py while no change has committed since they were computed."""
    from .cache import current_version, figures_cache

    version = current_version()  # read BEFORE computing: see reports/cache.py
    key = (version, f, tuple(splits))
    cached = figures_cache().get(key) if version is not None else None
    if cached is None:
        cached = _compute_figures(f, tuple(splits))
        if version is not None:
            figures_cache().put(key, cached)
    summary, found = cached
    # Copies: callers may add to and sort the rows.
    return Summary(**summary.as_dict()), {by: [dict(r) for r in rows] for by, rows in found.items()}


def _compute_figures(f: ReportFilters, splits: tuple[str, ...]) -> tuple[Summary, dict[str, list[dict]]]:
    scope = resolve_scope(f)
    found: dict[str, list[dict]] = {by: [] for by in splits}
    total = None
    for split, key_s, key_i, n, attendees, unique, leas, schools in db.session.execute(
        figures_select(f, scope, splits)
    ):
        if split == "total":
            total = (int(n), int(attendees), int(unique), int(leas), int(schools))
            continue
        found[split].append(
            {
                "key": key_s if key_s is not None else key_i,
                "attendances": int(n),
                "attendees": int(attendees),
                "unique_individuals": int(unique),
            }
        )
    o = db.session.execute(offering_figures_select(f, scope)).one()
    attendances, attendees, unique, leas, schools = total or (0, 0, 0, 0, 0)
    summary = Summary(int(o.opportunities), int(o.sessions), attendances, attendees, unique, leas, schools)
    for by, rows in found.items():
        if by == "month":
            have = {r["key"]: r for r in rows}
            zero = {"attendances": 0, "attendees": 0, "unique_individuals": 0}
            found[by] = [have.get(label, {"key": label, **zero}) for label, _s, _e in f.months()]
        else:
            rows.sort(key=lambda r: (r["key"] is None, r["key"] if r["key"] is not None else 0))
    return summary, found


def summary(f: ReportFilters) -> Summary:
    return figures(f)[0]


def breakdown(f: ReportFilters, by: str) -> list[dict]:
    return figures(f, (by,))[1][by]


def attach_schools(rows: list[dict]) -> list[dict]:
    """School rows of a split with their School (one query), sorted by name."""
    ids = [r["key"] for r in rows if r["key"] is not None]
    schools = {s.id: s for s in db.session.scalars(select(School).where(School.id.in_(ids)))} if ids else {}
    for r in rows:
        r["school"] = schools.get(r["key"])
    rows.sort(key=lambda r: (r["school"] is None, r["school"].name if r["school"] else ""))
    return rows


def attach_leas(rows: list[dict]) -> list[dict]:
    ids = [r["key"] for r in rows if r["key"] is not None]
    leas = {x.id: x for x in db.session.scalars(select(Lea).where(Lea.id.in_(ids)))} if ids else {}
    for r in rows:
        r["lea"] = leas.get(r["key"])
    rows.sort(key=lambda r: (r["lea"] is None, r["lea"].name if r["lea"] else ""))
    return rows


def sessions_attended(f: ReportFilters) -> int:
    """Distinct sessions with at least one attendance (the "sessions attended" of LEA/school pages)."""
    inner = attendance_select(f, CheckIn.session_id).distinct().subquery()
    return int(db.session.scalar(select(func.count()).select_from(inner)))


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


def figure_rows(f: ReportFilters, figure: str) -> RowSet:
    """The rows that make a figure, as one SELECT (paginate it, or stream it for an export)."""
    scope = resolve_scope(f)
    if figure == "attendances":
        stmt = attendance_select(
            f,
            CheckIn.id,
            Session.starts_at,
            Opp.id,
            Opp.title,
            EffPerson.id,
            EffPerson.first_name,
            EffPerson.last_name,
            EffPerson.email,
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
            _("Person id"),
            _("First name"),
            _("Last name"),
            _("E-mail"),
            _("Role"),
            _("LEA CD code"),
            _("LEA"),
            _("School CDS code"),
            _("School or organization"),
            _("Checked in at (local time)"),
            _("Method"),
            _("Minutes present"),
        ]
        return RowSet(figure, header, stmt, person_column=4)
    if figure == "attendees":
        stmt = (
            attendance_select(
                f,
                EffPerson.id,
                EffPerson.first_name,
                EffPerson.last_name,
                EffPerson.email,
                LeaOfPerson.name,
                _PLACE,
                Opp.id,
                Opp.title,
                func.count().label("sessions_attended"),
                scope=scope,
                extra_joins=_PERSON_PLACE_JOINS,
            )
            .group_by(
                EffPerson.id,
                EffPerson.first_name,
                EffPerson.last_name,
                EffPerson.email,
                LeaOfPerson.name,
                _PLACE,
                Opp.id,
                Opp.title,
            )
            .order_by(EffPerson.last_name, EffPerson.first_name, EffPerson.id, Opp.id)
        )
        header = [
            _("Person id"),
            _("First name"),
            _("Last name"),
            _("E-mail"),
            _("LEA"),
            _("School or organization"),
            _("Opportunity id"),
            _("Opportunity"),
            _("Sessions attended"),
        ]
        return RowSet(figure, header, stmt, person_column=0)
    if figure == "unique_individuals":
        stmt = (
            attendance_select(
                f,
                EffPerson.id,
                EffPerson.first_name,
                EffPerson.last_name,
                EffPerson.email,
                EffPerson.role,
                LeaOfPerson.name,
                _PLACE,
                func.count().label("attendances"),
                func.count(distinct(Opp.id)).label("opportunities"),
                scope=scope,
                extra_joins=_PERSON_PLACE_JOINS,
            )
            .group_by(
                EffPerson.id,
                EffPerson.first_name,
                EffPerson.last_name,
                EffPerson.email,
                EffPerson.role,
                LeaOfPerson.name,
                _PLACE,
            )
            .order_by(EffPerson.last_name, EffPerson.first_name, EffPerson.id)
        )
        header = [
            _("Person id"),
            _("First name"),
            _("Last name"),
            _("E-mail"),
            _("Role"),
            _("LEA"),
            _("School or organization"),
            _("Attendances"),
            _("Opportunities attended"),
        ]
        return RowSet(figure, header, stmt, person_column=0)
    if figure == "leas":
        stmt = (
            attendance_select(
                f,
                LeaOfPerson.cd_code,
                LeaOfPerson.name,
                LeaOfPerson.subregion,
                func.count().label("attendances"),
                func.count(distinct(EffPerson.id)).label("unique_individuals"),
                scope=scope,
                extra_joins=_PERSON_PLACE_JOINS,
            )
            .where(EffPerson.lea_id.is_not(None))
            .group_by(LeaOfPerson.cd_code, LeaOfPerson.name, LeaOfPerson.subregion)
            .order_by(LeaOfPerson.name)
        )
        header = [_("LEA CD code"), _("LEA"), _("Subregion"), _("Attendances"), _("Unique individuals")]
        return RowSet(figure, header, stmt, personal=False)
    if figure == "schools":
        stmt = (
            attendance_select(
                f,
                SchoolOfPerson.cds_code,
                SchoolOfPerson.name,
                LeaOfPerson.name,
                func.count().label("attendances"),
                func.count(distinct(EffPerson.id)).label("unique_individuals"),
                scope=scope,
                extra_joins=_PERSON_PLACE_JOINS,
            )
            .where(EffPerson.school_id.is_not(None))
            .group_by(SchoolOfPerson.cds_code, SchoolOfPerson.name, LeaOfPerson.name)
            .order_by(SchoolOfPerson.name)
        )
        header = [_("School CDS code"), _("School"), _("LEA"), _("Attendances"), _("Unique individuals")]
        return RowSet(figure, header, stmt, personal=False)
    if figure in ("opportunities", "sessions"):
        attended = (
            attendance_select(f, CheckIn.session_id.label("sid"), func.count().label("n"), scope=scope)
            .group_by(CheckIn.session_id)
            .subquery("attended")
        )
        base = (
            select()
            .select_from(Session)
            .join(Opp, Opp.id == Session.opportunity_id)
            .join(attended, attended.c.sid == Session.id, isouter=not scope.active)
            .where(*_session_conditions(f), *_opportunity_conditions(f))
        )
        n = func.coalesce(attended.c.n, 0)
        if figure == "sessions":
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
        else:
            stmt = (
                base.add_columns(
                    Opp.id,
                    Opp.title,
                    Opp.kind,
                    Opp.modality,
                    Opp.subregion,
                    func.count(Session.id),
                    func.coalesce(func.sum(attended.c.n), 0),
                )
                .group_by(Opp.id, Opp.title, Opp.kind, Opp.modality, Opp.subregion)
                .order_by(Opp.title, Opp.id)
            )
            header = [
                _("Opportunity id"),
                _("Opportunity"),
                _("Kind"),
                _("Modality"),
                _("Subregion"),
                _("Sessions in range"),
                _("Attendances"),
            ]
        return RowSet(figure, header, stmt, personal=False)
    raise ValidationFailed(_("Unknown figure."), fields={"figure": [_("Choose one of the figures.")]})


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


# --- one person ----------------------------------------------------------------------------------
def _sessions_per_opportunity():
    return (
        select(Session.opportunity_id.label("opp"), func.count().label("n"))
        .group_by(Session.opportunity_id)
        .subquery("opp_sessions")
    )


def _person_and_merged(person_id: int) -> Select:
    return select(Person.id).where(or_(Person.id == person_id, Person.merged_into_id == person_id))


def person_attendance_select(person_id: int) -> Select:
    """Every attendance of a person (and of anyone merged into them) at a counted opportunity, with the
    PD hours it earns: the opportunity's pd_hours shared equally among its sessions."""
    per_opp = _sessions_per_opportunity()
    share = cast(Opp.pd_hours, SANumeric(10, 4)) / per_opp.c.n
    return (
        select(
            CheckIn.id.label("checkin_id"),
            Opp.id.label("opportunity_id"),
            Opp.title.label("opportunity"),
            Session.id.label("session_id"),
            Session.starts_at,
            Session.ends_at,
            CheckIn.checked_in_at,
            CheckIn.method,
            share.label("pd_hours"),
        )
        .select_from(CheckIn)
        .join(Session, Session.id == CheckIn.session_id)
        .join(Opp, Opp.id == Session.opportunity_id)
        .join(per_opp, per_opp.c.opp == Opp.id)
        .where(
            CheckIn.undone_at.is_(None),
            Opp.status.in_(COUNTED_STATUSES),
            CheckIn.person_id.in_(_person_and_merged(person_id)),
        )
        .order_by(Session.starts_at, CheckIn.id)
    )


def round_hours(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


@dataclass
class PersonHistory:
    attendances: list  # rows of person_attendance_select
    hours_by_year: dict[int, Decimal]  # school year start -> PD hours
    total_hours: Decimal


def person_history(person_id: int) -> PersonHistory:
    from .filters import local_zone, school_year_of

    rows = list(db.session.execute(person_attendance_select(person_id)).all())
    zone = local_zone()
    by_year: dict[int, Decimal] = {}
    for r in rows:
        year = school_year_of(r.starts_at.astimezone(zone).date())
        by_year[year] = by_year.get(year, Decimal(0)) + Decimal(str(r.pd_hours))
    by_year = {y: round_hours(v) for y, v in sorted(by_year.items(), reverse=True)}
    return PersonHistory(rows, by_year, round_hours(sum(by_year.values(), Decimal(0))))


def person_registrations(person_id: int) -> list[Registration]:
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.person_id.in_(_person_and_merged(person_id)))
            .options(joinedload(Registration.opportunity))
            .order_by(Registration.created_at.desc())
        )
    )


def certificate_data(person_id: int, opportunity_id: int) -> dict | None:
    """Sessions a person attended of one opportunity, and the PD hours earned; None when none."""
    rows = list(db.session.execute(person_attendance_select(person_id).where(Opp.id == opportunity_id)))
    if not rows:
        return None
    return {
        "opportunity": db.session.get(Opp, opportunity_id),
        "sessions": rows,
        "pd_hours": round_hours(sum((Decimal(str(r.pd_hours)) for r in rows), Decimal(0))),
    }


def transcript_data(person_id: int, start_year: int) -> dict:
    """The opportunities a person attended in one school year, with sessions and PD hours."""
    from .filters import local_midnight_utc

    first, last = school_year_bounds(start_year)
    from datetime import timedelta

    stmt = person_attendance_select(person_id).where(
        and_(
            Session.starts_at >= local_midnight_utc(first), Session.starts_at < local_midnight_utc(last + timedelta(1))
        )
    )
    per_opp: dict[int, dict] = {}
    for r in db.session.execute(stmt):
        item = per_opp.setdefault(
            r.opportunity_id, {"title": r.opportunity, "dates": [], "sessions": 0, "pd_hours": Decimal(0)}
        )
        item["dates"].append(r.starts_at)
        item["sessions"] += 1
        item["pd_hours"] += Decimal(str(r.pd_hours))
    items = list(per_opp.values())
    for item in items:
        item["pd_hours"] = round_hours(item["pd_hours"])
    return {"items": items, "total": round_hours(sum((i["pd_hours"] for i in items), Decimal(0)))}
