"""The figures cache (reports/cache.py): a repeated view is served from memory, and every committed change
to what the figures count (check-in, undo, merge, an opportunity's status, a person's LEA, raw SQL)
makes the next view compute them again, with the hand-counted fixture as referee."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import FrozenInstanceError

import pytest
from sqlalchemy import event, text

from csi_events.checkin import services as checkin_services
from csi_events.db import commit, lock_row_for_update
from csi_events.extensions import db
from csi_events.models import CheckIn
from csi_events.people.services import merge_people
from csi_events.reports import queries
from csi_events.reports.cache import current_version
from csi_events.reports.filters import ReportFilters
from tests import report_fixture
from tests.factories import make_registration

YEAR = ReportFilters.school_year(2024)


@contextmanager
def figure_statements():
    """Counts the statements that read the report's figures inside the block: the SQL path's aggregate, or the
    rollup's read of its sums."""
    seen = []

    def listener(_conn, _cursor, statement, *_args):
        reads = statement.lstrip().upper().startswith(("SELECT", "WITH"))
        if reads and ("grain" in statement or "report_rollup_figures" in statement):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def dashboard():
    summary, found = queries.figures(YEAR, queries.SPLITS)
    return summary.as_dict(), found


def test_repeated_view_is_served_from_the_cache_and_equal(app):
    report_fixture.build(merge=True)
    commit(db.session)
    with figure_statements() as seen:
        first = dashboard()
        second = dashboard()
    assert len(seen) == 1
    assert first == second
    assert first[0] == report_fixture.EXPECTED_AFTER_MERGE
    # Callers get copies: changing one does not change the cache.
    second[1]["month"].clear()
    assert dashboard()[1]["month"] == first[1]["month"]


def test_served_rows_are_frozen_and_attaching_places_leaves_the_cache_alone(app):
    report_fixture.build(merge=True)
    commit(db.session)
    first = queries.figures(YEAR, ("school",))[1]["school"]
    with pytest.raises(FrozenInstanceError):
        first[0].attendances = 0  # type: ignore[misc]
    attached = queries.attach_schools(first)
    with_school = [r for r in attached if r.school is not None]
    assert with_school and all(r.school is not None and r.school.id == r.key for r in with_school)
    assert [r.school.name for r in with_school if r.school] == sorted(r.school.name for r in with_school if r.school)
    again = queries.figures(YEAR, ("school",))[1]["school"]
    assert again == first and all(r.school is None for r in again)


def test_uncommitted_changes_of_the_session_bypass_the_cache(app):
    world = report_fixture.build(merge=True)
    assert dashboard()[0] == report_fixture.EXPECTED_AFTER_MERGE  # cached now
    world.opps["O6"].status = "cancelled"
    db.session.flush()  # this transaction's own change, not committed
    assert current_version() is None
    with figure_statements() as seen:
        assert dashboard()[0]["opportunities"] == 3
        dashboard()
    assert len(seen) == 2
    db.session.rollback()
    assert dashboard()[0] == report_fixture.EXPECTED_AFTER_MERGE


def test_merge_undo_and_check_in_each_make_new_figures(app):
    world = report_fixture.build(merge=False)
    commit(db.session)
    assert dashboard()[0] == report_fixture.EXPECTED_BEFORE_MERGE
    before = current_version()

    merge_people(world.people["p1"].id, world.people["p6"].id)
    commit(db.session)
    assert current_version() != before
    assert dashboard()[0] == report_fixture.EXPECTED_AFTER_MERGE

    # Undo (a Core UPDATE in the check-in service): p3's O3 S3 check-in.
    checkin = db.session.scalar(
        CheckIn.__table__.select()
        .with_only_columns(CheckIn.id)
        .where(
            CheckIn.person_id == world.people["p3"].id,
            CheckIn.session_id == world.sessions["O3S3"].id,
        )
    )
    assert checkin_services.undo(db.session.get(CheckIn, checkin), None)
    commit(db.session)
    after_undo = dashboard()[0]
    assert after_undo["attendances"] == report_fixture.EXPECTED_AFTER_MERGE["attendances"] - 1
    assert after_undo["sessions"] == report_fixture.EXPECTED_AFTER_MERGE["sessions"]

    # A check-in through the one check-in service (its own Core statements) at O6, which nobody attended.
    o6 = world.opps["O6"]
    session = world.sessions["O6S1"]
    reg = make_registration(o6, world.people["p2"])
    commit(db.session)
    result = checkin_services.check_in(session, reg.ticket, None, None, method="search", now=session.starts_at)
    commit(db.session)
    assert result.checkin_id is not None, result
    assert dashboard()[0]["attendances"] == after_undo["attendances"] + 1


def test_opportunity_and_person_edits_and_raw_sql_make_new_figures(app):
    world = report_fixture.build(merge=True)
    commit(db.session)
    with figure_statements() as seen:
        assert dashboard()[0]["opportunities"] == 4
        dashboard()
    assert len(seen) == 1  # the second view came from the cache

    world.opps["O6"].status = "cancelled"  # an ORM change
    commit(db.session)
    assert dashboard()[0]["opportunities"] == 3

    world.people["p5"].lea = world.leas["A"]  # the "not listed" person now has an LEA (still 3 LEAs)
    world.people["p4"].school = None  # p4's school no longer counts: 3 schools
    commit(db.session)
    assert dashboard()[0]["schools"] == 3

    db.session.execute(text("UPDATE checkins SET undone_at = checked_in_at"))  # raw SQL: nothing counts
    commit(db.session)
    assert dashboard()[0]["attendances"] == 0


def test_the_version_moves_with_every_noted_change_and_only_then(app):
    """The version is read from the triggers' notes (reports/watch.py): a change with no person to recompute (an
    opportunity added, a school's subregion) still moves it; a registration's row lock does not."""
    world = report_fixture.build(merge=True)
    commit(db.session)
    assert dashboard()[0] == report_fixture.EXPECTED_AFTER_MERGE
    before = current_version()
    db.session.rollback()
    lock_row_for_update(db.session, "opportunities", world.opps["O1"].id)  # changes nothing a figure reads
    commit(db.session)
    assert current_version() == before
    db.session.rollback()

    from tests.factories import make_opportunity

    make_opportunity(title="New and empty", starts_at=report_fixture.at(2025, 5, 6))
    commit(db.session)
    assert current_version() != before
    assert dashboard()[0]["opportunities"] == report_fixture.EXPECTED_AFTER_MERGE["opportunities"] + 1

    world.schools["C1"].subregion = 2  # p4 now counts under 2: subregions 4 and 2 only
    commit(db.session)
    summary, found = dashboard()
    assert summary["subregions"] == 2
    assert {r.key: r.unique_individuals for r in found["people_subregion"]} == {2: 3, 4: 2, None: 1}
    world.leas["A"].subregion = 5  # A1 keeps its own 4; A2 has none of its own and takes its LEA's: now 5
    commit(db.session)
    found = dashboard()[1]
    assert {r.key: r.unique_individuals for r in found["people_subregion"]} == {2: 3, 4: 1, 5: 1, None: 1}
