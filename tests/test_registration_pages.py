"""The public registration form: sign-up, waitlist, field errors, closed windows, repeats, size and rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from csi_events.db import utcnow
from csi_events.models import Person, Registration
from tests.factories import make_lea, make_opportunity, make_registration, make_school
from tests.test_registration_helpers import form_data, rate_limited_app, record_outbox


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _url(opp) -> str:
    return f"/opportunities/{opp.id}/register"


def test_form_shows_the_fields_with_labels_and_autocomplete(client, db):
    opp = make_opportunity(title="Family Engagement CoP")
    db.session.commit()
    response = client.get(_url(opp))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Family Engagement CoP" in html
    for name, autocomplete in (("first_name", "given-name"), ("last_name", "family-name"), ("email", "email")):
        assert f'name="{name}"' in html
        assert f'autocomplete="{autocomplete}"' in html
        assert f'<label for="{name}"' in html
    assert "Community school coordinator" in html  # roles carry their labels
    assert 'name="lea"' in html and 'name="school"' in html and 'name="not_listed"' in html
    assert 'name="needs"' in html
    assert "js/directory_typeahead.js" in html
    assert "<script>" not in html  # no inline script (CSP)


def test_sign_up_with_directory_codes_is_confirmed_and_the_ticket_goes_to_the_mailbox(client, db, monkeypatch):
    sent = record_outbox(monkeypatch)
    lea = make_lea(name="Pomona Unified", cd_code="1964907")
    school = make_school(lea, name="Garey High", cds_code="19649071937739")
    opp = make_opportunity(capacity=2)
    db.session.commit()

    response = client.post(
        _url(opp), data=form_data(lea="1964907", school="Garey High", needs="Spanish interpretation")
    )
    assert response.status_code == 200

    reg = db.session.scalar(select(Registration))
    assert reg.status == "confirmed" and reg.waitlist_position is None
    assert reg.source == "online"
    assert reg.needs == "Spanish interpretation"
    person = reg.person
    assert (person.email, person.first_name, person.lea_id, person.school_id) == (
        "ana.reyes@example.org",
        "Ana",
        lea.id,
        school.id,
    )
    assert sent.items == [("registration_confirmed", {"registration_id": reg.id})]

    page = response.get_data(as_text=True)
    assert "Check your e-mail" in page and "We are sending an e-mail to ana.reyes@example.org." in page
    assert reg.ticket not in page and "/t/" not in page
    assert response.headers["Cache-Control"] == "no-store"
    # The ticket page itself (reached from the e-mail) says confirmed.
    assert "Confirmed" in client.get(f"/t/{reg.ticket}").get_data(as_text=True)


def test_full_opportunity_puts_people_on_the_waitlist_with_their_position(client, db, monkeypatch):
    sent = record_outbox(monkeypatch)
    lea = make_lea()
    opp = make_opportunity(capacity=1)
    make_registration(opp)
    db.session.commit()

    first = client.post(_url(opp), data=form_data(email="w1@example.org", lea=lea.cd_code))
    second = client.post(_url(opp), data=form_data(email="w2@example.org", lea=lea.cd_code))
    assert first.status_code == second.status_code == 200

    rows = db.session.scalars(select(Registration).where(Registration.status == "waitlisted")).all()
    assert sorted((r.person.email, r.waitlist_position) for r in rows) == [
        ("w1@example.org", 1),
        ("w2@example.org", 2),
    ]
    assert sent.kinds() == ["registration_waitlisted", "registration_waitlisted"]
    ticket = next(r.ticket for r in rows if r.waitlist_position == 2)
    assert "number 2 in line" in client.get(f"/t/{ticket}").get_data(as_text=True)


def test_lea_by_name_or_by_the_typeahead_value_and_school_by_cds_code(client, db):
    lea = make_lea(name="Lynwood Unified", cd_code="1964634")
    school = make_school(lea, name="Lynwood High", cds_code="19646341932623")
    opp = make_opportunity()
    db.session.commit()

    assert client.post(_url(opp), data=form_data(email="a@example.org", lea="lynwood unified")).status_code == 200
    assert (
        client.post(
            _url(opp), data=form_data(email="b@example.org", lea="Lynwood Unified (1964634)", school=school.cds_code)
        ).status_code
        == 200
    )
    # A school alone is enough: its LEA follows.
    assert client.post(_url(opp), data=form_data(email="c@example.org", school="Lynwood High")).status_code == 200
    people = {p.email: p for p in db.session.scalars(select(Person))}
    assert people["a@example.org"].lea_id == lea.id and people["a@example.org"].school_id is None
    assert people["b@example.org"].school_id == school.id
    assert people["c@example.org"].lea_id == lea.id and people["c@example.org"].school_id == school.id


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"email": "not-an-address"}, "email", "Invalid email address"),
        ({"first_name": ""}, "first_name", "This field is required"),
        ({"role": "astronaut"}, "role", "Not a valid choice"),
        ({"role": ""}, "role", "This field is required"),
        ({"first_name": "x" * 101}, "first_name", "longer than 100"),
        ({"needs": "n" * 2001}, "needs", "longer than 2000"),
        ({"lea": "9999999"}, "lea", "No LEA has the CD code 9999999"),
        ({"lea": "Nowhere District"}, "lea", "could not find one LEA"),
        ({"lea": ""}, "lea", "Choose your school district or LEA"),
        ({"lea": "", "not_listed": "y"}, "organization", "name of your organization"),
    ],
)
def test_bad_input_gets_a_message_on_its_field_and_stores_nothing(client, db, monkeypatch, overrides, field, words):
    sent = record_outbox(monkeypatch)
    lea = make_lea(name="Real Unified", cd_code="1900001")
    opp = make_opportunity()
    db.session.commit()
    data = form_data(lea=lea.cd_code)
    data.update(overrides)

    response = client.post(_url(opp), data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-err"' in html
    error_block = html.split(f'id="{field}-err"', 1)[1].split("</ul>", 1)[0]
    assert words in error_block
    assert 'aria-invalid="true"' in html
    assert _count(db, Registration) == 0 and _count(db, Person) == 0
    assert sent.items == []


def test_school_of_another_lea_is_refused_on_the_school_field(client, db):
    lea = make_lea(name="First Unified")
    other_school = make_school(make_lea(name="Second Unified"), name="Elsewhere Elementary")
    opp = make_opportunity()
    db.session.commit()
    response = client.post(_url(opp), data=form_data(lea=lea.cd_code, school=other_school.cds_code))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Elsewhere Elementary is not a school of First Unified" in html.split('id="school-err"', 1)[1]
    assert _count(db, Registration) == 0 and _count(db, Person) == 0


def test_not_listed_with_an_organization(client, db):
    opp = make_opportunity()
    db.session.commit()
    response = client.post(
        _url(opp), data=form_data(role="community_partner", not_listed="y", organization="Boys & Girls Club")
    )
    assert response.status_code == 200
    person = db.session.scalar(select(Person))
    assert (person.organization, person.lea_id, person.role) == ("Boys & Girls Club", None, "community_partner")


def test_a_ten_megabyte_name_is_refused_and_nothing_is_stored(client, db):
    lea = make_lea()
    opp = make_opportunity()
    db.session.commit()
    response = client.post(_url(opp), data=form_data(lea=lea.cd_code, first_name="x" * (10 * 1024 * 1024)))
    assert response.status_code == 413
    assert _count(db, Registration) == 0 and _count(db, Person) == 0


def _answer_as_seen_by_the_caller(response, address: str | None = None) -> tuple:
    """What a sign-up's answer tells its caller: status, headers (less the date and request id) and the page, with the address the
    caller typed (which the page repeats, so that a typo shows) blanked when given."""
    # (X-Request-ID: a new random id per request, whatever the address.)
    headers = tuple(
        sorted((k, v) for k, v in response.headers.items() if k not in ("Date", "Content-Length", "X-Request-ID"))
    )
    body = response.get_data()
    if address is not None:
        assert address.encode() in body
        body = body.replace(address.encode(), b"<address>")
    return response.status_code, headers, body


def test_the_same_email_again_gets_the_very_same_answer_and_resends(client, db, monkeypatch):
    lea = make_lea()
    opp = make_opportunity()
    db.session.commit()
    sent = record_outbox(monkeypatch)
    first = client.post(_url(opp), data=form_data(lea=lea.cd_code))
    again = client.post(_url(opp), data=form_data(lea=lea.cd_code, email="  ANA.Reyes@Example.org "))

    # Byte for byte the same answer, and the same page behind it: the caller cannot tell a new address from one
    # already registered. Only the mailbox learns which (a confirmation, then a re-sent confirmation).
    assert _answer_as_seen_by_the_caller(first) == _answer_as_seen_by_the_caller(again)
    assert first.status_code == 200
    reg = db.session.scalar(select(Registration))
    assert reg.ticket not in again.get_data(as_text=True)
    assert _count(db, Registration) == 1 and _count(db, Person) == 1
    assert sent.items == [
        ("registration_confirmed", {"registration_id": reg.id}),
        ("registration_resent", {"registration_id": reg.id}),
    ]


def test_a_waitlisted_sign_up_and_a_repeat_look_the_same_as_a_confirmed_one(client, db):
    lea = make_lea()
    opp = make_opportunity(capacity=1)
    db.session.commit()
    confirmed = client.post(_url(opp), data=form_data(lea=lea.cd_code, email="one@example.org"))
    waitlisted = client.post(_url(opp), data=form_data(lea=lea.cd_code, email="two@example.org"))
    repeat = client.post(_url(opp), data=form_data(lea=lea.cd_code, email="one@example.org"))
    answers = {
        _answer_as_seen_by_the_caller(r, address)
        for r, address in ((confirmed, "one@example.org"), (waitlisted, "two@example.org"), (repeat, "one@example.org"))
    }
    assert len(answers) == 1
    statuses = sorted(r.status for r in db.session.scalars(select(Registration)))
    assert statuses == ["confirmed", "waitlisted"]


@pytest.mark.parametrize(
    "setup, words",
    [
        ({"registration_closes_at": timedelta(hours=-1)}, "Registration is closed."),
        ({"registration_opens_at": timedelta(days=1)}, "Registration has not opened yet."),
        ({"status": "cancelled"}, "it is cancelled"),
        ({"status": "archived"}, "it is archived"),
        ({"status": "draft"}, "it is draft"),
        ({"starts_at": timedelta(days=-3)}, "This learning opportunity is over."),
    ],
)
def test_registration_is_refused_with_the_reason(client, db, setup, words):
    lea = make_lea()
    kw = {}
    now = utcnow()
    for key, value in setup.items():
        kw[key] = now + value if isinstance(value, timedelta) else value
    opp = make_opportunity(**kw)
    db.session.commit()

    page = client.get(_url(opp))
    assert page.status_code == 200
    assert words in page.get_data(as_text=True)
    assert 'name="first_name"' not in page.get_data(as_text=True)

    response = client.post(_url(opp), data=form_data(lea=lea.cd_code))
    assert response.status_code == 409
    assert words in response.get_data(as_text=True)
    assert _count(db, Registration) == 0 and _count(db, Person) == 0


def test_unknown_opportunity_is_404(client, db):
    assert client.get("/opportunities/999999/register").status_code == 404
    assert client.post("/opportunities/999999/register", data=form_data()).status_code == 404


def test_a_flood_gets_429_and_stores_nothing_more(app, db):
    lea = make_lea()
    opp = make_opportunity(capacity=100)
    db.session.commit()
    with rate_limited_app(app, REGISTRATION_RATE_LIMIT="3 per minute") as limited:
        client = limited.test_client()
        codes = [
            client.post(_url(opp), data=form_data(lea=lea.cd_code, email=f"flood{i}@example.org")).status_code
            for i in range(6)
        ]
        # The API shares the same per-client budget.
        api = client.post(
            f"/api/v1/opportunities/{opp.id}/registrations",
            json={"first_name": "A", "last_name": "B", "email": "api@example.org", "role": "teacher"},
        )
    assert codes == [200, 200, 200, 429, 429, 429]
    assert api.status_code == 429
    assert api.get_json()["error"]["code"] == "too_many_requests"
    db.session.expire_all()
    emails = sorted(p.email for p in db.session.scalars(select(Person)))
    assert emails == ["flood0@example.org", "flood1@example.org", "flood2@example.org"]
    assert _count(db, Registration) == 3
