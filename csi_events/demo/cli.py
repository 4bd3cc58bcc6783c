"""`flask demo load [--if-empty]`: fill an empty database with demo data (deterministic, dates relative to today)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import commit
from ..errors import DomainError
from ..extensions import db
from .data import SEED
from .services import has_users, load_demo

cli = AppGroup("demo", help="Demo data.")


@cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has users.")
@click.option("--seed", type=int, default=SEED, show_default=True, help="Seed of the generated names and numbers.")
def load_command(if_empty, seed):
    """Load the eight subregions' LEAs and schools, staff and facilitator accounts, learning opportunities
    past and upcoming, registrations, check-ins and survey responses. The generated passwords are printed once."""
    if has_users():
        if if_empty:
            click.echo("Demo data: the database already has users; nothing loaded.")
            return
        raise click.ClickException("The database already has users: demo data goes into an empty database only.")
    try:
        report = load_demo(seed)
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(f"Demo data could not be loaded: {err.message} {err.fields or ''}".strip()) from err
    commit(db.session)
    click.echo(
        f"Demo data loaded: {report.leas} LEAs, {report.schools} schools, {report.opportunities} learning "
        f"opportunities, {report.registrations} registrations, {report.checkins} check-ins, "
        f"{report.survey_responses} survey responses."
    )
    click.echo("Sign in at /auth/login with (shown only now; change them before any real use):")
    for email, (role, password) in report.passwords.items():
        click.echo(f"  {role:<12} {email:<28} {password}")
