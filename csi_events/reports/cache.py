"""Exact figures, instantly on a repeated view: a cache of report figures keyed by (filters, data version).

The data version is read from the one log of changes (watch.py): the database triggers add a note to
report_dirty_people in the same statement as every change that can move a figure, and the rollup's refresh
(rollup.py) takes notes away only in a transaction that also bumps a counter row of report_data_version. So the
version (the counter rows, the number of notes and the highest note id, as this transaction sees them) differs
after every committed change: a change adds a note; a refresh bumps a counter.

Why a cached entry is never stale: a report reads the version BEFORE it computes the figures and stores them under
that version. Figures computed after reading version v describe the data of v or later; they are served only while
the version is still v, i.e. while no change has committed since. A transaction that has written anything itself
neither reads nor writes the cache (it must see its own change). Each counter row carries a random token made with
the row, so a wiped and refilled database never repeats a version.
"""

from __future__ import annotations

import random
import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession

from ..db import has_table
from ..extensions import db
from .models import ReportDataVersion
from .rollup_models import ReportDirtyPerson

MAX_ENTRIES = 256
SHARDS = 16  # counter rows: concurrent bumps seldom wait on one another
# A mapped class's __table__ is its Table (SQLAlchemy types it as the wider FromClause).
_TABLE = cast(Table, ReportDataVersion.__table__)
_NOTES = cast(Table, ReportDirtyPerson.__table__)
_BUMP = _TABLE.update().where(_TABLE.c.id == bindparam("shard")).values(version=_TABLE.c.version + 1)


def has_written(conn: Connection) -> bool:
    """Whether this connection's transaction has written anything not yet committed."""
    if conn.dialect.name == "postgresql":
        return conn.scalar(select(func.pg_current_xact_id_if_assigned())) is not None
    return bool(conn.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]


def session_has_written(session: OrmSession) -> bool:
    """has_written for the ORM session (its pending changes flushed first); False outside a transaction."""
    if not session.in_transaction():
        return False
    session.flush()
    return has_written(session.connection())


def current_version() -> tuple | None:
    """The data version as this transaction sees it; None when the transaction has written (no caching then)."""
    if session_has_written(db.session()):
        return None
    conn = db.session.connection()
    if not has_table(conn, _TABLE.name):
        return None  # a database from before the version table: no caching
    counters = conn.execute(select(_TABLE.c.id, _TABLE.c.token, _TABLE.c.version).order_by(_TABLE.c.id)).all()
    notes = conn.execute(select(func.count(), func.max(_NOTES.c.id)).select_from(_NOTES)).one()
    return tuple((r.id, r.token, int(r.version)) for r in counters) + (int(notes[0]), notes[1])


def pick_shard() -> int:
    return random.randrange(SHARDS)


def bump(conn: Connection, shard: int) -> None:
    """Add one to a shard's counter, making the row (with a new token) if a wiped database lost it."""
    if conn.execute(_BUMP, {"shard": shard}).rowcount:
        return
    stmt: postgresql.Insert | sqlite.Insert = (
        postgresql.insert(_TABLE) if conn.dialect.name == "postgresql" else sqlite.insert(_TABLE)
    )
    row = {"id": shard, "token": secrets.token_hex(16), "version": 1}
    made = conn.execute(stmt.values(**row).on_conflict_do_nothing(index_elements=["id"]).returning(_TABLE.c.id))
    if made.first() is None:  # another transaction made it first (and has committed): count on it
        conn.execute(_BUMP, {"shard": shard})


class FiguresCache:
    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Any:
        with self.lock:
            value = self.entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def figures_cache() -> FiguresCache:
    """One cache per app (per process): each worker computes a version's figures once."""
    return current_app.extensions.setdefault("report_figures_cache", FiguresCache())
