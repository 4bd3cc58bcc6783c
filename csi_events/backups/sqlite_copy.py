"""Copying a live SQLite database with SQLite's online backup API (sqlite3.Connection.backup).

Why the backup API and not a file copy: the app keeps a WAL journal, so the database file alone may lack the
latest commits, and a copy taken while a writer commits can be torn. The backup API copies every page inside
one read transaction of the source: the copy is the database as of one commit. In WAL mode a reader does not
block writers, so the app keeps serving and writing while it runs.

Restoring goes the other way, also through the backup API: the file is first copied to a temporary file next
to the database and checked there (integrity, and an Alembic revision this code knows), then copied into the
configured database in one write transaction. Processes that keep the database open see either the old data
or the restored data, never a mix, at their next transaction. A rename over the database file would not be
safe while they run: their open connections would keep writing to the old, unlinked file (those writes lost),
and its WAL file, left under the same name, could be replayed into the new one.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

BUSY_TIMEOUT_MS = 30_000  # as the app's connections (csi_events/db.py): wait for a writer's commit


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why, for the operator."""


@dataclass(frozen=True)
class DatabaseFacts:
    """What a checked database file holds: its Alembic revision (None: never migrated) and its size."""

    revision: str | None
    tables: int
    bytes: int


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    # Read-only for files being checked (never modified by a check); the live database opens as the app's
    # connections do (a read-only connection to a WAL database needs its -shm file to exist already).
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) if read_only else sqlite3.connect(path)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def inspect_file(path: Path) -> DatabaseFacts:
    """Check a database file: a readable SQLite database whose `PRAGMA integrity_check` says ok.
    Raises BackupError otherwise."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    try:
        with closing(_connect(path, read_only=True)) as conn:
            verdict = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                raise BackupError(f"{path} fails SQLite's integrity check: {'; '.join(verdict[:5])}")
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = None
            if "alembic_version" in names:
                revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = revision[0] if revision else None
    except sqlite3.DatabaseError as err:
        raise BackupError(f"{path} is not a readable SQLite database ({err}).") from err
    return DatabaseFacts(revision=revision, tables=len(names), bytes=path.stat().st_size)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    # pages=-1: every page in one step, so the copy is one snapshot of the source (in steps, a write to the
    # source by another connection would restart the copy, and a busy app could keep restarting it).
    source.backup(target, pages=-1)


def _temporary_next_to(path: Path, label: str) -> Path:
    """An empty temporary file in `path`'s folder, so the final rename stays on one file system."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.{label}-", suffix=".tmp", dir=path.parent)
    os.close(handle)
    return Path(name)


def back_up(database: Path, destination: Path) -> DatabaseFacts:
    """Copy the live `database` into `destination` (replaced only once the copy is checked)."""
    if not database.is_file():
        raise BackupError(f"The configured database {database} does not exist.")
    destination = destination.resolve()
    if destination == database.resolve():
        raise BackupError("The backup file must not be the database itself.")
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist.")
    partial = _temporary_next_to(destination, "backup")
    try:
        with closing(_connect(database)) as source, closing(_connect(partial)) as target:
            _copy(source, target)
            # A backup is one self-contained file: no WAL journal beside it.
            target.execute("PRAGMA journal_mode=DELETE")
        facts = inspect_file(partial)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return DatabaseFacts(revision=facts.revision, tables=facts.tables, bytes=destination.stat().st_size)


def restore(backup: Path, database: Path, known_revisions: set[str]) -> DatabaseFacts:
    """Replace the content of `database` by the backup file's, after checking a copy of it."""
    facts = inspect_file(backup)
    if facts.revision is None:
        raise BackupError(f"{backup} has no Alembic revision: it is not a database of this app.")
    if facts.revision not in known_revisions:
        raise BackupError(
            f"{backup} is at revision {facts.revision}, which this release does not know (a newer release made it)."
        )
    if not database.parent.is_dir():
        raise BackupError(f"The folder {database.parent} does not exist.")
    checked = _temporary_next_to(database, "restore")
    try:
        # Check a private copy, not the file given: nobody can change it between the check and the restore.
        with closing(_connect(backup, read_only=True)) as source, closing(_connect(checked)) as target:
            _copy(source, target)
        checked_facts = inspect_file(checked)
        if not database.exists():
            # No database yet, so no process has it open: the checked copy becomes it.
            os.replace(checked, database)
            return checked_facts
        with closing(_connect(checked)) as source, closing(_connect(database)) as target:
            _copy(source, target)  # one write transaction on the live database
    except sqlite3.DatabaseError as err:
        raise BackupError(f"The restore failed and changed nothing ({err}).") from err
    finally:
        checked.unlink(missing_ok=True)
    return checked_facts
