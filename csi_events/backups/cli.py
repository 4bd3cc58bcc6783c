"""`flask --app app backup FILE` and `flask --app app restore FILE [--yes]`: the embedded SQLite database.

On PostgreSQL both refuse (exit status 1) and print the pg_dump / pg_restore command to use instead.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, make_url

from .sqlite_copy import BackupError, back_up, restore


def _database_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_file(url: URL, tool_command: str) -> Path:
    """The configured SQLite file, or a refusal naming the tool for any other database."""
    if url.get_backend_name() == "postgresql":
        raise click.ClickException(
            'The configured database is PostgreSQL: use its own tools, as README\'s "Backups" explains:\n  '
            + tool_command
            + "\n(the password comes from PGPASSWORD or ~/.pgpass, never from the command line)."
        )
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(f"Backups work on an SQLite file or PostgreSQL, not on {url.get_backend_name()}.")
    return Path(url.database)


def _libpq_url(url: URL) -> str:
    """The URL pg_dump and pg_restore take: no SQLAlchemy driver name, no password."""
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query)
    return bare.render_as_string(hide_password=False)


def pg_dump_command(url: URL, file: str) -> str:
    return f"pg_dump --format=custom --no-owner --dbname={shlex.quote(_libpq_url(url))} --file={shlex.quote(file)}"


def pg_restore_command(url: URL, file: str) -> str:
    return (
        "pg_restore --clean --if-exists --no-owner --single-transaction "
        f"--dbname={shlex.quote(_libpq_url(url))} {shlex.quote(file)}"
    )


def _migration_script() -> ScriptDirectory:
    return ScriptDirectory(current_app.extensions["migrate"].directory)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Copy the SQLite database into FILE while the app keeps serving (SQLite's online backup API).
    On PostgreSQL: refuses and prints the pg_dump command."""
    url = _database_url()
    database = _sqlite_file(url, pg_dump_command(url, str(file)))
    try:
        facts = back_up(database, file)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(
        f"Backed up {database} to {file}: {facts.bytes:,} bytes, {facts.tables} tables, "
        f"integrity ok, schema revision {facts.revision or 'none (never migrated)'}."
    )


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace the SQLite database's content by a backup FILE, in one transaction, after checking a copy of it
    (integrity, schema revision). Stop the web and outbox processes first: what they write after the backup
    was taken is lost. On PostgreSQL: refuses and prints the pg_restore command."""
    url = _database_url()
    database = _sqlite_file(url, pg_restore_command(url, str(file)))
    if not yes:
        click.confirm(
            f"Replace everything in {database} by the content of {file}? Changes made since that backup are lost",
            abort=True,
        )
    script = _migration_script()
    try:
        facts = restore(file, database, {script.revision for script in script.walk_revisions()})
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"Restored {database} from {file} (schema revision {facts.revision}).")
    if facts.revision != script.get_current_head():
        click.echo("The backup's schema is older than this release: run `flask --app app db upgrade` now.")


cli = backup_command
more_commands = (restore_command,)
