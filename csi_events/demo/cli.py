"""CLI for demo."""

from flask.cli import AppGroup

cli = AppGroup("demo")
