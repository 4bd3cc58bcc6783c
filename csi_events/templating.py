"""Jinja filters and globals: times shown in America/Los_Angeles, labels for codes."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_time

from .directory.subregions import SUBREGIONS, subregion_label
from .labels import label
from .localtime import to_local

local = to_local


def register_template_helpers(app: Flask) -> None:
    # Flask-Babel's formatters convert from UTC to BABEL_DEFAULT_TIMEZONE (America/Los_Angeles).
    app.jinja_env.filters["datetime"] = lambda v, fmt="medium": format_datetime(v, fmt) if v else ""
    app.jinja_env.filters["date"] = (
        lambda v, fmt="medium": format_date(local(v) if isinstance(v, datetime) else v, fmt) if v else ""
    )
    app.jinja_env.filters["time"] = lambda v, fmt="short": format_time(v, fmt) if v else ""
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["subregion"] = subregion_label
    app.jinja_env.globals["SUBREGIONS"] = SUBREGIONS
