"""The kiosk: a device link for one session, no staff sign-in, answers with a first name at most, cannot reach the
roster or any other session, ends with the check-in window or when revoked, and is rate-limited."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from csi_events import create_app
from csi_events.db import utcnow
from csi_events.door.kiosk import open_kiosk
from csi_events.models import AuditEvent, CheckIn, KioskLink
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user


def _world():
    lea = make_lea(name="Harbor Unified")
    school = make_school(lea, name="Bayview Elementary")
    facilitator = make_user("facilitator")
    opp = make_opportunity(
        title="Spring Convening", starts_at=utcnow() + timedelta(minutes=20), facilitators=[facilitator]
    )
    session = opp.sessions[0]
    maya = make_person(first_name="Maya", last_name="Quintana", lea=lea, school=school, needs="ASL interpreter")
    reg = make_registration(opp, maya, needs="Wheelchair access")
    others = [make_registration(opp, make_person(first_name="Otto", last_name="Roster")) for _ in range(2)]
    return facilitator, opp, session, reg, others


def _open(client, login, facilitator, session) -> str:
    login(facilitator)
    response = client.post(f"/staff/door/sessions/{session.id}/kiosks")
    assert response.status_code == 200
    url = re.search(r'href="(http://testserver/kiosk/[^"]+)"', response.get_data(as_text=True)).group(1)
    client.post("/auth/logout")
    return url.removeprefix("http://testserver")


def test_facilitator_opens_a_kiosk_and_it_welcomes_by_first_name_only(app, db, client, login):
    facilitator, opp, session, reg, others = _world()
    db.session.commit()
    path = _open(client, login, facilitator, session)
    kiosk = app.test_client()  # a tablet: nobody signed in
    page = kiosk.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Spring Convening" in html
    for secret in ("Maya", "Quintana", "Otto", "Roster", "Harbor", "Bayview", reg.ticket):
        assert secret not in html
    answer = kiosk.post(f"{path}/checkins", json={"ticket": f"http://testserver/t/{reg.ticket}", "nonce": "n-1"})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body == {"status": "ok", "first_name": "Maya", "message": "Welcome, Maya!"}
    text = answer.get_data(as_text=True)
    for secret in ("Quintana", "Harbor", "Bayview", "Wheelchair", "ASL", "Otto", "counts", "checked_in_at"):
        assert secret not in text
    row = db.session.scalar(select(CheckIn).where(CheckIn.registration_id == reg.id))
    assert (row.method, row.session_id, row.by_user_id) == ("kiosk", session.id, None)
    # the same nonce again: the same answer, nothing new
    again = kiosk.post(f"{path}/checkins", json={"ticket": reg.ticket, "nonce": "n-1"}).get_json()
    assert again == body
    second = kiosk.post(f"{path}/checkins", json={"ticket": reg.ticket, "nonce": "n-2"}).get_json()
    assert second["status"] == "already_checked_in" and second["first_name"] == "Maya"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "kiosk_opened")).actor_user_id == (
        facilitator.id
    )


def test_kiosk_cannot_reach_the_roster_or_another_session(app, db, client, login):
    facilitator, opp, session, reg, others = _world()
    second = make_opportunity(starts_at=utcnow() + timedelta(minutes=10), facilitators=[facilitator])
    other_reg = make_registration(second, make_person(first_name="Nadia", last_name="Elsewhere"))
    db.session.commit()
    path = _open(client, login, facilitator, session)
    token = path.rsplit("/", 1)[1]
    kiosk = app.test_client()
    kiosk.get(path)
    # a ticket of another opportunity: refused, no first name, no check-in anywhere
    body = kiosk.post(f"{path}/checkins", json={"ticket": other_reg.ticket, "nonce": "x"}).get_json()
    assert body["status"] == "wrong_session" and body["first_name"] is None
    assert "Nadia" not in str(body)
    assert db.session.scalar(select(CheckIn)) is None
    # nothing staff-only opens from the kiosk, with its cookies or with its link as a token
    for url in (
        f"/api/v1/sessions/{session.id}/roster",
        f"/api/v1/sessions/{second.sessions[0].id}/roster",
        f"/api/v1/sessions/{session.id}/no-shows",
        f"/api/v1/sessions/{session.id}/sign-in-sheet.pdf",
    ):
        assert kiosk.get(url).status_code == 401
        assert kiosk.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    for url in (
        f"/staff/checkin/sessions/{session.id}",
        f"/staff/door/sessions/{session.id}/paper",
        f"/staff/opportunities/{opp.id}/roster",
    ):
        response = kiosk.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    scan = kiosk.post(
        "/api/v1/checkins", json={"session_id": session.id, "ticket": reg.ticket, "nonce": "z"}, headers={}
    )
    assert scan.status_code == 401
    assert db.session.scalar(select(CheckIn)) is None


def test_problems_are_plain_and_nameless(app, db, client, login):
    facilitator, opp, session, reg, others = _world()
    waiting = make_registration(opp, make_person(first_name="Wanda"), status="waitlisted")
    cancelled = make_registration(opp, make_person(first_name="Carl"), status="cancelled")
    db.session.commit()
    path = _open(client, login, facilitator, session)
    kiosk = app.test_client()
    for ticket, status in ((waiting.ticket, "waitlisted"), (cancelled.ticket, "canceled"), ("nonsense!", "invalid")):
        body = kiosk.post(f"{path}/checkins", json={"ticket": ticket}).get_json()
        assert body["status"] == status and body["first_name"] is None
        assert "front desk" in body["message"]
    bad = kiosk.post(f"{path}/checkins", data="not json", content_type="text/plain")
    assert bad.status_code == 422


def test_revoked_or_ended_kiosk_stops_working(app, db, client, login):
    facilitator, opp, session, reg, others = _world()
    db.session.commit()
    path = _open(client, login, facilitator, session)
    kiosk = app.test_client()
    assert kiosk.get(path).status_code == 200
    link = db.session.scalar(select(KioskLink))
    login(facilitator)
    page = client.get(f"/staff/door/sessions/{session.id}").get_data(as_text=True)
    assert "Close this kiosk" in page
    client.post(f"/staff/door/sessions/{session.id}/kiosks/revoke", data={"kiosk_id": link.id})
    db.session.expire_all()
    assert db.session.get(KioskLink, link.id).revoked_by_id == facilitator.id
    assert kiosk.get(path).status_code == 404
    closed = kiosk.post(f"{path}/checkins", json={"ticket": reg.ticket})
    assert closed.status_code == 404 and closed.get_json()["error"]["code"] == "kiosk_closed"
    assert db.session.scalar(select(CheckIn)) is None
    # a kiosk whose check-in window is over
    _link, token = open_kiosk(session, facilitator)
    session.checkin_closes_at = utcnow() - timedelta(minutes=1)
    session.checkin_opens_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    assert kiosk.get(f"/kiosk/{token}").status_code == 404
    assert kiosk.post(f"/kiosk/{token}/checkins", json={"ticket": reg.ticket}).status_code == 404


def test_kiosk_scans_are_rate_limited_per_link(app, db, tmp_path):
    limited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "KIOSK_RATE_LIMIT": "3 per minute",
            "BASE_URL": "http://testserver",
            "MAIL_FILE_DIR": str(tmp_path / "mail"),
        }
    )
    facilitator, opp, session, reg, others = _world()
    _one, first = open_kiosk(session, facilitator)
    _two, second = open_kiosk(session, facilitator)
    db.session.commit()
    tablet = limited.test_client()
    codes = [tablet.post(f"/kiosk/{first}/checkins", json={"ticket": "unknown-ticket"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert tablet.post(f"/kiosk/{second}/checkins", json={"ticket": reg.ticket}).status_code == 200


def test_kiosk_scans_carry_the_pages_csrf_token(app, db, tmp_path):
    protected = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "http://testserver",
            "MAIL_FILE_DIR": str(tmp_path / "mail"),
        }
    )
    facilitator, opp, session, reg, others = _world()
    _link, token = open_kiosk(session, facilitator)
    db.session.commit()
    tablet = protected.test_client()
    page = tablet.get(f"/kiosk/{token}").get_data(as_text=True)
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    refused = tablet.post(f"/kiosk/{token}/checkins", json={"ticket": reg.ticket, "nonce": "a"})
    assert refused.status_code == 400
    assert db.session.scalar(select(CheckIn)) is None
    answer = tablet.post(
        f"/kiosk/{token}/checkins", json={"ticket": reg.ticket, "nonce": "a"}, headers={"X-CSRFToken": csrf}
    )
    assert answer.status_code == 200 and answer.get_json()["first_name"] == "Maya"
