"""The school-year rollup (reports/rollup.py) gives exactly the SQL path's figures, whatever changed and by
whichever path: services, the ORM, raw SQL; check-ins, undos, merges, moves, people's places, opportunities'
status, subregion, kind, modality and topics, sessions moved across months and school years."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text, update

from csi_events.db import commit
from csi_events.extensions import db
from csi_events.models import (
    CheckIn,
    LearningOpportunity,
    OpportunityTopic,
    Person,
    ReportDirtyPerson,
    ReportPersonRollup,
    ReportRollupFigure,
    Session,
)
from csi_events.people.services import merge_people
from csi_events.reports import figures as figures_module
from csi_events.reports import queries, rollup
from csi_events.reports.filters import ReportFilters
from tests import report_fixture
from tests.factories import make_person
from tests.sql_trace import recorded_statements

YEARS = (2023, 2024, 2025)


def statements():
    return recorded_statements(db.engine)


def via_rollup(app, year: int, splits=queries.SPLITS):
    """The figures computed now through the rollup (never from the figures cache), checking that it was used."""
    with statements() as seen:
        found = figures_module._compute_figures(ReportFilters.school_year(year), tuple(splits))
    assert any("report_rollup_figures" in s and s.lstrip().upper().startswith("SELECT") for s in seen)
    assert not any("grain" in s for s in seen)
    return found


def via_sql(app, year: int, splits=queries.SPLITS):
    app.config["REPORT_ROLLUP"] = False
    try:
        with statements() as seen:
            found = figures_module._compute_figures(ReportFilters.school_year(year), tuple(splits))
        assert any("grain" in s for s in seen)
        return found
    finally:
        app.config["REPORT_ROLLUP"] = True


def assert_same(app, years=YEARS):
    for year in years:
        assert via_rollup(app, year) == via_sql(app, year), f"school year {year}"


def test_hand_counted_fixture_through_the_rollup(app):
    report_fixture.build(merge=True)
    summary, found = via_rollup(app, 2024)
    assert summary.as_dict() == report_fixture.EXPECTED_AFTER_MERGE
    assert {r.key: r.attendances for r in found["month"] if r.attendances} == report_fixture.EXPECTED_BY_MONTH
    assert {r.key: (r.attendances, r.unique_individuals) for r in found["subregion"]} == (
        report_fixture.EXPECTED_BY_SUBREGION
    )
    by_people = {r.key: (r.attendances, r.attendees, r.unique_individuals) for r in found["people_subregion"]}
    assert by_people == report_fixture.EXPECTED_BY_PEOPLE_SUBREGION
    assert_same(app)
    # The public entry point (the dashboard, the summary API) takes the same path.
    assert queries.figures(ReportFilters.school_year(2024), queries.SPLITS) == (summary, found)


def test_only_changed_people_are_recomputed(app):
    world = report_fixture.build(merge=False)
    via_rollup(app, 2024)
    assert db.session.scalar(select(func.count()).select_from(ReportDirtyPerson)) == 0
    shares_before = db.session.scalar(select(func.count()).select_from(ReportPersonRollup))
    p2 = world.people["p2"]
    db.session.execute(
        update(CheckIn)
        .where(CheckIn.person_id == p2.id, CheckIn.session_id == world.sessions["O1S2"].id)
        .values(undone_at=world.sessions["O1S2"].starts_at)
    )
    commit(db.session)
    assert db.session.scalars(select(ReportDirtyPerson.person_id)).all() == [p2.id]
    with db.engine.begin() as conn:
        assert rollup.refresh(conn) == 1
    assert db.session.scalar(select(func.count()).select_from(ReportPersonRollup)) == shares_before
    summary, _found = via_rollup(app, 2024)
    assert summary.attendances == report_fixture.EXPECTED_BEFORE_MERGE["attendances"] - 1
    assert_same(app)


def test_a_rolled_back_change_leaves_no_note_and_no_trace(app):
    world = report_fixture.build(merge=True)
    before = via_rollup(app, 2024)
    db.session.add(CheckIn(session_id=world.sessions["O2S1"].id, person_id=world.people["p2"].id, method="qr"))
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(ReportDirtyPerson)) == 1  # noted in the same statement
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ReportDirtyPerson)) == 0
    assert via_rollup(app, 2024) == before


def test_a_session_that_has_written_sees_its_own_change(app):
    """An uncommitted change of the viewing transaction is counted (the SQL path), as before the rollup."""
    world = report_fixture.build(merge=True)
    db.session.add(CheckIn(session_id=world.sessions["O2S1"].id, person_id=world.people["p2"].id, method="qr"))
    db.session.flush()
    summary = queries.summary(ReportFilters.school_year(2024))
    assert summary.attendances == report_fixture.EXPECTED_AFTER_MERGE["attendances"] + 1
    db.session.rollback()


def test_rebuild_from_scratch_gives_the_same_sums(app):
    report_fixture.build(merge=True)
    expected = via_rollup(app, 2024)
    sums = db.session.execute(
        select(ReportRollupFigure).order_by(
            ReportRollupFigure.school_year, ReportRollupFigure.split, ReportRollupFigure.key
        )
    )
    before = [(r.school_year, r.split, r.key, r.attendances, r.attendees, r.individuals) for r in sums.scalars()]
    db.session.execute(update(ReportRollupFigure).values(attendances=ReportRollupFigure.attendances + 7))
    commit(db.session)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "rollup", "--rebuild"])
    assert result.exit_code == 0, result.output
    assert "Recomputed the figures of 7 people" in result.output  # p1..p5, p7, and p6's survivor p1; p8 undone
    sums = db.session.execute(
        select(ReportRollupFigure).order_by(
            ReportRollupFigure.school_year, ReportRollupFigure.split, ReportRollupFigure.key
        )
    )
    assert [
        (r.school_year, r.split, r.key, r.attendances, r.attendees, r.individuals) for r in sums.scalars()
    ] == before
    assert via_rollup(app, 2024) == expected


# --- random changes by every path ------------------------------------------------------------------
class Mutator:
    def __init__(self, world, rng: random.Random):
        self.world = world
        self.rng = rng
        self.people = list(world.people.values()) + [make_person(lea=world.leas["C"]) for _ in range(3)]
        self.sessions = list(world.sessions.values())
        self.opps = list(world.opps.values())

    def run(self) -> str:
        name = self.rng.choice(
            [
                "check_in",
                "check_in",
                "check_in",
                "undo",
                "redo",
                "delete_checkin",
                "move_checkin",
                "merge",
                "place",
                "status",
                "opportunity_field",
                "topics",
                "move_session",
                "raw_sql",
            ]
        )
        getattr(self, name)()
        return name

    def _checkin(self, active: bool | None = None) -> CheckIn | None:
        stmt = select(CheckIn)
        if active is True:
            stmt = stmt.where(CheckIn.undone_at.is_(None))
        elif active is False:
            stmt = stmt.where(CheckIn.undone_at.is_not(None))
        rows = db.session.scalars(stmt.order_by(CheckIn.id)).all()
        return self.rng.choice(rows) if rows else None

    def check_in(self):
        person, session = self.rng.choice(self.people), self.rng.choice(self.sessions)
        exists = db.session.scalar(select(CheckIn.id).filter_by(session_id=session.id, person_id=person.id))
        if exists is None:
            db.session.add(CheckIn(session_id=session.id, person_id=person.id, method="search"))

    def undo(self):
        ci = self._checkin(active=True)
        if ci is not None:
            ci.undone_at = ci.checked_in_at + timedelta(minutes=1)

    def redo(self):
        ci = self._checkin(active=False)
        if ci is not None:
            ci.undone_at = None

    def delete_checkin(self):
        ci = self._checkin()
        if ci is not None:
            db.session.execute(delete(CheckIn).where(CheckIn.id == ci.id))

    def move_checkin(self):
        ci, person = self._checkin(), self.rng.choice(self.people)
        taken = ci is None or db.session.scalar(
            select(CheckIn.id).filter_by(session_id=ci.session_id, person_id=person.id)
        )
        if not taken:
            db.session.execute(update(CheckIn).where(CheckIn.id == ci.id).values(person_id=person.id))

    def merge(self):
        live = [p for p in self.people if p.merged_into_id is None]
        if len(live) > 2:
            survivor, merged = self.rng.sample(live, 2)
            merge_people(survivor.id, merged.id)

    def place(self):
        person = self.rng.choice(self.people)
        school = self.rng.choice([*self.world.schools.values(), None])
        person.school_id = school.id if school else None
        person.lea_id = school.lea_id if school else self.rng.choice([self.world.leas["B"].id, None])

    def status(self):
        opp = self.rng.choice(self.opps)
        opp.status = self.rng.choice(["published", "archived", "draft", "cancelled"])

    def opportunity_field(self):
        opp = self.rng.choice(self.opps)
        field, value = self.rng.choice(
            [
                ("subregion", self.rng.choice([None, 1, 2, 4])),
                ("kind", self.rng.choice(["workshop", "webinar", "convening"])),
                ("modality", self.rng.choice(["in_person", "virtual", "hybrid"])),
            ]
        )
        setattr(opp, field, value)

    def topics(self):
        opp = self.rng.choice(self.opps)
        topic = self.rng.choice(["extended_learning", "family_community_engagement", "collaborative_leadership"])
        row = db.session.get(OpportunityTopic, (opp.id, topic))
        if row is None:
            db.session.add(OpportunityTopic(opportunity_id=opp.id, topic=topic))
        else:
            db.session.delete(row)

    def move_session(self):
        session = self.rng.choice(self.sessions)
        # Across months, and across a school year's edge (June 30 / July 1, local time).
        session.starts_at = self.rng.choice(
            [report_fixture.at(2024, 6, 30), report_fixture.at(2024, 7, 1), report_fixture.at(2025, 2, 28)]
        ) + timedelta(hours=self.rng.choice([0, 8]))
        session.ends_at = session.starts_at + timedelta(hours=2)

    def raw_sql(self):
        opp = self.rng.choice(self.opps)
        db.session.execute(
            text("UPDATE opportunities SET subregion = :s WHERE id = :id"), {"s": self.rng.randint(1, 8), "id": opp.id}
        )


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_changes_keep_the_rollup_exact(app, seed):
    world = report_fixture.build(merge=False)
    db.session.add_all([Session(opportunity_id=world.opps["O1"].id, starts_at=report_fixture.at(2025, 9, 2),
                                ends_at=report_fixture.at(2025, 9, 2) + timedelta(hours=2))])  # fmt: skip
    commit(db.session)
    assert_same(app)
    mutator = Mutator(world, random.Random(seed))
    done = []
    for _batch in range(12):
        for _ in range(4):
            done.append(mutator.run())
        commit(db.session)
        for year in YEARS:
            assert via_rollup(app, year) == via_sql(app, year), f"after {done}"
    assert {"check_in", "merge", "status"} <= set(done) or len(set(done)) >= 8


def test_check_ins_while_refreshing_are_counted_once(app):
    """Writers and refreshers at once (PostgreSQL: real concurrency; SQLite: serialized by its write lock): at the
    end the rollup equals the SQL path, with every check-in counted exactly once."""
    world = report_fixture.build(merge=True)
    people = [make_person(lea=world.leas["A"]).id for _ in range(40)]
    sessions = [s.id for s in world.sessions.values() if s.opportunity.status == "published"]
    commit(db.session)
    errors: list[BaseException] = []

    def writer(chunk):
        try:
            with app.app_context():
                for pid in chunk:
                    for sid in sessions[:3]:
                        with db.engine.begin() as conn:
                            conn.execute(CheckIn.__table__.insert().values(session_id=sid, person_id=pid, method="qr"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def refresher():
        try:
            with app.app_context():
                for _ in range(15):
                    with db.engine.begin() as conn:
                        rollup.refresh(conn)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(people[i::4],)) for i in range(4)]
    threads += [threading.Thread(target=refresher) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    summary, _found = via_rollup(app, 2024)
    in_year = [s for s in sessions[:3] if report_fixture.at(2024, 7, 1) <= db.session.get(Session, s).starts_at]
    assert summary.attendances == report_fixture.EXPECTED_AFTER_MERGE["attendances"] + 40 * len(in_year)
    assert_same(app)


def test_people_without_check_ins_are_not_stored(app):
    world = report_fixture.build(merge=True)
    via_rollup(app, 2024)
    stored = set(db.session.scalars(select(ReportPersonRollup.person_id)))
    assert world.people["p8"].id not in stored  # only an undone check-in
    assert world.people["p6"].id not in stored  # merged into p1
    assert {world.people[k].id for k in ("p1", "p2", "p3", "p4", "p5", "p7")} <= stored
    opp = db.session.get(LearningOpportunity, world.opps["O5"].id)
    assert db.session.scalar(select(func.count()).select_from(ReportPersonRollup).where(
        ReportPersonRollup.school_year == 2023)) == 1  # fmt: skip
    opp.status = "cancelled"
    commit(db.session)
    via_rollup(app, 2024)
    assert (
        db.session.scalar(
            select(func.count()).select_from(ReportPersonRollup).where(ReportPersonRollup.school_year == 2023)
        )
        == 0
    )
    assert db.session.get(Person, world.people["p2"].id) is not None


def test_a_person_moving_school_moves_the_places_reached(app):
    world = report_fixture.build(merge=True)
    assert via_rollup(app, 2024)[0].schools == 4
    p4 = db.session.get(Person, world.people["p4"].id)  # the only attendee of LEA C and school C1
    p4.school_id = None
    p4.lea_id = None
    commit(db.session)
    summary, _found = via_rollup(app, 2024)
    assert (summary.leas, summary.schools) == (2, 3)
    db.session.execute(
        text("UPDATE people SET lea_id = :lea, school_id = :school WHERE id = :id"),
        {"lea": world.leas["C"].id, "school": world.schools["C1"].id, "id": p4.id},
    )
    commit(db.session)
    summary, _found = via_rollup(app, 2024)
    assert (summary.leas, summary.schools) == (3, 4)
    assert_same(app)


def test_catching_up_in_small_steps_gives_the_same_figures(app):
    report_fixture.build(merge=True)
    expected = via_sql(app, 2024)
    assert db.session.scalar(select(func.count()).select_from(ReportDirtyPerson)) > 3
    assert rollup.catch_up(app, notes_per_step=2) >= 7  # a person noted in two steps is recomputed twice
    assert db.session.scalar(select(func.count()).select_from(ReportDirtyPerson)) == 0
    assert via_rollup(app, 2024) == expected


def test_too_many_notes_for_a_view_answer_from_sql_while_a_thread_catches_up(app):
    report_fixture.build(merge=True)
    expected = via_sql(app, 2024)
    app.config["REPORT_ROLLUP_INLINE_NOTES"] = 3
    try:
        with statements() as seen:
            found = figures_module._compute_figures(ReportFilters.school_year(2024), queries.SPLITS)
        assert found == expected
        assert any("grain" in s for s in seen)  # the SQL path answered
        for _ in range(200):  # the background thread works through the notes
            if not rollup._catching_up.locked():
                break
            threading.Event().wait(0.05)
        assert not rollup._catching_up.locked()
        assert db.session.scalar(select(func.count()).select_from(ReportDirtyPerson)) == 0
        assert via_rollup(app, 2024) == expected
    finally:
        app.config.pop("REPORT_ROLLUP_INLINE_NOTES")
