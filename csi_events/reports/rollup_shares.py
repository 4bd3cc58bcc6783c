"""A person's share of each school year's figures (reports/rollup.py), computed from their attendances under the
counting rules of reports/counting.py, for exactly the splits definitions.py marks `in_rollup`.

Stored as JSON: {"attendances", "attendees", "places": {person-side split: key}, "splits": {split: {key:
{"attendances", "attendees"}}}}; a key is text ("" for none: a countywide opportunity, a person without a school)."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Integer, any_, bindparam, select
from sqlalchemy.engine import Connection

from ..checkin.models import CheckIn
from ..opportunities.models import OpportunityTopic, Session
from ..people.models import Person
from .counting import PERSON_KEY, Opp, RowPerson, attendance_conditions, people_places
from .definitions import ROLLUP_SPLITS, Source
from .filters import local_zone, school_year_of

CHUNK = 2000  # people recomputed per statement
TOTAL = "total"
OPPORTUNITY_SPLITS = tuple(s for s in ROLLUP_SPLITS if s.source is Source.OPPORTUNITY)
PERSON_SPLITS = tuple(s for s in ROLLUP_SPLITS if s.source is Source.PERSON)


@dataclass
class Tally:
    attendances: int = 0
    attendees: int = 0


@dataclass
class Share:
    """One person's figures of one school year."""

    attendances: int
    attendees: int  # distinct opportunities
    places: dict[str, str]  # person-side split (lea, school, people_subregion) -> the person's key
    splits: dict[str, dict[str, Tally]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Share:
        splits = {name: {k: Tally(**t) for k, t in keys.items()} for name, keys in data["splits"].items()}
        return cls(data["attendances"], data["attendees"], dict(data["places"]), splits)


def key_text(value: object) -> str:
    return "" if value is None else str(value)


def among(conn: Connection, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """`column IN ids`: on PostgreSQL one array parameter (= ANY), so that a long list is neither spelled out in
    the SQL nor parsed again for every length; elsewhere a plain IN list."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i : i + CHUNK]


def compute_shares(conn: Connection, people: list[int]) -> dict[tuple[int, int], Share]:
    """Each person's share of each school year, from their attendances, following merges: a check-in still naming
    a merged person counts for the survivor."""
    # The check-ins naming these people or someone merged into them: one plain IN list, so that the database
    # looks each one up in the index on checkins.person_id (an OR with a subquery made PostgreSQL scan them all).
    named = set(people) | set(conn.scalars(select(Person.id).where(among(conn, Person.merged_into_id, people))))
    columns = [getattr(Opp, s.column or "") for s in OPPORTUNITY_SPLITS]
    rows = conn.execute(
        select(PERSON_KEY, Opp.id, Session.starts_at, *columns)
        .select_from(CheckIn)
        .join(Session, Session.id == CheckIn.session_id)
        .join(Opp, Opp.id == Session.opportunity_id)
        .join(RowPerson, RowPerson.id == CheckIn.person_id)
        .where(*attendance_conditions(), among(conn, CheckIn.person_id, sorted(named)))
    ).all()
    if not rows:
        return {}
    topics: dict[int, list[str]] = defaultdict(list)
    for chunk in chunks({r[1] for r in rows}):
        for opp_id, topic in conn.execute(
            select(OpportunityTopic.opportunity_id, OpportunityTopic.topic).where(
                among(conn, OpportunityTopic.opportunity_id, chunk)
            )
        ):
            topics[opp_id].append(topic)
    places_stmt = people_places(Person).where(among(conn, Person.id, people))
    places = {
        r.id: {s.name: key_text(getattr(r, s.column or "")) for s in PERSON_SPLITS} for r in conn.execute(places_stmt)
    }
    return _shares_of(rows, topics, places)


def _keys(starts_at: datetime, values: Sequence[object], topics: list[str]) -> tuple[int, list[tuple[str, str]]]:
    """The school year of a session and the (split, key) pairs an attendance at it counts under."""
    local = starts_at.astimezone(local_zone())
    keys = [(TOTAL, "")]
    for s in ROLLUP_SPLITS:
        if s.source is Source.SESSION:
            keys.append((s.name, f"{local:%Y-%m}"))
        elif s.source is Source.TOPIC:
            keys.extend((s.name, t) for t in topics)
    keys.extend((s.name, key_text(v)) for s, v in zip(OPPORTUNITY_SPLITS, values, strict=True))
    return school_year_of(local.date()), keys


def _shares_of(rows: Sequence[Any], topics: dict[int, list[str]], places: dict[int, dict[str, str]]):
    keys_of: dict[tuple, tuple[int, list[tuple[str, str]]]] = {}  # per (opportunity, start): school year, keys
    grains: dict[tuple[int, int], dict[tuple[str, str], dict[int, int]]] = {}
    gc_was_on = gc.isenabled()
    gc.disable()  # many small dicts: the collector would walk them again and again for nothing
    try:
        for person_id, opp_id, starts_at, *values in rows:
            found = keys_of.get((opp_id, starts_at))
            if found is None:
                found = keys_of[(opp_id, starts_at)] = _keys(starts_at, values, topics.get(opp_id, []))
            year, keys = found
            grain = grains.setdefault((person_id, year), {})
            for key in keys:  # attendances of this person at this opportunity under this key
                per_opp = grain.get(key)
                if per_opp is None:
                    grain[key] = {opp_id: 1}
                else:
                    per_opp[opp_id] = per_opp.get(opp_id, 0) + 1
        return {key: _share(grain, places.get(key[0], {})) for key, grain in grains.items()}
    finally:
        if gc_was_on:
            gc.enable()


def _share(grain: dict[tuple[str, str], dict[int, int]], places: dict[str, str]) -> Share:
    total = grain.pop((TOTAL, ""))
    splits: dict[str, dict[str, Tally]] = {}
    for (name, key), per_opp in grain.items():
        splits.setdefault(name, {})[key] = Tally(sum(per_opp.values()), len(per_opp))
    return Share(sum(total.values()), len(total), {s.name: places.get(s.name, "") for s in PERSON_SPLITS}, splits)
