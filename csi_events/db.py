"""Declarative base, UTC timestamps and the one transaction helper."""

from __future__ import annotations

import weakref
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC (use as a callable default)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC on every backend; always hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone first")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: foreign keys on, WAL journal and a busy timeout for concurrent writers."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # The busy timeout first: switching a new file to WAL takes a write lock that another process (a second
    # gunicorn worker starting at the same instant) may hold; with the timeout set, this waits instead of failing.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_TABLES_FOUND: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def has_table(conn, name: str) -> bool:
    """Whether this database has table `name` (a database made before a migration lacks the tables it adds, and
    must keep working). Asked once per engine and table."""
    found = _TABLES_FOUND.setdefault(conn.engine, {})
    if name not in found:
        found[name] = inspect(conn).has_table(name)
    return found[name]


def lock_row_for_update(session, table_name: str, row_id: int) -> None:
    """Serialize writers on one row, on PostgreSQL and SQLite alike.

    A no-op UPDATE takes PostgreSQL's row lock (held to commit) and, on SQLite, the database
    write lock (pysqlite begins the transaction at the first write, so later reads in this
    transaction see the latest committed data). Call it before reading the figures you decide on.
    """
    session.execute(
        text(f"UPDATE {table_name} SET lock_version = lock_version + 1 WHERE id = :id"),
        {"id": row_id},
    )


def commit(session) -> None:
    """The one commit point of a request or CLI command; then the outbox (e-mails) is delivered."""
    from . import outbox

    try:
        session.flush()
        queued = outbox.take_ids(session)
        session.commit()
    except Exception:
        session.rollback()
        session.info.pop("outbox", None)
        raise
    outbox.deliver(queued)
