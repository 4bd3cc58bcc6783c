"""The registrations API: create (public, rate-limited), list (read), cancel (write)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from csi_events.auth.services import create_api_token
from csi_events.db import utcnow
from csi_events.models import AuditEvent, Person, Registration
from tests.factories import make_lea, make_opportunity, make_person, make_registration, make_school, make_user
from tests.test_registration_helpers import rate_limited_app, record_outbox


def _body(**overrides) -> dict:
    body = {"first_name": "Luis", "last_name": "Ortega", "email": "luis@example.org", "role": "administrator"}
    body.update(overrides)
    return body


def _url(opp) -> str:
    return f"/api/v1/opportunities/{opp.id}/registrations"


def _token(db, *scopes: str) -> dict:
    token = create_api_token(make_user("staff"), list(scopes), name="test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


RECEIVED = {"status": "received", "message": "We have e-mailed the confirmation with the ticket to the address given."}


def test_anonymous_sign_up_gets_202_received_and_the_ticket_goes_to_the_mailbox(client, db, monkeypatch):
    sent = record_outbox(monkeypatch)
    lea = make_lea(cd_code="1964733")
    school = make_school(lea, cds_code="19647330000001")
    opp = make_opportunity(capacity=1)
    db.session.commit()

    response = client.post(_url(opp), json=_body(lea_cd_code="1964733", school_cds_code="19647330000001"))
    assert response.status_code == 202
    assert response.get_json() == RECEIVED
    reg = db.session.scalar(select(Registration))
    assert reg.status == "confirmed" and reg.ticket not in response.get_data(as_text=True)
    assert (reg.person.lea_id, reg.person.school_id, reg.source) == (lea.id, school.id, "online")
    assert sent.items == [("registration_confirmed", {"registration_id": reg.id})]

    second = client.post(_url(opp), json=_body(email="second@example.org"))
    assert (second.status_code, second.get_json()) == (202, RECEIVED)
    waiting = db.session.scalar(select(Registration).where(Registration.status == "waitlisted"))
    assert (waiting.person.email, waiting.waitlist_position) == ("second@example.org", 1)


def test_the_same_email_again_gets_the_very_same_answer_and_resends(client, db, monkeypatch):
    opp = make_opportunity()
    db.session.commit()
    first = client.post(_url(opp), json=_body())
    sent = record_outbox(monkeypatch)

    again = client.post(_url(opp), json=_body(email=" LUIS@example.ORG", first_name="Someone", last_name="Else"))
    # The caller cannot tell a new address from one already registered: status, headers and body are the same.
    assert (again.status_code, again.get_data()) == (first.status_code, first.get_data()) == (202, first.get_data())
    drop = {"Date", "X-Request-ID"}  # a new random id per request, whatever the address
    assert {k: v for k, v in again.headers.items() if k not in drop} == {
        k: v for k, v in first.headers.items() if k not in drop
    }
    assert _count(db, Registration) == 1
    reg = db.session.scalar(select(Registration))
    assert reg.person.first_name == "Luis"  # a stranger's sign-up does not rewrite the person
    # Only the owner's mailbox learns it: the confirmation is sent again.
    assert sent.items == [("registration_resent", {"registration_id": reg.id})]


def test_a_write_token_gets_the_ticket_and_a_signed_manage_link(client, db):
    headers = _token(db, "write")
    opp = make_opportunity()
    db.session.commit()
    response = client.post(_url(opp), json=_body(), headers=headers)
    assert response.status_code == 201
    body = response.get_json()
    reg = db.session.get(Registration, body["id"])
    assert body["ticket"] == reg.ticket
    assert reg.source == "import"
    assert body["manage_url"].startswith("http://testserver/me/")
    page = client.get(body["manage_url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and opp.title in page.get_data(as_text=True)

    again = client.post(_url(opp), json=_body(), headers=headers)
    assert again.status_code == 200
    assert again.get_json() == {"status": "already_registered", "id": reg.id, "ticket": reg.ticket}


def test_bad_input_is_422_per_field_and_stores_nothing(client, db, monkeypatch):
    sent = record_outbox(monkeypatch)
    lea = make_lea(cd_code="1900002")
    other = make_school(make_lea(cd_code="1900003"), cds_code="19000030000009")
    opp = make_opportunity()
    db.session.commit()
    cases = [
        (_body(email="nope"), "email"),
        (_body(role="astronaut"), "role"),
        (_body(first_name=""), "first_name"),
        (_body(first_name="x" * 101), "first_name"),
        (_body(needs="n" * 2001), "needs"),
        (_body(lea_cd_code="12"), "lea_cd_code"),
        (_body(lea_cd_code="1999999"), "lea_cd_code"),  # well-formed, unknown
        (_body(lea_cd_code=lea.cd_code, school_cds_code=other.cds_code), "school_cds_code"),
        ({"first_name": "A"}, "email"),
    ]
    for body, field in cases:
        response = client.post(_url(opp), json=body)
        assert response.status_code == 422, (body, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == "invalid"
        assert field in error["fields"], (field, error)
    huge = client.post(_url(opp), json=_body(first_name="x" * (10 * 1024 * 1024)))
    assert huge.status_code == 413
    assert huge.get_json()["error"]["code"] == "too_large"
    not_json = client.post(_url(opp), data="first_name=A", content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 415
    assert _count(db, Registration) == 0 and _count(db, Person) == 0
    assert sent.items == []


def test_closed_registration_is_409_and_unknown_opportunity_404(client, db):
    opp = make_opportunity(registration_closes_at=utcnow() - timedelta(minutes=5))
    db.session.commit()
    response = client.post(_url(opp), json=_body())
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error == {
        "code": "registration_closed",
        "message": "Registration is closed.",
        "request_id": response.headers["X-Request-ID"],
    }
    assert client.post("/api/v1/opportunities/424242/registrations", json=_body()).status_code == 404
    assert _count(db, Registration) == 0


def test_list_needs_read_scope_and_orders_confirmed_waitlist_cancelled(client, db):
    lea = make_lea(name="Compton Unified", cd_code="1973437")
    opp = make_opportunity(capacity=2)
    p_conf = make_person(first_name="Conf", last_name="One", lea=lea)
    make_registration(opp, p_conf)
    make_registration(opp, status="cancelled")
    w2 = make_registration(opp, status="waitlisted", waitlist_position=2)
    w1 = make_registration(opp, status="waitlisted", waitlist_position=1)
    make_registration(opp)
    make_registration(make_opportunity())  # another opportunity: not listed
    db.session.commit()

    assert client.get(_url(opp)).status_code == 401
    assert client.get(_url(opp), headers=_token(db, "checkin")).status_code == 403
    response = client.get(_url(opp) + "?per_page=3", headers=_token(db, "read"))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["page"], body["per_page"]) == (5, 1, 3)
    assert [i["status"] for i in body["items"]] == ["confirmed", "confirmed", "waitlisted"]
    assert body["items"][2]["id"] == w1.id and body["items"][2]["waitlist_position"] == 1
    first = body["items"][0]
    assert first["person"]["name"] == "Conf One"
    assert first["person"]["lea"] == "Compton Unified" and first["person"]["lea_cd_code"] == "1973437"
    assert first["person"]["email"] == p_conf.email
    assert first["source"] == "online" and first["created_at"].endswith("+00:00")

    rest = client.get(_url(opp) + "?per_page=3&page=2", headers=_token(db, "read")).get_json()
    assert [(i["id"], i["status"]) for i in rest["items"]][0] == (w2.id, "waitlisted")
    assert rest["items"][1]["status"] == "cancelled"
    only_waiting = client.get(_url(opp) + "?status=waitlisted", headers=_token(db, "read")).get_json()
    assert [i["id"] for i in only_waiting["items"]] == [w1.id, w2.id]


def test_cancel_promotes_the_first_waitlisted_person(client, db, monkeypatch):
    opp = make_opportunity(capacity=1)
    confirmed = make_registration(opp)
    first = make_registration(opp, status="waitlisted", waitlist_position=1)
    second = make_registration(opp, status="waitlisted", waitlist_position=2)
    db.session.commit()
    url = f"/api/v1/registrations/{confirmed.id}/cancel"

    assert client.post(url).status_code == 401
    assert client.post(url, headers=_token(db, "read")).status_code == 403
    sent = record_outbox(monkeypatch)
    writer = _token(db, "write")
    response = client.post(url, headers=writer)
    assert response.status_code == 200
    assert response.get_json() == {"status": "cancelled", "promoted": first.id, "promoted_ids": [first.id]}
    db.session.expire_all()
    assert db.session.get(Registration, confirmed.id).status == "cancelled"
    assert db.session.get(Registration, first.id).status == "confirmed"
    assert db.session.get(Registration, second.id).waitlist_position == 1
    assert sent.items == [
        ("registration_cancelled", {"registration_id": confirmed.id}),
        ("registration_promoted", {"registration_id": first.id}),
    ]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "registration_cancelled_by_staff"))
    assert event.target_id == str(confirmed.id) and event.details["promoted"] == [first.id]

    again = client.post(url, headers=writer)
    assert again.get_json() == {"status": "cancelled", "promoted": None, "promoted_ids": []}
    assert client.post("/api/v1/registrations/999999/cancel", headers=writer).status_code == 404


def test_write_tokens_are_not_rate_limited_but_anonymous_callers_are(app, db):
    opp = make_opportunity(capacity=50)
    headers = _token(db, "write")
    db.session.commit()
    with rate_limited_app(app, REGISTRATION_RATE_LIMIT="2 per minute") as limited:
        client = limited.test_client()
        anonymous = [client.post(_url(opp), json=_body(email=f"anon{i}@example.org")).status_code for i in range(3)]
        trusted = [
            client.post(_url(opp), json=_body(email=f"sys{i}@example.org"), headers=headers).status_code
            for i in range(4)
        ]
    assert anonymous == [202, 202, 429]
    assert trusted == [201, 201, 201, 201]
    assert _count(db, Registration) == 6


def test_openapi_documents_the_registration_routes(client, db):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/opportunities/{opportunity_id}/registrations"])
    assert "post" in paths["/api/v1/registrations/{registration_id}/cancel"]
    answers = paths["/api/v1/opportunities/{opportunity_id}/registrations"]["post"]["responses"]
    assert answers["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RegistrationReceived"
    }
    assert {"201", "202", "default"} <= set(answers)
