"""The figures cache (reports/cache.py): a repeated view is served from memory, and every committed change
to what the figures count (check-in, undo, merge, an opportunity's status, a person's LEA, raw SQL)
makes the next view compute them again, with the hand-counted fixture as referee."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, text

from csi_events.checkin import services as checkin_services
from csi_events.db import commit
from csi_events.extensions import db
from csi_events.models import CheckIn
from csi_events.people.services import merge_people
from csi_events.reports import queries
from csi_events.reports.cache import changes_counted_rows, current_version
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


def test_only_changes_to_counted_tables_are_noticed():
    assert changes_counted_rows("INSERT INTO checkins (session_id) VALUES (1)")
    assert changes_counted_rows('UPDATE "people" SET lea_id = 2 WHERE people.id = 3')
    assert changes_counted_rows("DELETE FROM opportunity_topics WHERE opportunity_id = 4")
    assert not changes_counted_rows("SELECT id FROM checkins WHERE id = 1 FOR UPDATE")
    assert not changes_counted_rows("WITH grain AS (SELECT person_id FROM checkins) SELECT count(*) FROM grain")
    assert not changes_counted_rows("INSERT INTO audit_events (action) VALUES ('checkin_undone')")
    # db.lock_row_for_update (a registration locking its opportunity) changes nothing a figure reads ...
    assert not changes_counted_rows("UPDATE opportunities SET lock_version = lock_version + 1 WHERE id = %(id)s")
    # ... but any other change to the row does.
    assert changes_counted_rows("UPDATE opportunities SET status=?, lock_version=? WHERE opportunities.id = ?")
