"""`flask reports rollup [--rebuild]`: bring the school-year rollup up to date (reports/rollup.py)."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from . import rollup

cli = AppGroup("reports", help="Attendance reports.")


@cli.command("rollup")
@click.option("--rebuild", is_flag=True, help="Recompute every person's figures, not only the changed ones.")
def rollup_command(rebuild: bool):
    """Recompute the whole-year figures of the people changed since the last view (or of everyone).

    Views do this by themselves; run it after a bulk load, or with --rebuild after changing DISPLAY_TIMEZONE."""
    started = time.perf_counter()
    if rebuild:
        with db.engine.begin() as conn:
            rollup.note_everyone(conn)
    count = rollup.catch_up(current_app)  # this thread's app: the proxy serves
    click.echo(f"Recomputed the figures of {count} people in {time.perf_counter() - started:.1f} s.")
