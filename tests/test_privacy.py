"""Privacy: a person's data export (page and API), erasure that keeps anonymous attendance, retention purge."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from csi_events.attendance.models import Certificate
from csi_events.attendance.services import issue_certificate
from csi_events.audit.models import AuditEvent
from csi_events.audit.services import record
from csi_events.auth.services import create_api_token
from csi_events.checkin.models import CheckIn
from csi_events.db import utcnow
from csi_events.models import Person, Registration
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user


def _attended(db, person, opp, *, at=None, needs="ASL interpreter"):
    reg = make_registration(opp, person, needs=needs)
    checkin = CheckIn(session=opp.sessions[0], person=person, registration=reg, method="qr")
    if at is not None:
        reg.created_at = at
        checkin.checked_in_at = at
    db.session.add(checkin)
    db.session.flush()
    return reg


def test_privacy_notice_is_public(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    assert "What we keep" in response.get_data(as_text=True)


def test_staff_export_has_everything_and_is_audited(client, db, login):
    lea = make_lea()
    person = make_person(
        email="ana@example.org", lea=lea, school=make_school(lea), organization="PTA", needs="Large print"
    )
    opp = make_opportunity(title="Family Nights")
    _attended(db, person, opp)
    staff = make_user("staff")
    db.session.commit()
    login(staff)
    response = client.get(f"/staff/people/{person.id}/privacy/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["person"]["email"] == "ana@example.org" and data["person"]["needs"] == "Large print"
    assert data["registrations"][0]["opportunity"]["title"] == "Family Nights"
    assert data["registrations"][0]["needs"] == "ASL interpreter"
    assert len(data["attendance"]) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person_exported"))
    assert event.actor_user_id == staff.id and event.target_id == str(person.id)


def test_api_export_needs_read_scope(client, db):
    person = make_person()
    read = create_api_token(make_user("staff"), ["read"])
    checkin_only = create_api_token(make_user("facilitator"), ["checkin"])
    db.session.commit()
    url = f"/api/v1/people/{person.id}/export"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {checkin_only}"}).status_code == 403
    response = client.get(url, headers={"Authorization": f"Bearer {read}"})
    assert response.status_code == 200 and response.get_json()["person"]["id"] == person.id


def test_erasure_removes_identity_and_keeps_anonymous_attendance(client, db, login):
    lea = make_lea()
    person = make_person(
        email="erase.me@example.org", first_name="Maria", last_name="Lopez", lea=lea, organization="PTA", needs="Ramp"
    )
    opp = make_opportunity()
    reg = _attended(db, person, opp)
    number = issue_certificate(person, opp.id).number
    old_ticket = reg.ticket
    record("login_failed", email="erase.me@example.org", reason="password")
    staff = make_user("staff")
    db.session.commit()
    checkins_before = db.session.scalar(select(func.count()).select_from(CheckIn))
    login(staff)
    assert client.post(f"/staff/people/{person.id}/privacy/erase", data={}).status_code == 422  # needs the confirm
    response = client.post(f"/staff/people/{person.id}/privacy/erase", data={"confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    erased = db.session.get(Person, person.id)
    assert erased.email is None and erased.first_name == "Erased" and erased.last_name == ""
    assert erased.needs is None and erased.organization is None and erased.erased_at is not None
    assert erased.lea_id == lea.id  # kept: "LEAs reached" stays right
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == checkins_before
    reg = db.session.get(Registration, reg.id)
    assert reg.needs is None and reg.ticket != old_ticket and reg.status == "confirmed"
    assert client.get(f"/t/{old_ticket}").status_code == 404
    details = " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
    assert "erase.me@example.org" not in details and "Maria" not in details
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person_erased")).actor_user_id == staff.id
    # Their certificate names nobody any more: the verification page says it was erased, and nothing else.
    assert db.session.scalar(select(Certificate.person_name).where(Certificate.number == number)) is None
    page = client.get(f"/verify/{number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 410 and "Certificate erased" in html and number in html
    assert "Maria" not in html and "Lopez" not in html and opp.title not in html


def test_purge_inactive_cli_erases_only_the_long_inactive_and_is_idempotent(app, db):
    long_ago = utcnow() - timedelta(days=365 * 4)
    old = make_person(email="old@example.org", created_at=long_ago, updated_at=long_ago)
    _attended(db, old, make_opportunity(), at=long_ago)
    recent = make_person(email="recent@example.org", created_at=long_ago, updated_at=long_ago)
    _attended(db, recent, make_opportunity(), at=utcnow() - timedelta(days=30))
    new = make_person(email="new@example.org")
    db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["people", "purge-inactive", "--years", "3", "--dry-run"])
    assert dry.exit_code == 0 and dry.output.startswith("1 ")
    db.session.expire_all()
    assert db.session.get(Person, old.id).email == "old@example.org"
    result = runner.invoke(args=["people", "purge-inactive", "--years", "3"])
    assert result.exit_code == 0, result.output
    assert "Erased the identity of 1 people" in result.output
    db.session.expire_all()
    assert db.session.get(Person, old.id).email is None
    assert db.session.get(Person, recent.id).email == "recent@example.org"
    assert db.session.get(Person, new.id).email == "new@example.org"
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.person_id == old.id)) == 1
    again = runner.invoke(args=["people", "purge-inactive", "--years", "3"])
    assert again.exit_code == 0 and "of 0 people" in again.output
