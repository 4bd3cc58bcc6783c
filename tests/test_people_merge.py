"""Duplicates and merges: rows move to the survivor, collisions are combined, the merge is audited and
every count follows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from csi_events.errors import Conflict
from csi_events.models import AuditEvent, CheckIn, Person, Registration
from csi_events.people.services import canonical_email, merge_people, plan_merge, suggest_duplicates
from csi_events.reports import queries
from csi_events.reports.filters import ReportFilters
from tests import report_fixture
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_user

YEAR = ReportFilters.school_year(2024)


def test_merge_moves_rows_and_combines_collisions(app, db):
    world = report_fixture.build(merge=False)
    p1, p6 = world.people["p1"], world.people["p6"]
    s1 = world.opps["O1"].sessions[0]
    p6_first = db.session.scalar(select(CheckIn).where(CheckIn.person_id == p6.id, CheckIn.session_id == s1.id))
    assert queries.summary(YEAR).as_dict() == report_fixture.EXPECTED_BEFORE_MERGE

    plan = plan_merge(p1.id, p6.id)
    assert (len(plan.checkins_moved), len(plan.checkins_combined)) == (1, 1)
    assert (len(plan.registrations_moved), len(plan.registrations_combined)) == (1, 1)
    assert db.session.scalar(select(CheckIn.person_id).where(CheckIn.id == p6_first.id)) == p6.id  # preview only

    actor = make_user("staff")
    merge_people(p1.id, p6.id, actor=actor)
    db.session.commit()

    assert db.session.get(Person, p6.id).merged_into_id == p1.id
    assert db.session.scalars(select(CheckIn).where(CheckIn.person_id == p6.id)).all() == []
    assert db.session.scalars(select(Registration).where(Registration.person_id == p6.id)).all() == []
    # One check-in per (session, person): the earliest (p6's) was kept and now belongs to p1.
    at_s1 = db.session.scalars(select(CheckIn).where(CheckIn.session_id == s1.id, CheckIn.person_id == p1.id)).all()
    assert [c.id for c in at_s1] == [p6_first.id]
    assert len(db.session.scalars(select(Registration).where(Registration.person_id == p1.id)).all()) == 3
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "merge"))
    assert event.actor_user_id == actor.id and event.target_id == str(p1.id)
    assert event.details["merged_person_id"] == p6.id
    assert queries.summary(YEAR).as_dict() == report_fixture.EXPECTED_AFTER_MERGE


def test_best_registration_status_is_kept(app, db):
    opp = make_opportunity()
    keep, other = make_person(), make_person()
    make_registration(opp, keep, status="cancelled")
    confirmed = make_registration(opp, other, status="confirmed")
    merge_people(keep.id, other.id)
    db.session.commit()
    regs = db.session.scalars(select(Registration).where(Registration.opportunity_id == opp.id)).all()
    assert [(r.id, r.person_id, r.status) for r in regs] == [(confirmed.id, keep.id, "confirmed")]


def test_an_active_check_in_wins_over_an_earlier_undone_one(app, db):
    opp = make_opportunity()
    session = opp.sessions[0]
    a, b = make_person(), make_person()
    ra, rb = make_registration(opp, a), make_registration(opp, b)
    undone = CheckIn(session_id=session.id, person_id=a.id, registration_id=ra.id, checked_in_at=session.starts_at)
    undone.undone_at = session.starts_at + timedelta(minutes=1)
    active = CheckIn(
        session_id=session.id, person_id=b.id, registration_id=rb.id, checked_in_at=session.starts_at + timedelta(5)
    )
    db.session.add_all([undone, active])
    db.session.flush()
    merge_people(a.id, b.id)
    db.session.commit()
    rows = db.session.scalars(select(CheckIn).where(CheckIn.session_id == session.id)).all()
    assert [(c.id, c.person_id, c.undone_at) for c in rows] == [(active.id, a.id, None)]


def test_chains_are_flattened_and_merged_rows_count_as_the_survivor(app, db):
    world = report_fixture.build(merge=True)
    p1, p2 = world.people["p1"], world.people["p2"]
    # p1 is merged into p2: p6 (merged into p1 before) now points at p2 too.
    merge_people(p2.id, p1.id)
    db.session.commit()
    assert db.session.get(Person, world.people["p6"].id).merged_into_id == p2.id
    after = queries.summary(YEAR)
    assert after.unique_individuals == report_fixture.EXPECTED_AFTER_MERGE["unique_individuals"] - 1
    # O1 S1 and S2 both had p1 and p2: combined, so 2 fewer attendances.
    assert after.attendances == report_fixture.EXPECTED_AFTER_MERGE["attendances"] - 2
    # A row left on a merged person (e.g. written by an old client) counts as the survivor.
    o3 = world.opps["O3"]
    db.session.add(CheckIn(session_id=o3.sessions[1].id, person_id=world.people["p6"].id, method="qr"))
    db.session.commit()
    again = queries.summary(YEAR)
    assert again.attendances == after.attendances + 1
    assert again.unique_individuals == after.unique_individuals
    assert again.attendees == after.attendees + 1  # (p2, O3) is new


def test_merge_refuses_nonsense(app, db):
    a, b = make_person(), make_person()
    with pytest.raises(Conflict):
        plan_merge(a.id, a.id)
    merge_people(a.id, b.id)
    with pytest.raises(Conflict):
        plan_merge(a.id, b.id)


def test_canonical_email():
    assert canonical_email("Ana.Lopez+pd@Example.org") == "analopez@example.org"
    assert canonical_email("analopez@example.org") == "analopez@example.org"
    assert canonical_email(None) is None


def test_duplicate_suggestions(app, db):
    lea, other_lea = make_lea(), make_lea()
    a = make_person("maria.garcia@example.org", lea, first_name="Maria", last_name="Garcia")
    b = make_person("mgarcia@school.org", lea, first_name="maria ", last_name="GARCIA")
    c = make_person("m.a.r.i.a.garcia+x@example.org", other_lea, first_name="M", last_name="G")
    d = make_person("tom@example.org", other_lea, first_name="Tom", last_name="Lee")
    e = make_person("tom.lee@elsewhere.org", None, first_name="Tom", last_name="Lee")
    make_person("unrelated@example.org", lea, first_name="Zed", last_name="Zed")
    merged = make_person("old@example.org", lea, first_name="Maria", last_name="Garcia")
    merged.merged_into_id = a.id
    db.session.flush()
    groups = {(g.reason, tuple(p.id for p in g.people)) for g in suggest_duplicates()}
    assert ("same_name_lea", (a.id, b.id)) in groups
    assert ("email_variant", (a.id, c.id)) in groups
    assert ("same_name", (d.id, e.id)) in groups
    assert all(merged.id not in ids for _r, ids in groups)
    assert len(groups) == 3


def test_merge_pages(app, db, client, login):
    world = report_fixture.build(merge=False)
    login(make_user("staff"))
    p1, p6 = world.people["p1"], world.people["p6"]
    page = client.get("/staff/people/duplicates").get_data(as_text=True)
    assert f"/staff/people/merge?survivor={p1.id}&amp;merged={p6.id}" in page
    preview = client.get(f"/staff/people/merge?survivor={p1.id}&merged={p6.id}")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Check-ins at the same session, combined into one (the earliest is kept): 1" in html
    assert db.session.get(Person, p6.id).merged_into_id is None
    response = client.post("/staff/people/merge", data={"survivor_id": p1.id, "merged_id": p6.id})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/people/{p1.id}")
    db.session.expire_all()
    assert db.session.get(Person, p6.id).merged_into_id == p1.id
    again = client.post("/staff/people/merge", data={"survivor_id": p1.id, "merged_id": p6.id})
    assert again.status_code == 409
    assert client.get(f"/staff/people/{p6.id}").status_code == 302  # the merged person leads to the survivor
    body = client.get("/api/v1/reports/summary?from=2024-07-01&to=2025-06-30").get_json()
    assert body["unique_individuals"] == report_fixture.EXPECTED_AFTER_MERGE["unique_individuals"]


def test_people_pages_need_staff(app, client, login):
    assert client.get("/staff/people/duplicates").status_code in (302, 401)
    login(make_user("facilitator"))
    assert client.get("/staff/people/duplicates").status_code == 403
    assert client.get("/staff/reports").status_code == 403
