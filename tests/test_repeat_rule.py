"""The repeat rule's date arithmetic (csi_events/opportunities/repeat.py): no app, no database."""

from __future__ import annotations

from datetime import UTC, date, time

import pytest

from csi_events.localtime import local_to_utc
from csi_events.opportunities.repeat import MAX_OCCURRENCES, RepeatError, nth_weekday, occurrences, week_of_month


def test_weekly_n_times():
    assert occurrences(date(2026, 9, 1), "weekly", count=4) == [
        date(2026, 9, 1),
        date(2026, 9, 8),
        date(2026, 9, 15),
        date(2026, 9, 22),
    ]


def test_every_two_weeks_until_a_date_is_inclusive():
    days = occurrences(date(2026, 9, 1), "biweekly", until=date(2026, 10, 13))
    assert days == [date(2026, 9, 1), date(2026, 9, 15), date(2026, 9, 29), date(2026, 10, 13)]
    assert occurrences(date(2026, 9, 1), "biweekly", until=date(2026, 10, 12))[-1] == date(2026, 9, 29)
    assert occurrences(date(2026, 9, 1), "weekly", until=date(2026, 9, 1)) == [date(2026, 9, 1)]


def test_monthly_on_the_same_weekday_of_the_month():
    first = date(2026, 9, 8)  # the 2nd Tuesday of September 2026
    assert week_of_month(first) == 2
    days = occurrences(first, "monthly", count=4)
    assert days == [date(2026, 9, 8), date(2026, 10, 13), date(2026, 11, 10), date(2026, 12, 8)]
    assert all(d.weekday() == 1 and week_of_month(d) == 2 for d in days)


def test_monthly_on_a_fifth_weekday_skips_months_without_one():
    first = date(2026, 9, 29)  # the 5th Tuesday of September 2026
    assert week_of_month(first) == 5
    days = occurrences(first, "monthly", count=3)
    # October, November, January and February 2027 have no fifth Tuesday; December 2026 and March 2027 do.
    assert days == [date(2026, 9, 29), date(2026, 12, 29), date(2027, 3, 30)]
    assert nth_weekday(2026, 10, 1, 5) is None
    assert occurrences(first, "monthly", until=date(2026, 12, 28)) == [first]


def test_monthly_across_the_year_end_and_a_leap_day():
    days = occurrences(date(2027, 12, 27), "monthly", count=3)  # 4th Monday
    assert days == [date(2027, 12, 27), date(2028, 1, 24), date(2028, 2, 28)]
    assert nth_weekday(2028, 2, 1, 5) == date(2028, 2, 29)  # a 5th Tuesday thanks to the leap day


def test_nine_am_stays_nine_am_across_the_daylight_saving_change():
    days = occurrences(date(2026, 10, 19), "weekly", count=4)  # clocks go back on Sunday 1 November 2026
    starts = [local_to_utc(d, time(9, 0)) for d in days]
    assert [s.hour for s in starts] == [16, 16, 17, 17]  # 9:00 PDT is 16:00 UTC, 9:00 PST is 17:00 UTC
    assert starts[2] == local_to_utc(date(2026, 11, 2), time(9, 0)) == starts[2].astimezone(UTC)
    spring = [local_to_utc(d, time(9, 0)).hour for d in occurrences(date(2027, 3, 1), "biweekly", count=2)]
    assert spring == [17, 16]  # 1 March is PST, 15 March is PDT


def test_limits():
    assert len(occurrences(date(2026, 1, 5), "weekly", count=MAX_OCCURRENCES)) == MAX_OCCURRENCES
    assert len(occurrences(date(2026, 1, 5), "weekly", until=date(2026, 12, 28))) == MAX_OCCURRENCES
    cases = [
        ({"count": 0}, ("count", "too_few")),
        ({"count": -3}, ("count", "too_few")),
        ({"count": MAX_OCCURRENCES + 1}, ("count", "too_many")),
        ({"until": date(2027, 1, 4)}, ("until", "too_many")),  # 53 Mondays
        ({"until": date(2026, 1, 4)}, ("until", "before_start")),
        ({}, ("count", "missing")),
        ({"count": 3, "until": date(2026, 2, 1)}, ("count", "both")),
    ]
    for kwargs, (field, code) in cases:
        with pytest.raises(RepeatError) as caught:
            occurrences(date(2026, 1, 5), "weekly", **kwargs)
        assert (caught.value.field, caught.value.code) == (field, code), kwargs
    with pytest.raises(RepeatError) as caught:
        occurrences(date(2026, 1, 5), "daily", count=2)
    assert caught.value.field == "frequency"
    assert occurrences(date(2026, 1, 5), "weekly", count=3, limit=3)[-1] == date(2026, 1, 19)


def test_dates_past_the_calendar_end_are_refused_not_crashing():
    with pytest.raises(RepeatError) as caught:
        occurrences(date(9999, 12, 1), "weekly", count=10)
    assert (caught.value.field, caught.value.code) == ("count", "out_of_range")
    with pytest.raises(RepeatError) as caught:
        occurrences(date(9999, 11, 1), "monthly", count=3)
    assert caught.value.code == "out_of_range"
    assert occurrences(date(9999, 11, 1), "monthly", until=date(9999, 12, 31)) == [date(9999, 11, 1), date(9999, 12, 6)]
    assert occurrences(date(9999, 12, 17), "weekly", until=date(9999, 12, 31))[-1] == date(9999, 12, 31)
