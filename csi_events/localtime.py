"""Times are stored in UTC and shown in the display time zone (America/Los_Angeles): one place for the
conversions every feature needs (forms, API input, reports' date ranges, e-mails, the demo)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import overload
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "America/Los_Angeles"


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

    Raises ValueError for a time skipped by the spring-forward change (it does not exist)."""
    zone = local_zone()
    local = datetime.combine(day, moment.replace(tzinfo=None)).replace(tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("nonexistent local time")
    return local.astimezone(UTC)


def as_aware(value: datetime) -> datetime:
    """Offset-aware values are kept (in UTC); naive ones are read as display-zone wall-clock time."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        value = value.replace(tzinfo=local_zone())
    return value.astimezone(UTC)
