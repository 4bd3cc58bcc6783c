"""A redeem through POST /api/v1/checkins and the report figures cache (reports/cache.py): the trigger on checkins
notes the person inside the redeem's own statement, which moves the cache's version; nothing more is written at
commit. A cached figure changes after a redeem, and a check-in undone with its savepoint leaves no trace."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from csi_events.checkin import services
from csi_events.db import commit, utcnow
from csi_events.extensions import db as _db
from csi_events.models import User
from csi_events.reports import queries
from csi_events.reports.cache import SHARDS, bump, current_version
from csi_events.reports.filters import ReportFilters, local_zone
from csi_events.reports.models import ReportDataVersion
from tests.concurrency import run_concurrently
from tests.factories import make_opportunity, make_registration, make_user
from tests.sql_trace import recorded_statements
from tests.test_checkin_api import bearer, post_checkin


@pytest.fixture
def world(db):
    with db.engine.begin() as conn:  # every counter row, as in a database made by create_all
        for shard in range(SHARDS):
            bump(conn, shard)
    facilitator = make_user("facilitator")
    opp = make_opportunity(starts_at=utcnow() + timedelta(minutes=15), facilitators=[facilitator])
    regs = [make_registration(opp) for _ in range(3)]
    db.session.commit()
    tickets = [reg.ticket for reg in regs]
    day = opp.sessions[0].starts_at.astimezone(local_zone()).date()
    return {
        "facilitator": facilitator,
        "session": opp.sessions[0],
        "tickets": tickets,
        "filters": ReportFilters(date_from=day - timedelta(days=1), date_to=day + timedelta(days=1)),
    }


def versions(db) -> dict[int, int]:
    db.session.rollback()  # a fresh transaction: what is committed now
    return dict(db.session.execute(select(ReportDataVersion.id, ReportDataVersion.version)).all())


def version(db) -> tuple | None:
    db.session.rollback()  # a fresh transaction: what is committed now
    return current_version()


def attendances(world) -> int:
    return queries.figures(world["filters"])[0].attendances


def test_a_redeem_moves_the_version_and_writes_no_counter_row(client, db, world):
    headers = bearer(db, world["facilitator"])
    body = {"session_id": world["session"].id, "nonce": "warm-up", "ticket": world["tickets"][0]}
    assert post_checkin(client, headers, **body).get_json()["status"] == "ok"  # token now cached and touched
    before = version(db)
    assert before is not None

    with recorded_statements(db.engine) as seen:
        answer = post_checkin(client, headers, **{**body, "nonce": "n-1", "ticket": world["tickets"][1]})
    assert answer.status_code == 200 and answer.get_json()["status"] == "ok"
    assert not [s for s in seen if s.lstrip().startswith("UPDATE report_data_version")]
    after = version(db)
    assert after != before

    # A rescan writes its answer under its nonce, and no check-in: the version stays.
    rescan = post_checkin(client, headers, **{**body, "nonce": "n-2", "ticket": world["tickets"][1]})
    assert rescan.get_json()["status"] == "already_checked_in"
    assert version(db) == after


def test_a_cached_figure_changes_after_a_redeem(client, db, world):
    headers = bearer(db, world["facilitator"])
    db.session.rollback()
    assert attendances(world) == 0
    with recorded_statements(db.engine) as seen:
        assert attendances(world) == 0
    assert not [s for s in seen if "grain" in s]  # served from the cache
    for i, ticket in enumerate(world["tickets"]):
        body = {"session_id": world["session"].id, "nonce": f"c-{i}", "ticket": ticket}
        assert post_checkin(client, headers, **body).get_json()["status"] == "ok"
        db.session.rollback()
        assert attendances(world) == i + 1
    db.session.rollback()
    assert db.session.scalar(text("SELECT count(*) FROM checkins")) == 3


def test_a_check_in_undone_with_its_savepoint_leaves_no_note(db, world):
    db.session.rollback()
    assert attendances(world) == 0  # cached
    notes = db.session.scalar(text("SELECT count(*) FROM report_dirty_people"))
    savepoint = db.session.begin_nested()
    outcome = services.scan(world["session"].id, world["facilitator"], world["tickets"][0], "sp-1")
    assert outcome.allowed and outcome.result.status == "ok"
    savepoint.rollback()
    # Another check-in in the same transaction, without a nonce.
    other = services.check_in(world["session"], world["tickets"][1], None, world["facilitator"], method="search")
    assert other.status == "ok"
    commit(db.session)
    assert db.session.scalar(text("SELECT count(*) FROM report_dirty_people")) == notes + 1
    assert attendances(world) == 1


def _api_scan(session_id, ticket, nonce, user_id):
    outcome = services.scan(session_id, _db.session.get(User, user_id), ticket, nonce)
    assert outcome.allowed
    commit(_db.session)
    return outcome.result.answer.status.value


@pytest.mark.parametrize("same_nonce", [False, True])
def test_scans_at_once_on_one_counter_row(app, db, world, monkeypatch, same_nonce):
    """Eight scans at once, every bump on the same counter row (the worst case for waits): no error (no deadlock),
    one check-in per person, and figures that count them all."""
    monkeypatch.setattr("csi_events.reports.cache.pick_shard", lambda: 0)
    db.session.rollback()
    assert attendances(world) == 0  # cached
    session_id, user_id, tickets = world["session"].id, world["facilitator"].id, world["tickets"]

    def work(i):
        return _api_scan(session_id, tickets[i % 3], "one-nonce" if same_nonce else f"d-{i}", user_id)

    answers, errors = run_concurrently(app, 8, work)
    assert errors == []
    checked_in = db.session.scalar(text("SELECT count(*) FROM checkins"))
    if same_nonce:  # one scan stored its answer; the others got that answer
        assert answers == [answers[0]] * 8 and answers[0] == "ok" and checked_in == 1
    else:
        assert sorted(answers) == ["already_checked_in"] * 5 + ["ok"] * 3 and checked_in == 3
    assert attendances(world) == checked_in


def test_a_redeem_moves_the_whole_year_figures_of_the_rollup(client, db, world):
    """The school-year rollup (reports/rollup.py) sees every redeem, also one committed on its own (PostgreSQL's
    autocommit scan): the trigger notes the person inside the redeem's own statement."""
    from csi_events.reports.filters import school_year_of

    headers = bearer(db, world["facilitator"])
    year = ReportFilters.school_year(school_year_of(world["filters"].date_from + timedelta(days=1)))
    db.session.rollback()
    assert queries.figures(year)[0].attendances == 0
    for i, ticket in enumerate(world["tickets"]):
        body = {"session_id": world["session"].id, "nonce": f"y-{i}", "ticket": ticket}
        assert post_checkin(client, headers, **body).get_json()["status"] == "ok"
        db.session.rollback()
        with recorded_statements(db.engine) as seen:
            summary = queries.figures(year)[0]
        assert (summary.attendances, summary.unique_individuals) == (i + 1, i + 1)
        assert any(s.lstrip().startswith("SELECT") and "report_rollup_figures" in s for s in seen)
        assert not [s for s in seen if "grain" in s]  # the rollup answered, not the SQL path
