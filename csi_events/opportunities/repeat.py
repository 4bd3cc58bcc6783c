"""The repeat rule of a series: the dates of its sessions. Pure date arithmetic (no app, no database, no text).

A rule starts on the first session's date and repeats weekly, every two weeks, or monthly on the same weekday
of the month ("2nd Tuesday"), either a number of times or until a date (inclusive). Only dates come out: each
session keeps its wall-clock time in Los Angeles and is turned into UTC one day at a time (localtime.local_to_utc),
so a 9:00 AM series stays at 9:00 AM across the daylight-saving changes.

Monthly from a 5th weekday: a month without a fifth such weekday is skipped, as RFC 5545 (BYDAY=5TU) and the
common calendars do, so every session really is on "the 5th Tuesday"; "N times" still gives N sessions.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

FREQUENCIES = ("weekly", "biweekly", "monthly")
MAX_OCCURRENCES = 52  # one year of weekly sessions


class RepeatError(ValueError):
    """A rule that cannot be applied: `field` is count, until or frequency; `code` says why (the caller words it)."""

    def __init__(self, field: str, code: str):
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


def week_of_month(day: date) -> int:
    """1 for the first such weekday of its month ... 5 for the fifth."""
    return (day.day - 1) // 7 + 1


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    """The n-th (1..5) `weekday` (Monday = 0) of the month, or None when the month has no such day."""
    first_weekday, days = monthrange(year, month)
    day = 1 + (weekday - first_weekday) % 7 + 7 * (n - 1)
    return date(year, month, day) if day <= days else None


def _weekly(first: date, step_days: int):
    day = first
    while True:
        yield day
        if date.max - day < timedelta(days=step_days):
            return  # the calendar ends in 9999
        day += timedelta(days=step_days)


def _monthly(first: date):
    n, weekday = week_of_month(first), first.weekday()
    year, month = first.year, first.month
    while year <= date.max.year:
        day = nth_weekday(year, month, weekday, n)
        if day is not None:
            yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _check(first: date, frequency: str, count: int | None, until: date | None, limit: int) -> None:
    if frequency not in FREQUENCIES:
        raise RepeatError("frequency", "unknown")
    if count is None and until is None:
        raise RepeatError("count", "missing")
    if count is not None and until is not None:
        raise RepeatError("count", "both")
    if count is not None and count < 1:
        raise RepeatError("count", "too_few")
    if count is not None and count > limit:
        raise RepeatError("count", "too_many")
    if until is not None and until < first:
        raise RepeatError("until", "before_start")


def occurrences(
    first: date,
    frequency: str,
    *,
    count: int | None = None,
    until: date | None = None,
    limit: int = MAX_OCCURRENCES,
) -> list[date]:
    """Every session date of the rule, `first` included. Give exactly one of `count` and `until`.

    Raises RepeatError: frequency/unknown; count/missing (neither given), count/both (both given);
    count/too_few (< 1), count/too_many (> limit); until/before_start; until/too_many (more than `limit` dates);
    count/out_of_range when the dates would pass the end of the calendar (the year 9999)."""
    _check(first, frequency, count, until, limit)
    days = _monthly(first) if frequency == "monthly" else _weekly(first, 7 if frequency == "weekly" else 14)
    found: list[date] = []
    for day in days:
        if (until is not None and day > until) or (count is not None and len(found) == count):
            break
        if len(found) == limit:
            raise RepeatError("until", "too_many")
        found.append(day)
    if count is not None and len(found) < count:
        raise RepeatError("count", "out_of_range")
    return found
