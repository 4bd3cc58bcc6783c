"""The check-in API (docs/architecture.md "Check-in rules") and the check-in pages: access, answers, nonces, undo, walk-ins,
self check-in with a code (rate-limited) and with the "I'm here" link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from csi_events.auth.services import create_api_token
from csi_events.checkin import services
from csi_events.checkin.models import CheckIn, ScanAnswer
from csi_events.db import utcnow
from csi_events.links import make_token
from csi_events.models import AuditEvent, Registration
from tests.factories import make_opportunity, make_person, make_registration, make_user
from tests.test_registration_helpers import rate_limited_app


@pytest.fixture
def world(db):
    facilitator = make_user("facilitator", display_name="Fac One")
    stranger = make_user("facilitator")
    opp = make_opportunity(starts_at=utcnow() + timedelta(minutes=15), facilitators=[facilitator], capacity=5)
    other = make_opportunity(starts_at=utcnow() + timedelta(minutes=15), facilitators=[stranger])
    reg = make_registration(opp, make_person(first_name="Lee", last_name="Park"), needs="Wheelchair access")
    db.session.commit()
    return {
        "facilitator": facilitator,
        "stranger": stranger,
        "opp": opp,
        "session": opp.sessions[0],
        "other_session": other.sessions[0],
        "reg": reg,
    }


def bearer(db, user, scopes=("checkin",)):
    token = create_api_token(user, list(scopes))
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def post_checkin(client, headers, **body):
    return client.post("/api/v1/checkins", json=body, headers=headers)


def test_checkin_answers_and_replay(client, db, world):
    headers = bearer(db, world["facilitator"])
    body = {"session_id": world["session"].id, "ticket": f"http://x/t/{world['reg'].ticket}", "nonce": "a-1"}
    first = post_checkin(client, headers, **body)
    assert first.status_code == 200
    answer = first.get_json()
    assert answer["status"] == "ok"
    assert answer["person"] == {"name": "Lee Park", "lea": None, "school": None, "needs": "Wheelchair access"}
    assert answer["checkin"]["by"] == "Fac One" and answer["checkin"]["method"] == "qr"
    assert answer["counts"]["checked_in"] == 1 and answer["counts"]["confirmed"] == 1
    replay = post_checkin(client, headers, **body)
    assert replay.status_code == 200 and replay.get_json() == answer
    assert count(db, ScanAnswer) == 1 and count(db, CheckIn) == 1
    second = post_checkin(client, headers, **{**body, "nonce": "a-2"}).get_json()
    assert second["status"] == "already_checked_in" and second["checkin"]["id"] == answer["checkin"]["id"]
    unknown = post_checkin(client, headers, session_id=world["session"].id, ticket="garbage", nonce="a-3")
    assert unknown.status_code == 200 and unknown.get_json()["status"] == "invalid"


def test_checkin_access_rules(client, db, world):
    body = {"session_id": world["session"].id, "ticket": world["reg"].ticket, "nonce": "b-1"}
    assert post_checkin(client, {}, **body).status_code == 401
    assert post_checkin(client, bearer(db, world["stranger"]), **body).status_code == 403
    assert post_checkin(client, bearer(db, make_user("staff"), ("read",)), **body).status_code == 403
    missing = post_checkin(client, bearer(db, make_user("staff")), **{**body, "session_id": 999999})
    assert missing.status_code == 404
    assert count(db, CheckIn) == 0
    roster = client.get(f"/api/v1/sessions/{world['session'].id}/roster", headers=bearer(db, world["stranger"]))
    assert roster.status_code == 403


def test_checkin_validation(client, db, world):
    headers = bearer(db, world["facilitator"])
    bad = post_checkin(client, headers, session_id=world["session"].id, ticket="x", nonce="", method="teleport")
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) >= {"nonce", "method"}
    assert (
        client.post("/api/v1/checkins", data="{", headers={**headers, "Content-Type": "application/json"}).status_code
        == 400
    )


def test_roster_lists_everyone_with_checkins(client, db, world):
    make_registration(world["opp"], make_person(first_name="Wai", last_name="Ting"), status="waitlisted")
    services.check_in(world["session"], world["reg"].ticket, None, world["facilitator"])
    db.session.commit()
    response = client.get(f"/api/v1/sessions/{world['session'].id}/roster", headers=bearer(db, world["facilitator"]))
    assert response.status_code == 200
    data = response.get_json()
    assert data["session"]["id"] == world["session"].id
    by_name = {item["name"]: item for item in data["items"]}
    assert by_name["Lee Park"]["checked_in_at"] and by_name["Lee Park"]["ticket"] == world["reg"].ticket
    assert by_name["Wai Ting"]["status"] == "waitlisted" and by_name["Wai Ting"]["checked_in_at"] is None
    search = client.get(
        f"/api/v1/sessions/{world['session'].id}/roster?q=ting", headers=bearer(db, world["facilitator"])
    )
    assert [i["name"] for i in search.get_json()["items"]] == ["Wai Ting"]


def test_undo_via_api(client, db, world):
    headers = bearer(db, world["facilitator"])
    answer = post_checkin(client, headers, session_id=world["session"].id, ticket=world["reg"].ticket, nonce="u-1")
    checkin_id = answer.get_json()["checkin"]["id"]
    assert client.delete(f"/api/v1/checkins/{checkin_id}", headers=bearer(db, world["stranger"])).status_code == 403
    response = client.delete(f"/api/v1/checkins/{checkin_id}", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "undone"
    assert response.get_json()["counts"]["checked_in"] == 0
    assert client.delete("/api/v1/checkins/999999", headers=headers).status_code == 404
    assert count(db, CheckIn, CheckIn.undone_at.is_not(None)) == 1
    assert count(db, AuditEvent, AuditEvent.action == "checkin_undone") == 1


def test_override_via_api_is_recorded(client, db, world):
    waiting = make_registration(world["opp"], status="waitlisted", waitlist_position=1)
    db.session.commit()
    headers = bearer(db, world["facilitator"])
    body = {"session_id": world["session"].id, "ticket": waiting.ticket, "method": "search"}
    assert post_checkin(client, headers, nonce="o-1", **body).get_json()["status"] == "waitlisted"
    admitted = post_checkin(client, headers, nonce="o-2", override=True, **body).get_json()
    assert admitted["status"] == "ok" and admitted["checkin"]["override"] is True
    assert count(db, AuditEvent, AuditEvent.action == "checkin_override") == 1


def test_walk_in_via_api(client, db, world):
    headers = bearer(db, world["facilitator"])
    url = f"/api/v1/sessions/{world['session'].id}/walk-ins"
    body = {"first_name": "Sam", "last_name": "Rivera", "email": "sam@example.org", "role": "family_member"}
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "ok" and data["checkin"]["method"] == "walk_in"
    assert data["registration"]["source"] == "walk_in" and data["counts"]["walk_ins"] == 1
    reg = db.session.get(Registration, data["registration"]["id"])
    assert reg.person.email == "sam@example.org" and reg.status == "confirmed"
    again = client.post(url, json=body, headers=headers)
    assert again.status_code == 200 and again.get_json()["status"] == "already_checked_in"
    invalid = client.post(url, json={"first_name": "", "last_name": "X", "email": "nope"}, headers=headers)
    assert invalid.status_code == 422
    bad_role = client.post(url, json={**body, "email": "r@example.org", "role": "wizard"}, headers=headers)
    assert bad_role.status_code == 422
    denied = client.post(url, json={**body, "email": "z@example.org"}, headers=bearer(db, world["stranger"]))
    assert denied.status_code == 403
    assert count(db, Registration, Registration.source == "walk_in") == 1


def test_pages_access(client, db, world, login):
    page = f"/staff/checkin/sessions/{world['session'].id}"
    assert client.get(page).status_code == 302  # to sign in
    login(world["stranger"])
    assert client.get(page).status_code == 403
    listing = client.get("/staff/checkin").get_data(as_text=True)
    assert world["opp"].title not in listing
    client.post("/auth/logout")
    login(world["facilitator"])
    response = client.get(page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="csrf-token"' in html and "js/checkin.js" in html and "<script>" not in html
    assert world["opp"].title in client.get("/staff/checkin").get_data(as_text=True)
    assert client.get("/staff/checkin/csrf").get_json()["csrf_token"]
    sw = client.get("/staff/checkin/sw.js")
    assert sw.mimetype == "text/javascript" and sw.headers["Service-Worker-Allowed"] == "/staff/checkin/"
    assert "/static/js/checkin.js" in sw.get_data(as_text=True)


def test_facilitator_shows_self_checkin_code(client, db, world, login):
    login(world["facilitator"])
    session_id = world["session"].id
    response = client.post(f"/staff/checkin/sessions/{session_id}/code")
    assert response.status_code == 302
    db.session.expire_all()
    code = world["session"].self_checkin_code
    assert code and len(code) == 6
    assert code in client.get(f"/staff/checkin/sessions/{session_id}").get_data(as_text=True)
    client.post("/auth/logout")
    login(world["stranger"])
    assert client.post(f"/staff/checkin/sessions/{world['other_session'].id}/code").status_code == 302
    assert client.post(f"/staff/checkin/sessions/{session_id}/code").status_code == 403


def test_self_checkin_with_code_page(client, db, world):
    code = services.ensure_self_checkin_code(world["session"])
    db.session.commit()
    wrong = client.post("/here", data={"email": world["reg"].person.email, "code": "ZZZZZZ"})
    assert wrong.status_code == 422
    ok = client.post("/here", data={"email": world["reg"].person.email, "code": code})
    assert ok.status_code == 200 and "checked in" in ok.get_data(as_text=True)
    rows = db.session.scalars(select(CheckIn)).all()
    assert len(rows) == 1 and rows[0].method == "self"


def test_wrong_codes_are_rate_limited(app, db, world):
    code = services.ensure_self_checkin_code(world["session"])
    db.session.commit()
    email = world["reg"].person.email
    with rate_limited_app(app) as limited:
        client = limited.test_client()
        statuses = [client.post("/here", data={"email": email, "code": f"WRONG{i}"}).status_code for i in range(6)]
        assert statuses == [422] * 5 + [429]
        assert client.post("/here", data={"email": email, "code": code}).status_code == 429
    assert count(db, CheckIn) == 0


def test_here_link_only_in_window(client, db, world):
    reg, session = world["reg"], world["session"]
    token = make_token("here", {"r": reg.id, "s": session.id})
    page = client.get(f"/here/{token}")
    assert page.status_code == 200 and count(db, CheckIn) == 0  # GET never checks in (mail link scanners)
    assert client.post(f"/here/{token}").status_code == 200
    rows = db.session.scalars(select(CheckIn)).all()
    assert len(rows) == 1 and rows[0].method == "self"
    assert client.get("/here/not-a-token").status_code == 404
    # a link for a session whose window is closed
    late = make_opportunity(starts_at=utcnow() + timedelta(days=3))
    late_reg = make_registration(late, reg.person)
    db.session.commit()
    closed = make_token("here", {"r": late_reg.id, "s": late.sessions[0].id})
    assert client.post(f"/here/{closed}").status_code == 409
    # a registration of another opportunity does not open this session
    mixed = make_token("here", {"r": late_reg.id, "s": session.id})
    assert client.post(f"/here/{mixed}").status_code == 404
    assert count(db, CheckIn) == 1


def test_walk_in_errors_are_per_field(client, db, world):
    """The JSON answer the check-in page's script shows next to each field: a message per field, in its words."""
    headers = bearer(db, world["facilitator"])
    url = f"/api/v1/sessions/{world['session'].id}/walk-ins"
    body = {"first_name": "", "last_name": "X", "email": "nope", "school_cds_code": "19999999999999"}
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields == {"first_name": ["Fill this in."], "email": ["Enter an e-mail address like name@example.org."]}
    spanish = client.post(url, json=body, headers={**headers, "Accept-Language": "es"}).get_json()["error"]["fields"]
    assert spanish["first_name"] == ["Complete este campo."]
    assert count(db, Registration, Registration.source == "walk_in") == 0
