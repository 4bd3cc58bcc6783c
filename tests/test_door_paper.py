"""Paper check-in afterwards: ticked people are checked in through the check-in service (method paper, who
recorded it, the session's start as the attendance time), walk-in rows through the walk-in service, the bulk API,
and paper check-ins counting in every report exactly as scans do (the hand-counted fixture with some of its
check-ins re-recorded on paper gives the same figures)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from csi_events.checkin.services import check_in
from csi_events.db import utcnow
from csi_events.door import paper
from csi_events.extensions import db
from csi_events.models import AuditEvent, CheckIn, Person, Registration
from csi_events.reports import figures as figures_module
from csi_events.reports import queries
from csi_events.reports.filters import ReportFilters
from tests import report_fixture
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user

YEAR = {"from": "2024-07-01", "to": "2025-06-30"}


def _past_session(facilitator=None):
    """A session that ended yesterday (its check-in window is closed)."""
    opp = make_opportunity(starts_at=utcnow() - timedelta(days=1), facilitators=[facilitator] if facilitator else [])
    return opp, opp.sessions[0]


def test_marking_selected_people_present_checks_them_in_as_paper(app, db, client, login):
    facilitator = make_user("facilitator")
    opp, session = _past_session(facilitator)
    ana, ben, cai = (make_registration(opp) for _ in range(3))
    waiting = make_registration(opp, status="waitlisted")
    db.session.commit()
    login(facilitator)
    page = client.get(f"/staff/door/sessions/{session.id}/paper")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'name="registration_id" value="{ana.id}"' in html and "Mark selected as present" in html

    form = {"registration_id": [str(ana.id), str(ben.id), str(waiting.id)]}
    response = client.post(f"/staff/door/sessions/{session.id}/paper", data=form)
    assert response.status_code == 303
    rows = db.session.scalars(select(CheckIn).where(CheckIn.session_id == session.id)).all()
    assert {r.registration_id for r in rows} == {ana.id, ben.id}
    for row in rows:
        assert row.method == "paper"
        assert row.by_user_id == facilitator.id
        assert row.checked_in_at == session.starts_at
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "paper_checkins_recorded"))
    assert event.actor_user_id == facilitator.id
    assert sorted(event.details["checked_in"]) == sorted([ana.id, ben.id])
    assert event.details["refused"] == [{"id": waiting.id, "status": "waitlisted"}]
    # Again: nobody is checked in twice.
    client.post(f"/staff/door/sessions/{session.id}/paper", data={"registration_id": [str(ana.id), str(cai.id)]})
    assert db.session.scalar(select(CheckIn).where(CheckIn.registration_id == ana.id)).method == "paper"
    assert len(db.session.scalars(select(CheckIn).where(CheckIn.session_id == session.id)).all()) == 3


def test_another_facilitator_cannot_mark_anyone(app, db, client, login):
    opp, session = _past_session(make_user("facilitator"))
    reg = make_registration(opp)
    other = make_user("facilitator")
    db.session.commit()
    login(other)
    response = client.post(f"/staff/door/sessions/{session.id}/paper", data={"registration_id": [str(reg.id)]})
    assert response.status_code == 403
    assert db.session.scalar(select(CheckIn)) is None


def test_walk_in_rows_are_registered_and_checked_in(app, db, client, login):
    lea = make_lea(name="Harbor Unified", cd_code="1964733")
    school = make_school(lea, name="Bayview Elementary", cds_code="19647330000001")
    staff = make_user("staff")
    opp, session = _past_session()
    db.session.commit()
    login(staff)
    data = {
        "w-rows-0-first_name": "Maya",
        "w-rows-0-last_name": "Lopez",
        "w-rows-0-email": "maya@example.org",
        "w-rows-0-lea": "Harbor Unified (1964733)",
        "w-rows-0-school": "Bayview Elementary (19647330000001)",
        "w-rows-0-role": "teacher",
        "w-rows-1-first_name": "Leo",
        "w-rows-1-last_name": "Park",
        "w-rows-1-email": "leo@example.org",
        "w-rows-1-lea": "1964733",
        "w-rows-1-role": "",
    }
    response = client.post(f"/staff/door/sessions/{session.id}/paper/walk-ins", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    maya = db.session.scalar(select(Person).where(Person.email == "maya@example.org"))
    assert (maya.lea_id, maya.school_id, maya.role) == (lea.id, school.id, "teacher")
    rows = db.session.scalars(select(CheckIn).where(CheckIn.session_id == session.id)).all()
    assert len(rows) == 2
    assert all(r.method == "paper" and r.by_user_id == staff.id for r in rows)  # told apart from door walk-ins
    assert all(r.checked_in_at == session.starts_at for r in rows)
    regs = db.session.scalars(select(Registration).where(Registration.opportunity_id == opp.id)).all()
    assert {r.source for r in regs} == {"walk_in"}


def test_a_bad_walk_in_row_stores_nothing(app, db, client, login):
    login(make_user("staff"))
    _opp, session = _past_session()
    db.session.commit()
    data = {
        "w-rows-0-first_name": "Maya",
        "w-rows-0-last_name": "Lopez",
        "w-rows-0-email": "maya@example.org",
        "w-rows-1-first_name": "Leo",  # no last name, no e-mail
        "w-rows-2-first_name": "Ann",
        "w-rows-2-last_name": "Ames",
        "w-rows-2-email": "ann@example.org",
        "w-rows-2-lea": "No Such District",
    }
    response = client.post(f"/staff/door/sessions/{session.id}/paper/walk-ins", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Required for a walk-in." in html
    assert db.session.scalar(select(Person)) is None
    assert db.session.scalar(select(CheckIn)) is None


def test_bulk_api(app, db, client):
    from csi_events.auth.services import create_api_token

    facilitator = make_user("facilitator")
    opp, session = _past_session(facilitator)
    ana, ben = make_registration(opp), make_registration(opp)
    cancelled = make_registration(opp, status="cancelled")
    elsewhere = make_registration(make_opportunity())
    token = create_api_token(facilitator, ["checkin"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/sessions/{session.id}/checkins/bulk"
    ids = [ana.id, ben.id, cancelled.id, elsewhere.id, 999999]
    body = client.post(url, json={"registration_ids": ids, "method": "paper"}, headers=headers).get_json()
    assert body == {
        "checked_in": 2,
        "already": 0,
        "refused": [
            {"id": cancelled.id, "status": "canceled"},
            {"id": elsewhere.id, "status": "wrong_session"},
            {"id": 999999, "status": "invalid"},
        ],
    }
    again = client.post(url, json={"registration_ids": [ana.id]}, headers=headers).get_json()
    assert again == {"checked_in": 0, "already": 1, "refused": []}
    rows = db.session.scalars(select(CheckIn)).all()
    assert {(r.registration_id, r.method, r.by_user_id) for r in rows} == {
        (ana.id, "paper", facilitator.id),
        (ben.id, "paper", facilitator.id),
    }
    bad = client.post(url, json={"registration_ids": [ana.id], "method": "qr"}, headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"]
    empty = client.post(url, json={"registration_ids": []}, headers=headers)
    assert empty.status_code == 422


def _repaper(world, staff, keys):
    """Take the fixture's check-ins of these sessions away and record them again on paper, through the service."""
    for key in keys:
        session = world.sessions[key]
        rows = db_rows(session.id)
        registration_ids = [r.registration_id for r in rows]
        for row in rows:
            db.session.delete(row)
        db.session.flush()
        outcome = paper.mark_present(session, registration_ids, staff)
        assert sorted(outcome.checked_in) == sorted(registration_ids), key
    db.session.commit()


def db_rows(session_id):
    return db.session.scalars(
        select(CheckIn).where(CheckIn.session_id == session_id, CheckIn.undone_at.is_(None))
    ).all()


def test_paper_check_ins_count_in_every_report_as_scans_do(app, client, login):
    world = report_fixture.build()
    staff = make_user("staff")
    db.session.commit()
    _repaper(world, staff, ("O1S2", "O2S1", "O3S2", "O3S3"))
    assert db.session.scalar(select(CheckIn).where(CheckIn.method == "paper")) is not None
    # the rollup path, the SQL path, the summary API and the dashboard page
    summary, found = figures_module._compute_figures(ReportFilters.school_year(2024), tuple(queries.SPLITS))
    assert summary.as_dict() == report_fixture.EXPECTED_AFTER_MERGE
    assert {r.key: r.attendances for r in found["month"] if r.attendances} == report_fixture.EXPECTED_BY_MONTH
    app.config["REPORT_ROLLUP"] = False
    try:
        sql_summary, sql_found = figures_module._compute_figures(ReportFilters.school_year(2024), tuple(queries.SPLITS))
    finally:
        app.config["REPORT_ROLLUP"] = True
    assert (sql_summary, sql_found) == (summary, found)
    login(staff)
    body = client.get("/api/v1/reports/summary", query_string=YEAR).get_json()
    for name, value in report_fixture.EXPECTED_AFTER_MERGE.items():
        assert body[name] == value, name
    lea_body = client.get("/api/v1/reports/summary", query_string={**YEAR, "lea": "1900001"}).get_json()
    assert {k: lea_body[k] for k in report_fixture.EXPECTED_LEA_A} == report_fixture.EXPECTED_LEA_A
    held = client.get("/api/v1/reports/summary", query_string={**YEAR, "subregion_basis": "opportunity"}).get_json()
    subs = {s["subregion"]: (s["attendances"], s["unique_individuals"]) for s in held["by_subregion"]}
    assert subs == report_fixture.EXPECTED_BY_SUBREGION


def test_paper_and_qr_give_the_same_person_history(app):
    opp, session = _past_session()
    scanned, papered = make_person(), make_person()
    reg_scanned, reg_papered = make_registration(opp, scanned), make_registration(opp, papered)
    staff = make_user("staff")
    check_in(session, reg_scanned.ticket, None, staff, method="qr", now=session.starts_at)
    paper.mark_present(session, [reg_papered.id], staff)
    db.session.commit()
    a, b = queries.person_history(scanned.id), queries.person_history(papered.id)
    assert [(r.session_id, queries.round_hours(r.pd_hours)) for r in a.attendances] == [
        (r.session_id, queries.round_hours(r.pd_hours)) for r in b.attendances
    ]
    assert len(b.attendances) == 1 and b.attendances[0].method == "paper"
