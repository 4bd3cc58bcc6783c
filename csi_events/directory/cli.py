"""CLI for directory."""

from flask.cli import AppGroup

cli = AppGroup("directory")
