"""Issue 12 item 7: never promise an e-mail that cannot leave. Internationalized domains are delivered in their
ASCII (IDNA) form; non-ASCII letters before the @ (which would need SMTPUTF8) are refused with a clear message at
the form and the API. Proved with the real SMTP server of tests/smtp_server.py (docs/security.md, "Addresses")."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from csi_events.auth.services import create_user
from csi_events.errors import ValidationFailed
from csi_events.outbox import OutboxMessage
from csi_events.people.models import Person
from tests.factories import make_opportunity, make_user
from tests.smtp_server import smtp_backend

REFUSAL = "We cannot send e-mail to an address with accents or non-Latin letters before the @."


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


def form(email: str) -> dict:
    return {
        "first_name": "Ana",
        "last_name": "Reyes",
        "email": email,
        "role": "teacher",
        "not_listed": "y",
        "organization": "PTA",
    }


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_internationalized_domain_is_delivered_in_its_ascii_form(client, db, smtp):
    opp = make_opportunity()
    db.session.commit()
    response = client.post(f"/opportunities/{opp.id}/register", data=form("Ana@Exämple.org"))
    assert response.status_code == 200
    assert [m.rcpt_tos for m in smtp.received] == [["ana@xn--exmple-cua.org"]]
    assert "ana@xn--exmple-cua.org" in smtp.received[0].message["To"]
    assert db.session.scalar(select(Person.email)) == "ana@xn--exmple-cua.org"
    # Typed either way later, it is the same person: the "send me my link" e-mail reaches the same mailbox.
    assert client.post("/me", data={"email": "ana@exämple.org"}).status_code == 200
    assert len(smtp.received) == 2 and smtp.received[1].rcpt_tos == ["ana@xn--exmple-cua.org"]
    assert "/me/" in smtp.received[1].message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("address", ["ü@exämple.org", "josé@example.org", "用户@example.org"])
def test_letters_outside_ascii_before_the_at_are_refused_at_the_form(client, db, smtp, address):
    opp = make_opportunity()
    db.session.commit()
    response = client.post(f"/opportunities/{opp.id}/register", data=form(address))
    assert response.status_code == 422
    assert REFUSAL in response.get_data(as_text=True)
    assert "We have e-mailed" not in response.get_data(as_text=True)
    me = client.post("/me", data={"email": address})
    assert me.status_code == 422 and REFUSAL in me.get_data(as_text=True)
    assert count(db, Person) == 0 and count(db, OutboxMessage) == 0 and smtp.received == []


def test_letters_outside_ascii_before_the_at_are_refused_by_the_api(client, db, smtp):
    opp = make_opportunity()
    db.session.commit()
    response = client.post(f"/api/v1/opportunities/{opp.id}/registrations", json=form("ü@exämple.org"))
    assert response.status_code == 422
    assert REFUSAL in response.get_json()["error"]["fields"]["email"][0]
    assert count(db, Person) == 0 and count(db, OutboxMessage) == 0 and smtp.received == []


def test_accounts_refuse_them_too(db):
    with pytest.raises(ValidationFailed) as err:
        create_user("ü@exämple.org", "a long enough passphrase", "staff")
    assert REFUSAL in err.value.fields["email"][0]
    make_user("staff")  # an ordinary address still works
