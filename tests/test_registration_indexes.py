"""The confirmed count in every check-in answer reads an index alone (SQLite's plan says so)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from csi_events.registrations.models import Registration


def test_the_confirmed_count_of_an_opportunity_is_read_from_a_covering_index(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner picks by table size; the plan of a tiny test table says nothing")
    count = (
        select(func.count())
        .select_from(Registration)
        .where(Registration.opportunity_id == 1, Registration.status == "confirmed")
    )
    sql = str(count.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "USING COVERING INDEX ix_registrations_opportunity_status" in plan, plan
