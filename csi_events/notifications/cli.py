"""CLI for notifications."""

from flask.cli import AppGroup

cli = AppGroup("notify")
