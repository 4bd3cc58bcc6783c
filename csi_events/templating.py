"""Jinja filters and globals: times shown in America/Los_Angeles, labels for codes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from babel.dates import format_interval, format_skeleton, get_datetime_format, get_time_format
from flask import Flask
from flask_babel import format_date, format_time, get_locale

from .directory.subregions import SUBREGIONS, subregion_label
from .labels import label, topic_label
from .localtime import to_local
from .opportunities.models import PILLARS

local = to_local
DateFormat = Literal["full", "long", "medium", "short"]


def format_when(value: datetime | None, fmt: DateFormat = "medium") -> str:
    """Date and time in the display time zone, the time never with seconds ("Dec 5, 2026, 5:30 PM"): the
    locale's own date pattern and its way of joining date and time, with its short time."""
    if not value:
        return ""
    joined = str(get_datetime_format(fmt, locale=get_locale())).replace("'", "")
    return joined.replace("{1}", format_date(local(value), fmt)).replace("{0}", format_time(value, "short"))


def _hour_skeleton() -> str:
    """12-hour ranges where the language uses them ("4:00 – 5:30 PM"), 24-hour otherwise ("16:00–17:30")."""
    return "hm" if "h" in get_time_format("short", locale=get_locale()).pattern else "Hm"


def format_day(value: datetime | None, with_year: bool | None = None) -> str:
    """A short day with its weekday in the page's language: "Thu, Dec 10" / "jue, 10 dic"; with the year when
    asked, or (by default) when it is not this year: "Tue, Mar 5, 2030"."""
    if not value:
        return ""
    moment = local(value)
    if with_year is None:
        with_year = moment.year != local(datetime.now(UTC)).year
    return format_skeleton("yMMMEd" if with_year else "MMMEd", moment, locale=get_locale())


def format_span(starts: datetime, ends: datetime) -> str:
    """A session's day and time range without seconds: "Thu, Dec 10 · 4:00 – 5:30 PM" (days apart: both days)."""
    start, end = local(starts), local(ends)
    if start.date() != end.date():
        return f"{format_when(starts, 'medium')} – {format_when(ends, 'medium')}"
    times = format_interval(start, end, _hour_skeleton(), locale=get_locale())
    return f"{format_day(starts)} · {times}"


def register_template_helpers(app: Flask) -> None:
    # Flask-Babel's formatters convert from UTC to BABEL_DEFAULT_TIMEZONE (America/Los_Angeles).
    app.jinja_env.filters["datetime"] = format_when
    app.jinja_env.filters["date"] = (
        lambda v, fmt="medium": format_date(local(v) if isinstance(v, datetime) else v, fmt) if v else ""
    )
    app.jinja_env.filters["time"] = lambda v: format_time(v, "short") if v else ""
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["topic"] = topic_label
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.globals["span"] = format_span
    app.jinja_env.filters["subregion"] = subregion_label
    app.jinja_env.globals["SUBREGIONS"] = SUBREGIONS
    app.jinja_env.globals["PILLARS"] = PILLARS
