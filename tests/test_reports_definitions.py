"""The one declarative definition (reports/definitions.py) covers every filter and split there is, and the rollup
answers exactly what it can: any other filter or split falls back to the SQL path, with the same figures."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from csi_events.reports import figures as figures_module
from csi_events.reports import rollup
from csi_events.reports.definitions import FIGURES, FILTERS, SPLITS, FilterSide
from csi_events.reports.filters import ReportFilters
from csi_events.reports.rows import figure_rows
from tests import report_fixture
from tests.sql_trace import recorded_statements

YEAR = ReportFilters.school_year(2024)
# A value of every filter that narrows the fixture's school year (a new filter must be added here too).
NARROWED = {
    "date_from": date(2024, 10, 1),
    "date_to": date(2025, 1, 31),
    "subregion": 4,
    "lea": "1900001",
    "kind": "workshop",
    "modality": "virtual",
    "topic": "extended_learning",
    "school": "19000020000021",
    "people_subregion": 7,
}


def test_every_filter_of_the_report_is_declared():
    fields = {f.name for f in dataclasses.fields(ReportFilters) if f.compare}
    assert fields == {flt.name for flt in FILTERS}, "declare the filter in reports/definitions.py FILTERS"
    assert set(NARROWED) == fields, "give the new filter a value in NARROWED"


def test_every_figure_is_a_field_of_the_summary_and_has_rows(app):
    summary_fields = [f.name for f in dataclasses.fields(figures_module.Summary)]
    assert summary_fields == [f.name for f in FIGURES]
    for figure in FIGURES:
        assert figure_rows(YEAR, figure.name).figure == figure.name


def _computed(app, f: ReportFilters, splits: tuple[str, ...], via_rollup: bool):
    app.config["REPORT_ROLLUP"] = via_rollup
    try:
        with recorded_statements(app.extensions["sqlalchemy"].engine) as seen:
            found = figures_module._compute_figures(f, splits)
        return found, any("report_rollup_figures" in s and s.lstrip().upper().startswith("SELECT") for s in seen)
    finally:
        app.config["REPORT_ROLLUP"] = True


@pytest.mark.parametrize("name", [flt.name for flt in FILTERS])
def test_a_filter_the_rollup_cannot_answer_falls_back_to_sql(app, name):
    report_fixture.build()
    f = dataclasses.replace(YEAR, **{name: NARROWED[name]})
    assert not rollup.serves(f, ())
    found, used_rollup = _computed(app, f, (), via_rollup=True)
    assert not used_rollup
    assert found == _computed(app, f, (), via_rollup=False)[0]
    assert found[0].as_dict() != report_fixture.EXPECTED_AFTER_MERGE  # the filter narrowed the figures


def test_only_the_range_is_a_filter_the_rollup_answers():
    assert {flt.name for flt in FILTERS if flt.side is FilterSide.RANGE} == {"date_from", "date_to"}


@pytest.mark.parametrize("split", [s.name for s in SPLITS])
def test_every_split_is_answered_alike_by_the_rollup_or_falls_back(app, split):
    report_fixture.build()
    declared = next(s for s in SPLITS if s.name == split)
    assert rollup.serves(YEAR, (split,)) == declared.in_rollup
    through_rollup, used_rollup = _computed(app, YEAR, (split,), via_rollup=True)
    assert used_rollup == declared.in_rollup
    through_sql, _ = _computed(app, YEAR, (split,), via_rollup=False)
    assert through_rollup == through_sql
    assert through_rollup[1][split], "the fixture has rows for every split"
