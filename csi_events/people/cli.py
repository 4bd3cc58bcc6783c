"""`flask people purge-inactive --years N`: the retention rule, safe to run from cron (idempotent)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import commit
from ..extensions import db
from .privacy import inactive_people, purge_inactive

cli = AppGroup("people", help="People's data: retention.")


@cli.command("purge-inactive")
@click.option("--years", type=click.IntRange(min=1, max=100), required=True, help="Inactive for this many years.")
@click.option("--dry-run", is_flag=True, help="Only count who would be erased.")
def purge_inactive_command(years: int, dry_run: bool):
    """Erase the identity (name, e-mail, needs, organization) of people inactive for YEARS years.

    Attendance stays, anonymous, so counts do not change. Running it twice erases nobody twice."""
    if dry_run:
        click.echo(f"{len(inactive_people(years))} people inactive for {years} years would be erased.")
        return
    count = purge_inactive(years)
    commit(db.session)
    click.echo(f"Erased the identity of {count} people inactive for {years} years.")
