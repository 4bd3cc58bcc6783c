"""The audit trail: the page (staff/admin, filters, pagination, escaping) and that the sensitive actions of
every feature leave an event."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from csi_events.audit.models import AuditEvent
from csi_events.audit.services import record
from csi_events.auth.services import create_api_token
from csi_events.checkin.models import CheckIn
from csi_events.db import utcnow
from tests.factories import make_opportunity, make_person, make_registration, make_user


def _actions(db, **where) -> list[str]:
    stmt = select(AuditEvent.action).order_by(AuditEvent.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(stmt))


def test_audit_page_filters_by_action_actor_and_date_and_paginates(client, db, login):
    staff = make_user("staff", email="reader@example.org")
    other = make_user("admin", email="other@example.org")
    for i in range(55):
        record("role_changed", actor=other, target=staff, n=i)
    old = record("token_revoked", actor=staff)
    old.at = utcnow() - timedelta(days=40)
    record("person_exported", actor=staff, note="<script>alert(1)</script>")
    db.session.commit()
    login(staff)

    page1 = client.get("/staff/audit?action=role_changed").get_data(as_text=True)
    assert "55 events" in page1 and "Page 1 of 2" in page1 and "token_revoked</td>" not in page1
    page2 = client.get("/staff/audit?action=role_changed&page=2").get_data(as_text=True)
    assert page2.count("<td>role_changed</td>") == 5

    mine = client.get("/staff/audit?actor=reader@example.org").get_data(as_text=True)
    assert "role_changed</td>" not in mine and "person_exported" in mine
    by_id = client.get(f"/staff/audit?actor={other.id}").get_data(as_text=True)
    assert "55 events" in by_id

    since = (utcnow() - timedelta(days=2)).date().isoformat()
    recent = client.get(f"/staff/audit?from={since}").get_data(as_text=True)
    assert "token_revoked</td>" not in recent and "person_exported" in recent
    until = (utcnow() - timedelta(days=30)).date().isoformat()
    older = client.get(f"/staff/audit?to={until}").get_data(as_text=True)
    assert "token_revoked" in older and "person_exported</td>" not in older

    # free text in details shows as text, never as markup
    assert "<script>alert(1)</script>" not in mine and "&lt;script&gt;" in mine
    # malformed filters do not break the page
    assert client.get("/staff/audit?from=not-a-date&page=abc").status_code == 200


def test_audit_page_is_for_staff_and_admin_only(client, db, login):
    login(make_user("facilitator"))
    assert client.get("/staff/audit").status_code == 403


def test_logins_success_and_failure_are_recorded(client, db):
    user = make_user("staff")
    db.session.commit()
    client.post("/auth/login", data={"email": user.email, "password": "wrong one"})
    client.post("/auth/login", data={"email": user.email, "password": "correct horse battery"})
    assert _actions(db) == ["login_failed", "login"]


def test_checkin_undo_is_recorded(client, db):
    staff = make_user("staff")
    opp = make_opportunity(starts_at=utcnow() + timedelta(minutes=10))
    person = make_person()
    reg = make_registration(opp, person)
    checkin = CheckIn(session=opp.sessions[0], person=person, registration=reg, method="qr")
    db.session.add(checkin)
    token = create_api_token(staff, ["checkin"])
    db.session.commit()
    response = client.delete(f"/api/v1/checkins/{checkin.id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "checkin_undone" in _actions(db, actor_user_id=staff.id)


def test_roster_export_is_recorded(client, db, login):
    staff = make_user("staff")
    opp = make_opportunity()
    make_registration(opp)
    db.session.commit()
    login(staff)
    assert client.get(f"/staff/opportunities/{opp.id}/roster.csv").status_code == 200
    assert "roster_exported" in _actions(db, actor_user_id=staff.id)


def test_merge_is_recorded(db):
    from csi_events.people.services import merge_people

    staff = make_user("staff")
    survivor = make_person(email="a@example.org")
    duplicate = make_person(email="a.dup@example.org")
    merge_people(survivor.id, duplicate.id, actor=staff)
    db.session.commit()
    assert "merge" in _actions(db, actor_user_id=staff.id)
