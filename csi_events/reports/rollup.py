"""The school-year rollup: the dashboard's whole-year figures, kept up to date person by person.

A whole school year with no filter (the dashboard's presets, the summary API) is read from
report_rollup_figures instead of aggregating every attendance of the year. Exactness rests on three rules:

1. Every committed change that can move a figure has noted its people in report_dirty_people, in the same
   statement (database triggers declared in reports/watch.py), so the note commits exactly when the change does.
2. Before the figures are read, `refresh` takes the noted people (DELETE ... RETURNING: only notes already
   committed; one refresher at a time), recomputes each one's share of every school year from the
   attendance rows under the counting rules of reports/counting.py, replaces the stored shares and adds the
   difference to the sums, all in one transaction. A note committed meanwhile stays for the next refresh;
   recomputing a person twice is harmless (a share is replaced, never added to).
3. The figures are read in that same transaction, after the refresh.

So a view shows every change committed before it began, like the SQL path. Which figures the rollup answers is
derived from reports/definitions.py: a whole school year, no filter but the range, only splits marked `in_rollup`;
everything else takes the SQL path (reports/figures.py). A refresh that took notes bumps a counter of the figures
cache's version (reports/cache.py) in its transaction.
`flask reports rollup --rebuild` notes everyone again (after a change of DISPLAY_TIMEZONE, say).

A person's share of a school year: reports/rollup_shares.py.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from typing import cast

from flask import Flask, current_app
from sqlalchemy import Table, delete, func, insert, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from ..checkin.models import CheckIn
from ..db import has_table
from ..extensions import db
from ..people.models import Person
from .cache import bump, pick_shard
from .definitions import NARROWING_FILTERS, REACH_FIGURES, SPLIT_BY_NAME
from .filters import ReportFilters
from .rollup_models import ReportDirtyPerson, ReportPersonRollup, ReportRollupFigure
from .rollup_shares import TOTAL, Share, Tally, among, chunks, compute_shares
from .split_rows import SplitKey, SplitRows, counted
from .watch import NO_PERSON

Sums = dict[tuple[int, str, str], list[int]]  # (school year, split, key) -> [attendances, attendees, individuals]
INLINE_NOTES = 20000  # notes a view works through itself (a few thousand people, a few seconds); more: SQL path
STEP_NOTES = 10000  # notes per transaction when catching up in the background or from the CLI
_LOCK_KEY = 7_311_604_223  # pg_advisory_xact_lock: one refresher at a time
# A mapped class's __table__ is its Table (SQLAlchemy types it as the wider FromClause).
_Dirty = cast(Table, ReportDirtyPerson.__table__)
_Share = cast(Table, ReportPersonRollup.__table__)
_Sums = cast(Table, ReportRollupFigure.__table__)


def serves(f: ReportFilters, splits: Iterable[str]) -> bool:
    """Whether the rollup answers these figures (definitions.py): a whole school year, no filter but the range,
    only splits it keeps."""
    if not current_app.config.get("REPORT_ROLLUP", True) or f.school_year_start is None:
        return False
    if any(getattr(f, flt.name) is not None for flt in NARROWING_FILTERS):
        return False
    return all(SPLIT_BY_NAME[by].in_rollup for by in splits)


def answers(f: ReportFilters, splits: Iterable[str]) -> bool:
    """Whether the rollup answers these figures now: it serves them, and it is brought up to date (refreshed) here.

    False when it cannot answer now: no tables (a database from before them), or more notes than a view should
    work through (REPORT_ROLLUP_INLINE_NOTES: after a bulk load or the migration that made the rollup); the caller
    then takes the SQL path, and a background thread of this process catches up."""
    if not serves(f, splits):
        return False
    limit = current_app.config.get("REPORT_ROLLUP_INLINE_NOTES", INLINE_NOTES)
    with db.engine.begin() as conn:
        if not has_table(conn, _Dirty.name):
            return False
        if pending_notes(conn, limit) > limit:
            start_catching_up(current_app._get_current_object())  # type: ignore[attr-defined]
            return False
        refresh(conn)
    return True


def school_year_figures(year: int, splits: tuple[str, ...]) -> tuple[dict[str, int], SplitRows]:
    """Refresh (the notes committed since `answers`), then read one school year's figures in the same transaction:
    ({figure: value}, {split: rows}), rows as the SQL path gives them before its final ordering."""
    with db.engine.begin() as conn:
        refresh(conn)
        return read(conn, year, splits)


def pending_notes(conn: Connection, limit: int) -> int:
    """How many notes wait, counted up to limit + 1 (a cheap look at the first rows only)."""
    counted = select(func.count()).select_from(select(_Dirty.c.id).limit(limit + 1).subquery())
    return int(conn.scalar(counted) or 0)


# --- catching up after a bulk change ---------------------------------------------------------------
_catching_up = threading.Lock()


def catch_up(app: Flask, notes_per_step: int = STEP_NOTES) -> int:
    """Work through every note in steps of one transaction each (SQLite: its write lock is held one step at a
    time, so check-ins wait at most one step). Exact at every step: a step commits its people's new shares with
    the sums and the removal of their notes; a view reads the sums only after it has itself worked through
    every note left. Returns how many people were recomputed."""
    total = 0
    with app.app_context():
        while True:
            with db.engine.begin() as conn:
                total += refresh(conn, notes=notes_per_step)
                more = pending_notes(conn, 0) > 0
            if not more:
                break
        vacuum(db.engine)
    return total


def start_catching_up(app: Flask) -> threading.Thread | None:
    """Catch up in a background thread of this process, unless one is already at it."""
    if not _catching_up.acquire(blocking=False):
        return None

    def run() -> None:
        try:
            catch_up(app)
        except Exception:  # noqa: BLE001 - a failed step rolls back; the next view starts again
            app.logger.exception("report rollup: catching up failed")
        finally:
            _catching_up.release()

    thread = threading.Thread(target=run, name="report-rollup", daemon=True)
    thread.start()
    return thread


# --- refresh ---------------------------------------------------------------------------------------
def refresh(conn: Connection, notes: int | None = None) -> int:
    """Recompute the shares of the people noted as changed (all of them, or those of the oldest `notes` notes);
    returns how many people were recomputed."""
    first = conn.scalar(select(_Dirty.c.id).order_by(_Dirty.c.id).limit(1))
    if first is None:
        return 0  # nothing noted: no lock taken (SQLite: a DELETE would take the database's write lock)
    _one_at_a_time(conn)
    take = delete(_Dirty)
    if notes is not None:
        last = conn.scalar(select(_Dirty.c.id).order_by(_Dirty.c.id).offset(notes - 1).limit(1))
        if last is not None:
            take = take.where(_Dirty.c.id <= last)
    # Every note deleted here is returned, so none is lost, whatever commits meanwhile.
    noted = set(conn.scalars(take.returning(_Dirty.c.person_id)))
    bump(conn, pick_shard())  # notes taken away: the figures cache's version must still move (reports/cache.py)
    noted.discard(NO_PERSON)
    if not noted:
        return 0
    people = set(noted)
    for chunk in chunks(noted):  # a merged person's survivor is counted in their stead
        people.update(
            conn.scalars(
                select(Person.merged_into_id).where(among(conn, Person.id, chunk), Person.merged_into_id.is_not(None))
            )
        )
    sums: Sums = defaultdict(lambda: [0, 0, 0])
    for chunk in chunks(people):
        for year, payload in conn.execute(
            select(_Share.c.school_year, _Share.c.payload).where(among(conn, _Share.c.person_id, chunk))
        ):
            _add(sums, year, Share.from_json(payload), -1)
        conn.execute(delete(_Share).where(among(conn, _Share.c.person_id, chunk)))
        shares = compute_shares(conn, chunk)
        for (_person, year), share in shares.items():
            _add(sums, year, share, +1)
        if shares:
            conn.execute(
                insert(_Share),
                [{"person_id": p, "school_year": y, "payload": share.to_json()} for (p, y), share in shares.items()],
            )
    _apply(conn, sums)
    return len(people)


def _one_at_a_time(conn: Connection) -> None:
    """PostgreSQL: wait for any other refresher to commit (SQLite: the first DELETE takes the database's write lock)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))


def _add(sums: Sums, year: int, share: Share, sign: int) -> None:
    """Add (sign +1) or take away (-1) one person's share: each key they count under gains their attendances and
    attendees, and one individual."""
    whole = Tally(share.attendances, share.attendees)
    entries = [(TOTAL, "", whole)] + [(split, key, whole) for split, key in share.places.items()]
    for split, keys in share.splits.items():
        entries.extend((split, key, tally) for key, tally in keys.items())
    for split, key, tally in entries:
        row = sums[(year, split, key)]
        row[0] += sign * tally.attendances
        row[1] += sign * tally.attendees
        row[2] += sign


def _apply(conn: Connection, sums: Sums) -> None:
    changes = [
        {"school_year": y, "split": s, "key": k, "attendances": a, "attendees": p, "individuals": i}
        for (y, s, k), (a, p, i) in sums.items()
        if (a, p, i) != (0, 0, 0)
    ]
    if not changes:
        return
    stmt: postgresql.Insert | sqlite.Insert = (
        postgresql.insert(_Sums) if conn.dialect.name == "postgresql" else sqlite.insert(_Sums)
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["school_year", "split", "key"],
        set_={c: _Sums.c[c] + stmt.excluded[c] for c in ("attendances", "attendees", "individuals")},
    )
    conn.execute(stmt, changes)
    years = sorted({y for (y, _s, _k), row in sums.items() if any(row)})  # the years of `changes`
    conn.execute(delete(_Sums).where(_Sums.c.school_year.in_(years), _Sums.c.individuals == 0))


# --- read ------------------------------------------------------------------------------------------
def read(conn: Connection, year: int, splits: tuple[str, ...]) -> tuple[dict[str, int], SplitRows]:
    """One statement: the year's rows of the asked splits, then the number of keys (other than none) of each
    person-side split a "... reached" figure counts."""
    total = {"attendances": 0, "attendees": 0, "unique_individuals": 0} | {r.name: 0 for r in REACH_FIGURES}
    found: SplitRows = {by: [] for by in splits}
    year_rows = (_Sums.c.school_year == year, _Sums.c.individuals > 0)
    rows = select(_Sums.c.split, _Sums.c.key, _Sums.c.attendances, _Sums.c.attendees, _Sums.c.individuals).where(
        *year_rows, _Sums.c.split.in_((TOTAL,) + tuple(splits))
    )
    reach_of = {r.reach_of: r.name for r in REACH_FIGURES}
    reached = (
        select(_Sums.c.split, literal("#reached"), func.count(), literal(0), literal(0))
        .where(*year_rows, _Sums.c.split.in_(tuple(reach_of)), _Sums.c.key != "")
        .group_by(_Sums.c.split)
    )
    for split, key, attendances, attendees, individuals in conn.execute(union_all(rows, reached)):
        if key == "#reached":
            total[reach_of[split]] = int(attendances)
        elif split == TOTAL:
            total.update(attendances=attendances, attendees=attendees, unique_individuals=individuals)
        else:
            found[split].append(counted(_typed_key(split, key), attendances, attendees, individuals))
    return total, found


def _typed_key(split: str, key: str) -> SplitKey:
    if SPLIT_BY_NAME[split].key_is_text:
        return key
    return int(key) if key else None


def vacuum(engine: Engine) -> None:
    """PostgreSQL: reclaim the rows a large refresh deleted (the notes above all) and refresh the planner's
    statistics, for when autovacuum is off or has not come round yet after a bulk load. Outside a transaction."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM ANALYZE {_Dirty.name}, {_Share.name}, {_Sums.name}")


def note_everyone(conn: Connection) -> int:
    """Note every person with a check-in (and drop every share): the next refresh rebuilds the rollup."""
    _one_at_a_time(conn)
    bump(conn, pick_shard())
    conn.execute(delete(_Share))
    conn.execute(delete(_Sums))
    result = conn.execute(insert(_Dirty).from_select(["person_id"], select(CheckIn.person_id).distinct()))
    return result.rowcount
