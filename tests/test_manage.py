"""A person's own registrations: ask for a link by e-mail (/me), open the signed list (/me/<token>)."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import event

from csi_events.db import utcnow
from csi_events.links import make_token
from tests.factories import make_opportunity, make_person, make_registration
from tests.test_registration_helpers import rate_limited_app, record_outbox

SENT_WORDS = "If we know this address, we have sent a link to it."


def test_request_form_and_the_same_answer_for_known_and_unknown_addresses(client, db, monkeypatch):
    person = make_person(email="known@example.org")
    db.session.commit()
    assert 'autocomplete="email"' in client.get("/me").get_data(as_text=True)

    sent = record_outbox(monkeypatch)
    known = client.post("/me", data={"email": " Known@Example.org "})
    unknown = client.post("/me", data={"email": "stranger@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert SENT_WORDS in known.get_data(as_text=True)
    assert known.get_data() == unknown.get_data()

    assert len(sent.items) == 1
    kind, payload = sent.items[0]
    assert kind == "manage_link" and payload["person_id"] == person.id
    assert payload["url"].startswith("http://testserver/me/")
    assert client.get(payload["url"].removeprefix("http://testserver")).status_code == 200


def test_a_merged_address_gets_the_link_of_the_surviving_person(client, db, monkeypatch):
    survivor = make_person(email="main@example.org")
    make_person(email="old@example.org", merged_into_id=survivor.id)
    db.session.commit()
    sent = record_outbox(monkeypatch)
    client.post("/me", data={"email": "old@example.org"})
    assert [(k, p["person_id"]) for k, p in sent.items] == [("manage_link", survivor.id)]


def test_an_invalid_address_is_a_field_error(client, db, monkeypatch):
    sent = record_outbox(monkeypatch)
    response = client.post("/me", data={"email": "not an address"})
    assert response.status_code == 422
    assert 'id="email-err"' in response.get_data(as_text=True)
    assert sent.items == []


def test_the_signed_list_shows_upcoming_and_past_with_status_ticket_and_cancel(client, db):
    person = make_person(first_name="Rosa", last_name="Diaz")
    soon = make_registration(make_opportunity(title="Soon Workshop"), person)
    waiting = make_registration(
        make_opportunity(title="Full Convening", starts_at=utcnow() + timedelta(days=20)),
        person,
        status="waitlisted",
        waitlist_position=4,
    )
    past = make_registration(make_opportunity(title="Last Year CoP", starts_at=utcnow() - timedelta(days=30)), person)
    make_registration(make_opportunity(title="Somebody Else's Event"))
    db.session.commit()

    response = client.get(f"/me/{make_token('manage', {'p': person.id})}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    upcoming, past_part = html.split("<h2>Past</h2>", 1)
    assert "Soon Workshop" in upcoming and "Full Convening" in upcoming
    assert "Last Year CoP" in past_part and "Last Year CoP" not in upcoming
    assert upcoming.index("Soon Workshop") < upcoming.index("Full Convening")  # by date
    assert "Waitlisted: number 4 in line" in upcoming
    assert "Somebody Else" not in html
    for reg in (soon, waiting, past):
        assert f"/t/{reg.ticket}" in html
    assert f"/t/{soon.ticket}/cancel" in html and f"/t/{waiting.ticket}/cancel" in html
    assert f"/t/{past.ticket}/cancel" not in html


def test_bad_and_expired_links_get_a_page_to_ask_again(client, db, monkeypatch):
    person = make_person()
    db.session.commit()
    token = make_token("manage", {"p": person.id})

    tampered = client.get(f"/me/{token[:-2]}xx")
    assert tampered.status_code == 404
    assert "This link does not work" in tampered.get_data(as_text=True)
    assert 'action="/me"' in tampered.get_data(as_text=True)

    other_purpose = client.get(f"/me/{make_token('here', {'p': person.id})}")
    assert other_purpose.status_code == 404

    unknown_person = client.get(f"/me/{make_token('manage', {'p': 987654})}")
    assert unknown_person.status_code == 404

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 8 * 24 * 3600)
    expired = client.get(f"/me/{token}")
    monkeypatch.setattr(time, "time", real_time)
    assert expired.status_code == 410
    assert "This link has expired" in expired.get_data(as_text=True)
    assert 'action="/me"' in expired.get_data(as_text=True)


def test_the_list_loads_in_a_fixed_number_of_queries(app, client, db):
    def queries_for(count: int) -> int:
        person = make_person()
        for _ in range(count):
            make_registration(make_opportunity(sessions=2), person)
        db.session.commit()
        url = f"/me/{make_token('manage', {'p': person.id})}"
        statements = []

        def count_statement(*args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count_statement)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count_statement)
        return len(statements)

    assert queries_for(2) == queries_for(7)


def test_asking_for_links_is_rate_limited(app, db, monkeypatch):
    make_person(email="p@example.org")
    db.session.commit()
    sent = record_outbox(monkeypatch)
    with rate_limited_app(app, MANAGE_LINK_RATE_LIMIT="2 per minute") as limited:
        client = limited.test_client()
        codes = [client.post("/me", data={"email": "p@example.org"}).status_code for _ in range(4)]
    assert codes == [200, 200, 429, 429]
    assert sent.kinds() == ["manage_link", "manage_link"]
