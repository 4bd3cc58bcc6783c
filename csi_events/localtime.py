"""Times are stored in UTC and shown in the display time zone (America/Los_Angeles): one place for the
conversions every feature needs (forms, API input, reports' date ranges, e-mails, the demo)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import overload
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _

from .errors import ValidationFailed

DEFAULT_ZONE = "America/Los_Angeles"

# The dates accepted anywhere (forms, API bodies, query parameters): far wider than any real use, and narrow
# enough that moving a day to UTC or adding a day to it never leaves Python's datetime range (years 1..9999).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)


class DateOutOfRange(ValidationFailed):
    """A date outside EARLIEST_DAY..LATEST_DAY: a 422 (the API's error body, or the error page) wherever it
    is not caught earlier and put on a form field."""

    def __init__(self, field: str | None = None):
        message = out_of_range_message()
        super().__init__(message, fields={field: [message]} if field else None)


def out_of_range_message() -> str:
    return _("Give a date between %(first)s and %(last)s.", first=EARLIEST_DAY.isoformat(), last=LATEST_DAY.isoformat())


def day_in_range(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def check_day(day: date, field: str | None = None) -> date:
    if not day_in_range(day):
        raise DateOutOfRange(field)
    return day


def parse_local_date(text: str, field: str | None = None) -> date:
    """'2025-03-04' as a date: ValueError when malformed, DateOutOfRange outside EARLIEST_DAY..LATEST_DAY."""
    return check_day(date.fromisoformat(text.strip()), field)


def local_zone() -> ZoneInfo:
    name = current_app.config.get("DISPLAY_TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


@overload
def to_local(value: datetime) -> datetime: ...
@overload
def to_local(value: None) -> None: ...
def to_local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(local_zone())


def local_today() -> date:
    return datetime.now(local_zone()).date()


def local_to_utc(day: date, moment: time = time.min) -> datetime:
    """A wall-clock date and time in the display zone as an aware UTC datetime.

    Raises ValueError for a time skipped by the spring-forward change (it does not exist), DateOutOfRange
    outside EARLIEST_DAY..LATEST_DAY."""
    check_day(day)
    zone = local_zone()
    local = datetime.combine(day, moment.replace(tzinfo=None)).replace(tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("nonexistent local time")
    return local.astimezone(UTC)


def as_aware(value: datetime) -> datetime:
    """Offset-aware values are kept (in UTC); naive ones are read as display-zone wall-clock time.
    DateOutOfRange outside EARLIEST_DAY..LATEST_DAY."""
    check_day(value.date())
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        value = value.replace(tzinfo=local_zone())
    return value.astimezone(UTC)
