"""A person's share of each school year's figures (reports/rollup.py), computed from their attendances under the
counting rules of reports/counting.py: check-ins not undone, at sessions of counted opportunities, a check-in still
naming a merged person counted for the survivor; school year and month of the session's local start.

A share (JSON): {"lea", "school", "n": attendances, "p": attendees (distinct opportunities),
"s": {split: {key: [attendances, attendees]}}} for the month, subregion, kind, modality and topic splits
(subregion "" = countywide)."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import ARRAY, Integer, any_, bindparam, func, select
from sqlalchemy.engine import Connection

from ..checkin.models import CheckIn
from ..opportunities.models import LearningOpportunity, OpportunityTopic, Session
from ..people.models import Person
from .counting import COUNTED_STATUSES, SPLITS
from .filters import local_zone, school_year_of

CHUNK = 2000  # people recomputed per statement


def among(conn: Connection, column, ids: list[int]):
    """`column IN ids`: on PostgreSQL one array parameter (= ANY), so that a long list is neither spelled out in
    the SQL nor parsed again for every length; elsewhere a plain IN list."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i : i + CHUNK]


def compute_shares(conn: Connection, people: list[int]) -> dict[tuple[int, int], dict]:
    """Each person's share of each school year, from their attendances (check-ins not undone at sessions of
    counted opportunities), following merges: a check-in still naming a merged person counts for the survivor."""
    row_person = Person.__table__.alias("row_person")
    person = func.coalesce(row_person.c.merged_into_id, row_person.c.id)
    # The check-ins naming these people or someone merged into them: one plain IN list, so that the database
    # looks each one up in the index on checkins.person_id (an OR with a subquery made PostgreSQL scan them all).
    named = set(people) | set(conn.scalars(select(Person.id).where(among(conn, Person.merged_into_id, people))))
    opp = LearningOpportunity
    rows = conn.execute(
        select(person, opp.id, opp.subregion, opp.kind, opp.modality, Session.starts_at)
        .select_from(CheckIn)
        .join(Session, Session.id == CheckIn.session_id)
        .join(opp, opp.id == Session.opportunity_id)
        .join(row_person, row_person.c.id == CheckIn.person_id)
        .where(
            CheckIn.undone_at.is_(None),
            opp.status.in_(COUNTED_STATUSES),
            among(conn, CheckIn.person_id, sorted(named)),
        )
    ).all()
    if not rows:
        return {}
    opportunities = {r[1] for r in rows}
    topics: dict[int, list[str]] = defaultdict(list)
    for chunk in chunks(opportunities):
        for opp_id, topic in conn.execute(
            select(OpportunityTopic.opportunity_id, OpportunityTopic.topic).where(
                among(conn, OpportunityTopic.opportunity_id, chunk)
            )
        ):
            topics[opp_id].append(topic)
    places = {
        r.id: (r.lea_id, r.school_id)
        for r in conn.execute(select(Person.id, Person.lea_id, Person.school_id).where(among(conn, Person.id, people)))
    }
    return _shares_of(rows, topics, places)


def _shares_of(rows, topics: dict[int, list[str]], places: dict[int, tuple]) -> dict[tuple[int, int], dict]:
    zone = local_zone()
    keys_of: dict[tuple, tuple[int, list[tuple[str, str]]]] = {}  # per (opportunity, start): school year, keys
    grains: dict[tuple[int, int], dict[tuple[str, str], dict[int, int]]] = {}
    gc_was_on = gc.isenabled()
    gc.disable()  # many small dicts: the collector would walk them again and again for nothing
    try:
        for person_id, opp_id, subregion, kind, modality, starts_at in rows:
            found = keys_of.get((opp_id, starts_at))
            if found is None:
                local = starts_at.astimezone(zone)
                keys = [
                    ("total", ""),
                    ("month", f"{local:%Y-%m}"),
                    ("subregion", "" if subregion is None else str(subregion)),
                    ("kind", kind),
                    ("modality", modality),
                ] + [("topic", t) for t in topics.get(opp_id, ())]
                found = keys_of[(opp_id, starts_at)] = (school_year_of(local.date()), keys)
            year, keys = found
            grain = grains.get((person_id, year))
            if grain is None:
                grain = grains[(person_id, year)] = {}
            for key in keys:  # attendances of this person at this opportunity under this key
                per_opp = grain.get(key)
                if per_opp is None:
                    grain[key] = {opp_id: 1}
                else:
                    per_opp[opp_id] = per_opp.get(opp_id, 0) + 1
        shares = {}
        for (person_id, year), grain in grains.items():
            total = grain.pop(("total", ""))
            lea, school = places.get(person_id, (None, None))
            split_rows: dict[str, dict[str, list[int]]] = {split: {} for split in SPLITS}
            for (split, key), per_opp in grain.items():
                split_rows[split][key] = [sum(per_opp.values()), len(per_opp)]
            shares[(person_id, year)] = {
                "lea": lea,
                "school": school,
                "n": sum(total.values()),
                "p": len(total),
                "s": split_rows,
            }
        return shares
    finally:
        if gc_was_on:
            gc.enable()
