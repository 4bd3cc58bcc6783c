"""`flask backup FILE` / `flask restore FILE`: SQLite's online backup while a writer keeps committing, a restore
that gives back exactly the backup's rows, refusals (a damaged or foreign file, no confirmation) and PostgreSQL's
pointer to pg_dump / pg_restore."""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
from flask_migrate import stamp
from sqlalchemy import text

from csi_events import create_app
from csi_events.extensions import db
from tests.factories import make_person

TABLES = ("outbox_messages", "people")


@pytest.fixture
def live(tmp_path):
    """An app on its own SQLite file, schema from the models, stamped at the migration head, with 3,000 rows."""
    path = tmp_path / "live.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        stamp()
        payload = "x" * 400  # a database of a few MB, so the copy takes a while
        db.session.execute(
            text("INSERT INTO outbox_messages (kind, payload, created_at, attempts) VALUES ('seed', :p, :t, 0)"),
            [{"p": f'"{payload}"', "t": "2026-01-01 00:00:00"}] * 3000,
        )
        make_person("ana@example.org")
        db.session.commit()
    yield app, path
    with app.app_context():
        db.engine.dispose()


def _counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


class Writer(threading.Thread):
    """Commits one outbox row at a time on its own connection, as another process of the app would."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.stop, self.committed = path, threading.Event(), 0

    def run(self) -> None:
        with closing(sqlite3.connect(self.path, timeout=30)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            while not self.stop.is_set():
                conn.execute(
                    "INSERT INTO outbox_messages (kind, payload, created_at, attempts) "
                    "VALUES ('written', '{}', '2026-01-01 00:00:00', 0)"
                )
                conn.commit()
                self.committed += 1


def test_backup_during_writes_then_restore_gives_the_backups_counts(live, tmp_path):
    app, path = live
    writer = Writer(path)
    writer.start()
    try:
        while writer.committed < 50:
            time.sleep(0.01)
        before = writer.committed
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")])
        during = writer.committed - before
        time.sleep(0.2)  # and it goes on after the backup
    finally:
        writer.stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    backup = tmp_path / "copy.db"
    with closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    assert not backup.with_name("copy.db-wal").exists()
    saved = _counts(backup)
    written = saved["outbox_messages"] - 3000
    assert before <= written <= writer.committed  # a snapshot taken while the writer ran
    assert during > 0, "the writer was blocked for the whole backup"
    assert _counts(path)["outbox_messages"] == 3000 + writer.committed > saved["outbox_messages"]

    with app.app_context():  # the app's pooled connection stays open across the restore, like a running worker
        assert db.session.scalar(text("SELECT count(*) FROM outbox_messages")) == 3000 + writer.committed
        db.session.remove()
        result = app.test_cli_runner().invoke(args=["restore", str(backup), "--yes"])
        assert result.exit_code == 0, result.output
        assert "Restored" in result.output and "db upgrade" not in result.output
        assert db.session.scalar(text("SELECT count(*) FROM outbox_messages")) == saved["outbox_messages"]
    assert _counts(path) == saved
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # still the app's journal mode


def test_restore_into_a_missing_database_file(live, tmp_path):
    app, path = live
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.db")]).exit_code == 0
    other = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'new.db'}"}
    )
    result = other.test_cli_runner().invoke(args=["restore", str(tmp_path / "copy.db"), "--yes"])
    assert result.exit_code == 0, result.output
    assert _counts(tmp_path / "new.db") == _counts(path)


def test_restore_asks_first_and_refuses_bad_files(live, tmp_path):
    app, path = live
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "copy.db")]).exit_code == 0
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("DELETE FROM people")
        conn.commit()
    expected = _counts(path)

    answered_no = runner.invoke(args=["restore", str(tmp_path / "copy.db")], input="n\n")
    assert answered_no.exit_code == 1 and "Replace everything in" in answered_no.output

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    damaged = runner.invoke(args=["restore", str(garbage), "--yes"])
    assert damaged.exit_code == 1 and "not a readable SQLite database" in damaged.output

    foreign = tmp_path / "foreign.db"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    unmigrated = runner.invoke(args=["restore", str(foreign), "--yes"])
    assert unmigrated.exit_code == 1 and "no Alembic revision" in unmigrated.output

    newer = tmp_path / "newer.db"
    newer.write_bytes((tmp_path / "copy.db").read_bytes())
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
        conn.commit()
    from_the_future = runner.invoke(args=["restore", str(newer), "--yes"])
    assert from_the_future.exit_code == 1 and "ffffffffffff" in from_the_future.output

    missing = runner.invoke(args=["restore", str(tmp_path / "nothing.db"), "--yes"])
    assert missing.exit_code == 1 and "is not a file" in missing.output
    assert _counts(path) == expected  # nothing of the above touched the database

    with closing(sqlite3.connect(newer)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '3c7a81a55f7c'")
        conn.commit()
    older = runner.invoke(args=["restore", str(newer), "--yes"])
    assert older.exit_code == 0, older.output
    assert "db upgrade" in older.output  # an older schema: the operator is told to migrate


def test_backup_refuses_a_bad_destination(live, tmp_path):
    app, path = live
    runner = app.test_cli_runner()
    into_itself = runner.invoke(args=["backup", str(path)])
    assert into_itself.exit_code == 1 and "must not be the database itself" in into_itself.output
    nowhere = runner.invoke(args=["backup", str(tmp_path / "no" / "such" / "copy.db")])
    assert nowhere.exit_code == 1 and "does not exist" in nowhere.output


def test_postgresql_refuses_and_gives_the_pg_commands(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://csi:secret@127.0.0.1:5432/csi_events",
        }
    )
    runner = app.test_cli_runner()
    backup = runner.invoke(args=["backup", "nightly.dump"])
    assert backup.exit_code == 1
    assert (
        "pg_dump --format=custom --no-owner --dbname=postgresql://csi@127.0.0.1:5432/csi_events "
        "--file=nightly.dump" in backup.output
    )
    restore = runner.invoke(args=["restore", "nightly.dump", "--yes"])
    assert restore.exit_code == 1
    assert (
        "pg_restore --clean --if-exists --no-owner --single-transaction "
        "--dbname=postgresql://csi@127.0.0.1:5432/csi_events nightly.dump" in restore.output
    )
    assert "secret" not in backup.output + restore.output
    assert not (tmp_path / "nightly.dump").exists()
