"""CLI for surveys: `flask --app app surveys send`, safe from cron every few minutes and twice at once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .. import outbox
from ..db import utcnow

cli = AppGroup("surveys", help="Feedback surveys.")


@cli.command("send")
def send_command() -> None:
    """Invite the people checked in at sessions that ended: one e-mail each, never twice."""
    from .sending import run_send

    run = run_send(utcnow())
    outbox.wait_idle()
    click.echo(f"surveys: {run.rounds} open rounds, {run.queued} invitations queued")
