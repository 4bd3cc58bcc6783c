"""The report queries against the hand-counted fixture (tests/report_fixture.py)."""

from __future__ import annotations

from datetime import date

from csi_events.reports import queries
from csi_events.reports.filters import ReportFilters
from tests import report_fixture

YEAR = ReportFilters.school_year(2024)


def test_headline_figures_after_merge(app):
    report_fixture.build(merge=True)
    assert queries.summary(YEAR).as_dict() == report_fixture.EXPECTED_AFTER_MERGE


def test_headline_figures_before_merge(app):
    report_fixture.build(merge=False)
    assert queries.summary(YEAR).as_dict() == report_fixture.EXPECTED_BEFORE_MERGE


def test_lea_filter(app):
    report_fixture.build()
    assert queries.summary(YEAR.but(lea="1900001")).as_dict() == report_fixture.EXPECTED_LEA_A


def test_by_month_and_subregion(app):
    report_fixture.build()
    months = {r.key: r.attendances for r in queries.breakdown(YEAR, "month")}
    assert len(months) == 12
    assert {k: v for k, v in months.items() if v} == report_fixture.EXPECTED_BY_MONTH
    subs = {r.key: (r.attendances, r.unique_individuals) for r in queries.breakdown(YEAR, "subregion")}
    assert subs == report_fixture.EXPECTED_BY_SUBREGION


def test_previous_year_only_sees_june(app):
    report_fixture.build()
    f = ReportFilters(date(2024, 6, 1), date(2024, 6, 30))
    s = queries.summary(f)
    assert (s.opportunities, s.attendances, s.unique_individuals) == (1, 1, 1)
