"""The headline figures and their splits: one statement per report, served through reports/cache.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute

from ..checkin.models import CheckIn
from ..extensions import db
from ..opportunities.models import OpportunityTopic, Session
from ..people.models import Person
from .counting import (
    PERSON_KEY,
    Opp,
    RowPerson,
    Scope,
    attendance_select,
    month_expression,
    opportunity_conditions,
    people_places,
    resolve_scope,
    session_conditions,
)
from .definitions import FIGURE_NAMES, REACH_FIGURES, SPLIT_BY_NAME, Source, Split
from .filters import ReportFilters
from .split_rows import SplitRow, SplitRows, counted, sort_by_key


# --- headline figures and splits: one statement ------------------------------------------------
@dataclass
class Summary:
    opportunities: int
    opportunities_with_attendance: int
    sessions: int
    attendances: int
    attendees: int
    unique_individuals: int
    leas: int
    schools: int
    subregions: int

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FIGURE_NAMES}


ATTENDANCE_FIGURES = ("attendances", "attendees", "unique_individuals") + tuple(f.name for f in REACH_FIGURES)


def grain_ctes(f: ReportFilters, scope: Scope) -> tuple[Any, Any, Any]:
    """The common table expressions every attendance figure is read from, built so that the database does
    the per-row work once and the rest on ever smaller sets:
    ranged: the sessions in the range of counted opportunities (a few thousand rows), each with its local
      month: the month CASE runs once per session, not once per check-in;
    grain: one row per (person, opportunity, month) with its number of attendances n: check-ins (not
      undone) joined to `ranged` only; people are joined at this level only to follow merges or to apply
      an LEA/school filter;
    pairs: one row per (person, opportunity) = one attendee, with n;
    persons: one row per person = one unique individual, with the person's places (counting.people_places).
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
    person: ColumnElement[int | None] | InstrumentedAttribute[int]
    if scope.follow_merges:
        stmt = stmt.join(RowPerson, RowPerson.id == CheckIn.person_id)
        person = PERSON_KEY
    else:
        person = CheckIn.person_id
    if scope.active:  # the scope's people first, then their check-ins
        stmt = stmt.where(person.in_(scope.members()))
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
    persons = people_places(Person).join(per_person, per_person.c.person == Person.id).cte("persons")
    return grain, pairs, persons


_NULL_S = cast(null(), String)
_NULL_I = cast(null(), Integer)


def _split_branch(name: str, rows: Any, key_is_text: bool) -> Select:
    """One UNION ALL branch of a split: (split, key_s, key_i, attendances, attendees, unique individuals, and
    NULL for each reach figure). `rows` is a subquery of (key, person, n) with one row per (key, attendee). Two
    plain aggregations instead of a sort per COUNT(DISTINCT): first one row per (key, person) carrying its
    attendances and attendees, then per key: the sums, and the number of those rows = unique individuals."""
    per_person = (
        select(rows.c.key, func.sum(rows.c.n).label("n"), func.count().label("attendees"))
        .group_by(rows.c.key, rows.c.person)
        .subquery(f"{name}_p")
    )
    key = per_person.c.key
    return select(
        literal(name).label("split"),
        key if key_is_text else _NULL_S,
        _NULL_I if key_is_text else key,
        func.sum(per_person.c.n),
        func.sum(per_person.c.attendees),
        func.count(),
        *[_NULL_I for _ in REACH_FIGURES],
    ).group_by(key)


def _keyed(source: Any, key: Any, joins: tuple = ()) -> Select:
    stmt = select(key.label("key"), source.c.person, source.c.n).select_from(source)
    for target, on in joins:
        stmt = stmt.join(target, on)
    return stmt


def _split_rows(s: Split, grain: Any, pairs: Any, persons: Any) -> Select:
    """(key, person, n) rows of a split, one per (key, attendee), from where definitions.py says its key is."""
    if s.source is Source.SESSION:
        return _keyed(grain, grain.c.month)
    if s.source is Source.OPPORTUNITY:
        return _keyed(pairs, getattr(Opp, s.column or ""), ((Opp, Opp.id == pairs.c.opp),))
    if s.source is Source.TOPIC:
        t = OpportunityTopic
        return _keyed(pairs, t.topic, ((t, t.opportunity_id == pairs.c.opp),))
    if s.source is Source.PERSON:
        return _keyed(pairs, persons.c[s.column or ""], ((persons, persons.c.id == pairs.c.person),))
    raise ValueError(s.name)


def figures_select(f: ReportFilters, scope: Scope, splits: tuple[str, ...] = ()) -> CompoundSelect:
    """ONE statement: the headline attendance figures, then a block of rows per split."""
    grain, pairs, persons = grain_ctes(f, scope)
    totals = select(func.coalesce(func.sum(pairs.c.n), 0).label("n"), func.count().label("attendees")).subquery(
        "totals"
    )
    places = select(
        func.count().label("unique"),
        *[func.count(distinct(persons.c[SPLIT_BY_NAME[r.reach_of or ""].column or ""])) for r in REACH_FIGURES],
    ).subquery("places")
    branches = [
        select(
            literal("total").label("split"), _NULL_S, _NULL_I, totals.c.n, totals.c.attendees, *places.c
        ).select_from(totals.join(places, literal(True)))
    ]
    for by in splits:
        s = SPLIT_BY_NAME[by]
        rows = _split_rows(s, grain, pairs, persons).subquery(f"{by}_rows")
        branches.append(_split_branch(by, rows, s.key_is_text))
    return union_all(*branches)


def offering_figures_select(f: ReportFilters, scope: Scope) -> Select:
    """One statement: learning opportunities offered, those with attendance, and sessions (with an LEA or school
    filter: those attended by its people)."""
    if scope.active:
        attended: ColumnElement[bool] = Session.id.in_(attendance_select(f, CheckIn.session_id, scope=scope))
    else:  # one look-up per session in the index of active check-ins
        attended = exists().where(CheckIn.session_id == Session.id, CheckIn.undone_at.is_(None))
    stmt = (
        select(
            func.count(distinct(Opp.id)).label("opportunities"),
            func.count(distinct(case((attended, Opp.id)))).label("opportunities_with_attendance"),
            func.count(Session.id).label("sessions"),
        )
        .select_from(Session)
        .join(Opp, Opp.id == Session.opportunity_id)
        .where(*session_conditions(f), *opportunity_conditions(f))
    )
    if scope.active:
        stmt = stmt.where(attended)
    return stmt


def figures(f: ReportFilters, splits: tuple[str, ...] = ()) -> tuple[Summary, SplitRows]:
    """The headline figures and the asked splits: rows (split_rows.SplitRow) in key order; for month every month of
    the range (zeros included).
    Served from the cache of reports/cache.py while no change has committed since they were computed."""
    from .cache import current_version, figures_cache

    rollup = _rollup_answers(f, splits)  # refreshed first, so that the version read next counts its refresh
    version = current_version()  # read BEFORE computing: see reports/cache.py
    key = (version, f, tuple(splits))
    cached = figures_cache().get(key) if version is not None else None
    if cached is None:
        cached = _compute_figures(f, tuple(splits), rollup)
        if version is not None:
            figures_cache().put(key, cached)
    summary, found = cached
    # Copies of the lists: callers may sort them (the rows themselves are frozen).
    return Summary(**summary.as_dict()), {by: list(rows) for by, rows in found.items()}


def _rollup_answers(f: ReportFilters, splits: tuple[str, ...]) -> bool:
    """The rollup when it answers these figures (rollup.answers) and this transaction has not written (it must
    see its own change; SQLite: a refresh on another connection would wait for this one's write lock)."""
    from . import rollup
    from .cache import session_has_written

    return rollup.serves(f, splits) and not session_has_written(db.session()) and rollup.answers(f, splits)


def _compute_figures(
    f: ReportFilters, splits: tuple[str, ...], rollup: bool | None = None
) -> tuple[Summary, SplitRows]:
    """Through the rollup or in SQL (`rollup`: already decided by _rollup_answers, or None to decide here)."""
    from .rollup import school_year_figures

    scope = resolve_scope(f)
    if rollup is None:
        rollup = _rollup_answers(f, splits)
    year = f.school_year_start
    if rollup and year is not None:
        total, found = school_year_figures(year, splits)
    else:
        total, found = _attendance_figures(f, scope, splits)
    offering = db.session.execute(offering_figures_select(f, scope)).one()
    summary = Summary(**{k: int(v) for k, v in offering._mapping.items()}, **total)
    for by, rows in found.items():
        if by == "month":
            have = {r.key: r for r in rows}
            found[by] = [have[label] if label in have else counted(label) for label, _s, _e in f.months()]
        else:
            sort_by_key(rows)
    return summary, found


def _attendance_figures(f: ReportFilters, scope: Scope, splits: tuple[str, ...]) -> tuple[dict[str, int], SplitRows]:
    """The attendance figures in SQL (one statement): every range and filter."""
    found: SplitRows = {by: [] for by in splits}
    total = dict.fromkeys(ATTENDANCE_FIGURES, 0)
    for split, key_s, key_i, n, attendees, unique, *reached in db.session.execute(figures_select(f, scope, splits)):
        if split == "total":
            counts = {"attendances": int(n), "attendees": int(attendees), "unique_individuals": int(unique)}
            total = {**counts, **{r.name: int(v) for r, v in zip(REACH_FIGURES, reached, strict=True)}}
        else:
            found[split].append(counted(key_s if key_s is not None else key_i, n, attendees, unique))
    return total, found


def summary(f: ReportFilters) -> Summary:
    return figures(f)[0]


def breakdown(f: ReportFilters, by: str) -> list[SplitRow]:
    return figures(f, (by,))[1][by]
