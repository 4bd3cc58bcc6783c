"""The headline figures and their splits: one statement per report, served through reports/cache.py."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, Select, String, cast, distinct, func, literal, null, select, union_all

from ..checkin.models import CheckIn
from ..extensions import db
from ..opportunities.models import OpportunityTopic, Session
from ..people.models import Person
from .counting import (
    FIGURES,
    PERSON_KEY,
    EffPerson,
    Opp,
    RowPerson,
    Scope,
    attendance_select,
    month_expression,
    opportunity_conditions,
    resolve_scope,
    session_conditions,
)
from .filters import ReportFilters


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
        .where(*session_conditions(f), *opportunity_conditions(f))
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
    stmt = stmt.where(*session_conditions(f), *opportunity_conditions(f))
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
    from . import rollup

    scope = resolve_scope(f)
    attendance = None
    if rollup.serves(f, splits) and not _writing(db.session()):
        attendance = rollup.school_year_figures(f.school_year_start, splits)
    if attendance is None:
        attendance = _attendance_figures(f, scope, splits)
    total, found = attendance
    o = db.session.execute(offering_figures_select(f, scope)).one()
    summary = Summary(int(o.opportunities), int(o.sessions), **{k: int(v) for k, v in total.items()})
    for by, rows in found.items():
        if by == "month":
            have = {r["key"]: r for r in rows}
            zero = {"attendances": 0, "attendees": 0, "unique_individuals": 0}
            found[by] = [have.get(label, {"key": label, **zero}) for label, _s, _e in f.months()]
        else:
            rows.sort(key=lambda r: (r["key"] is None, r["key"] if r["key"] is not None else 0))
    return summary, found


def _writing(session) -> bool:
    """Whether this session's transaction has written: the rollup then cannot be refreshed on another connection
    (SQLite: that connection would wait for this one's write lock), and the SQL path sees the session's own changes."""
    from .cache import has_counted_change

    if not session.in_transaction():
        return False
    conn = session.connection()
    if has_counted_change(conn):
        return True
    return conn.dialect.name == "sqlite" and bool(conn.connection.dbapi_connection.in_transaction)


def _attendance_figures(f: ReportFilters, scope: Scope, splits: tuple[str, ...]) -> tuple[dict, dict[str, list[dict]]]:
    """The attendance figures in SQL (one statement): every range and filter."""
    found: dict[str, list[dict]] = {by: [] for by in splits}
    total = {"attendances": 0, "attendees": 0, "unique_individuals": 0, "leas": 0, "schools": 0}
    for split, key_s, key_i, n, attendees, unique, leas, schools in db.session.execute(
        figures_select(f, scope, splits)
    ):
        if split == "total":
            total = {
                "attendances": int(n),
                "attendees": int(attendees),
                "unique_individuals": int(unique),
                "leas": int(leas),
                "schools": int(schools),
            }
            continue
        found[split].append(
            {
                "key": key_s if key_s is not None else key_i,
                "attendances": int(n),
                "attendees": int(attendees),
                "unique_individuals": int(unique),
            }
        )
    return total, found


def summary(f: ReportFilters) -> Summary:
    return figures(f)[0]


def breakdown(f: ReportFilters, by: str) -> list[dict]:
    return figures(f, (by,))[1][by]
