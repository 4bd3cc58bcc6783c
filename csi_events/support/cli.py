"""CLI for support: `flask support import FILE [--as EMAIL]`."""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..auth.models import User
from ..db import commit
from ..errors import DomainError
from ..extensions import db
from ..people.models import normalize_email
from .importer import ImportRefused, import_csv

cli = AppGroup("support", help="Support activities with grantee LEAs and schools.")


@cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--as", "as_email", default=None, help="E-mail of the staff account recorded as the importer.")
def import_command(file, as_email):
    """Import support activities from a CSV file (refused whole if any row is wrong; safe to repeat)."""
    by = None
    if as_email:
        by = db.session.scalar(select(User).where(User.email == normalize_email(as_email)))
        if by is None:
            raise click.ClickException(f"No user with e-mail {as_email}.")
    try:
        result = import_csv(file.read(), by, filename=os.path.basename(getattr(file, "name", "") or ""))
    except ImportRefused as err:
        db.session.rollback()
        raise click.ClickException(err.message + "\n" + "\n".join(err.lines)) from err
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from err
    commit(db.session)
    click.echo(f"{result.rows} rows read: {result.created} imported, {result.skipped} already present.")
