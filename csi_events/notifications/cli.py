"""CLI for notifications: `flask --app app notify reminders` (safe to run from cron every few minutes)."""

import click
from flask.cli import AppGroup

from ..db import utcnow

cli = AppGroup("notify", help="E-mail notifications.")


@cli.command("reminders")
@click.option(
    "--hours",
    type=click.FloatRange(min=0, min_open=True, max=14 * 24),
    default=24.0,
    show_default=True,
    help="Remind about sessions starting within this many hours.",
)
def reminders(hours: float) -> None:
    """Send one reminder per confirmed registration and upcoming session; never the same one twice."""
    from .reminders import run_reminders

    run = run_reminders(utcnow(), hours)
    click.echo(f"reminders: {run.due} due, {run.sent} sent, {run.taken} taken by another run, {run.failed} failed")
    if run.failed:
        raise SystemExit(1)
