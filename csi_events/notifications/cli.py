"""CLI for notifications: `notify reminders` and `notify outbox`, both safe to run from cron every few minutes."""

import time
from datetime import timedelta

import click
from flask.cli import AppGroup

from .. import outbox
from ..db import utcnow
from ..extensions import db

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


@cli.command("outbox")
@click.option("--older-than", type=click.IntRange(min=0), default=1, help="Only messages queued this many minutes ago.")
@click.option("--loop", is_flag=True, help="Keep sending as messages arrive (the worker of OUTBOX_MODE=worker).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=1.0, help="Seconds between polls with --loop.")
def send_outbox_command(older_than: int, loop: bool, interval: float) -> None:
    """Send what the outbox holds (a crash, a refused SMTP server, or every message in worker mode);
    safe to run from cron, and several at once (each message is claimed before it is sent)."""
    if loop:
        while True:
            outbox.send_messages(outbox.pending_ids(timedelta(0)))
            db.session.remove()
            time.sleep(interval)
    ids = outbox.pending_ids(timedelta(minutes=older_than))
    sent = outbox.send_messages(ids)
    click.echo(f"outbox: {sent} sent, {len(ids) - sent} still pending")
    if sent < len(ids):
        raise SystemExit(1)
