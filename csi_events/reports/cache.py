"""Exact figures, instantly on a repeated view: a cache of report figures keyed by (filters, data version).

The data version (reports/models.py ReportDataVersion: SHARDS counter rows, read together) is bumped in
the SAME transaction as every change
to the rows the figures are read from: check-ins (and undos, imports), people (edits, merges),
opportunities, their topics and sessions, LEAs and schools. Nothing has to remember to bump it: an engine
event sees every INSERT, UPDATE or DELETE statement naming one of those tables (ORM flushes and Core or
text statements alike, on any connection of the app), and the bump is made on that connection just
before its transaction commits, so the counter row is locked only for the commit itself (no lock held
while the transaction does its other work, no lock-order deadlock). A statement that only mentions such a
table (a lock, a nonce insert joined to sessions) may bump it needlessly: that costs a cache miss, never
a stale figure. A statement that ends its transaction's work may carry the bump itself (bump_cte, PostgreSQL: the
API's scan, one round trip less); it tells so with bumped_inline(conn) and the commit then makes no second bump (a
savepoint rolled back forgets it: the bump may have been undone with it).

Why a cached entry is never stale: a report reads the version BEFORE it computes the figures, and stores
them under that version. Figures computed after reading version v describe the data of v or later; they
are served only while the version is still v, i.e. while no change has committed since. A transaction
with an uncommitted change of its own neither reads nor writes the cache. Each counter row carries a
random token made with the row, so a wiped and refilled database never repeats a version. A commit
bumps one row chosen at random: concurrent check-ins seldom wait on each other's counter row.
"""

from __future__ import annotations

import functools
import random
import re
import secrets
import threading
from collections import OrderedDict

from flask import current_app
from sqlalchemy import bindparam, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from ..db import has_table
from ..extensions import db
from .models import ReportDataVersion

COUNTED_TABLES = frozenset({"checkins", "people", "opportunities", "opportunity_topics", "sessions", "leas", "schools"})
MAX_ENTRIES = 256
_CHANGED = "report_data_changed"
_BUMPED = "report_data_bumped"  # this transaction's bump is already made (in one of its own statements)
_TABLE = ReportDataVersion.__table__
_DML = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
SHARDS = 16  # counter rows: concurrent commits bump different rows, so they seldom wait on one another
_BUMP = _TABLE.update().where(_TABLE.c.id == bindparam("shard")).values(version=_TABLE.c.version + 1)


# db.lock_row_for_update: a no-op UPDATE that serializes writers (registrations lock the opportunity row);
# it changes only lock_version, which no figure reads.
_ROW_LOCK = re.compile(
    r"\s*UPDATE\s+\w+\s+SET\s+lock_version\s*=\s*lock_version\s*\+\s*1\s+WHERE\s+id\s*=\s*\S+\s*", re.I
)


@functools.lru_cache(maxsize=2048)
def changes_counted_rows(statement: str) -> bool:
    """Whether a SQL statement may change a row the report figures are read from."""
    if _ROW_LOCK.fullmatch(statement):
        return False
    return any(name.lower() in COUNTED_TABLES for name in _DML.findall(statement))


@event.listens_for(Engine, "before_cursor_execute")
def _note_change(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if changes_counted_rows(statement):
        conn.info[_CHANGED] = True


def _has_version_table(conn) -> bool:
    """Whether this database has the version table (a database made before it existed has not, and must
    keep working: no bump, and no caching)."""
    return has_table(conn, _TABLE.name)


def can_bump_inline(conn) -> bool:
    """Whether a statement of this connection may carry the bump itself (bump_cte: PostgreSQL, version table)."""
    return conn.dialect.name == "postgresql" and _has_version_table(conn)


def pick_shard() -> int:
    return random.randrange(SHARDS)


def bump_cte(name: str, after: str) -> str:
    """The bump as a branch `name` of a PostgreSQL data-modifying CTE, made only when the CTE `after` has a row
    (the change was made), with the parameter :shard (pick_shard()). It returns the shard's id: no row, nothing
    bumped (the change was not made, or a wiped database lost the shard's row) and the commit bumps as usual; a row,
    call bumped_inline(conn).

    For a statement that ends its transaction's work, the commit following at once: the counter row stays locked
    until the commit, and a transaction that went on (to wait on another's row, or to lock more counter rows in a
    loop) could hold up, or deadlock with, concurrent commits."""
    t = _TABLE.name
    return f"{name} AS (UPDATE {t} SET version = {t}.version + 1 FROM {after} WHERE {t}.id = :shard RETURNING {t}.id)"


def bumped_inline(conn) -> None:
    """This transaction's bump is made (by one of its statements, after or with its change): no second bump at
    commit. Any bump in the transaction is enough, whenever it is made: it commits (or not) with every change."""
    conn.info[_BUMPED] = True


@event.listens_for(Engine, "commit")
def _bump_before_commit(conn) -> None:
    bumped = conn.info.pop(_BUMPED, False)
    if conn.info.pop(_CHANGED, False) and not bumped and _has_version_table(conn):
        bump(conn, random.randrange(SHARDS))


def bump(conn, shard: int) -> None:
    """Add one to a shard's counter, making the row (with a new token) if a wiped database lost it."""
    if conn.execute(_BUMP, {"shard": shard}).rowcount:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    row = {"id": shard, "token": secrets.token_hex(16), "version": 1}
    made = conn.execute(
        insert(_TABLE).values(**row).on_conflict_do_nothing(index_elements=["id"]).returning(_TABLE.c.id)
    )
    if made.first() is None:  # another transaction made it first (and has committed): count on it
        conn.execute(_BUMP, {"shard": shard})


@event.listens_for(Engine, "rollback")
def _forget(conn) -> None:
    conn.info.pop(_CHANGED, None)
    conn.info.pop(_BUMPED, None)


@event.listens_for(Engine, "rollback_savepoint")
def _forget_bump(conn, _name, _context) -> None:
    # The bump may have been made inside the savepoint, and is undone with it. The change flag stays: a change
    # made before the savepoint still needs its bump (one too many costs a cache miss, never a stale figure).
    conn.info.pop(_BUMPED, None)


@event.listens_for(Pool, "reset")
def _forget_on_reset(_dbapi_connection, record, _reset_state) -> None:
    record.info.pop(_CHANGED, None)  # a connection returned to the pool without commit or rollback
    record.info.pop(_BUMPED, None)


def has_counted_change(conn) -> bool:
    """Whether this connection's transaction has changed (and not yet committed) a row the figures count."""
    return bool(conn.info.get(_CHANGED))


def current_version() -> tuple | None:
    """The data version as this transaction sees it: every counter row (id, token, version); None when
    the transaction has an uncommitted change of its own (no caching then)."""
    if not _has_version_table(db.session.connection()):
        return None
    rows = db.session.execute(select(_TABLE.c.id, _TABLE.c.token, _TABLE.c.version).order_by(_TABLE.c.id)).all()
    if has_counted_change(db.session.connection()):  # read after autoflush
        return None
    return tuple((r.id, r.token, int(r.version)) for r in rows)


class FiguresCache:
    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def figures_cache() -> FiguresCache:
    """One cache per app (per process): each worker computes a version's figures once."""
    return current_app.extensions.setdefault("report_figures_cache", FiguresCache())
