"""CLI for support."""

from flask.cli import AppGroup

cli = AppGroup("support")
