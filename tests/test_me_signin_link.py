"""Hardening of issue 12: the e-mail sent from /me carries a one-time sign-in link that expires (30 minutes);
the reusable 7-day manage link stays only in confirmation e-mails (docs/security.md, "Tokens and links")."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner

from tests.factories import make_opportunity, make_person, make_registration
from tests.smtp_server import smtp_backend


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


@pytest.fixture
def mailed_link(client, db, smtp):
    person = make_person(email="ana@example.org", first_name="Ana", last_name="Reyes")
    make_registration(make_opportunity(title="Family Nights"), person)
    db.session.commit()
    assert client.post("/me", data={"email": "ana@example.org"}).status_code == 200
    assert len(smtp.received) == 1
    text = smtp.received[0].message.get_body(preferencelist=("plain",)).get_content()
    links = re.findall(r"http://testserver(/me/\S+)", text)
    assert len(links) == 1
    return links[0]


def test_the_me_email_carries_a_one_time_link_not_the_reusable_one(mailed_link):
    assert mailed_link.startswith("/me/signin/")


def test_the_link_opens_the_list_once(app, client, db, mailed_link):
    page = client.get(mailed_link)  # a mail system following the link does not use it up
    assert page.status_code == 200 and "Family Nights" not in page.get_data(as_text=True)
    assert client.get(mailed_link).status_code == 200
    used = client.post(mailed_link)
    assert used.status_code == 303 and used.headers["Location"].endswith("/me/list")
    listing = client.get("/me/list")
    assert listing.status_code == 200 and "Family Nights" in listing.get_data(as_text=True)
    assert listing.headers["Cache-Control"] == "no-store"
    other_browser = app.test_client()
    assert other_browser.get(mailed_link).status_code == 404
    assert other_browser.post(mailed_link).status_code == 404
    assert other_browser.get("/me/list").status_code == 302  # nothing without the session that used the link


def test_the_link_expires_after_30_minutes(client, db, mailed_link, monkeypatch):
    later = int(time.time()) + 31 * 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert client.get(mailed_link).status_code == 410
    assert client.post(mailed_link).status_code == 410
    assert "Family Nights" not in client.get("/me/list").get_data(as_text=True)


def test_the_session_the_link_opened_ends(client, db, mailed_link, monkeypatch):
    client.post(mailed_link)
    assert client.get("/me/list").status_code == 200
    later = time.time() + 61 * 60
    monkeypatch.setattr("csi_events.registrations.me_signin_views.time.time", lambda: later)
    assert client.get("/me/list").status_code == 302


def test_an_expired_sign_in_link_says_30_minutes_not_7_days(client, db, mailed_link, monkeypatch):
    later = int(time.time()) + 31 * 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    page = client.get(mailed_link)
    body = page.get_data(as_text=True)
    assert page.status_code == 410
    assert "30 minutes" in body and "7 days" not in body


def test_a_used_sign_in_link_says_it_works_once(app, client, db, mailed_link):
    client.post(mailed_link)
    page = app.test_client().get(mailed_link)
    body = page.get_data(as_text=True)
    assert page.status_code == 404
    assert "already used" in body and "only once" in body and "7 days" not in body


def test_an_expired_manage_link_still_says_7_days(app, client, db, monkeypatch):
    from csi_events.links import make_token

    person = make_person(email="bo@example.org")
    db.session.commit()
    with app.test_request_context():
        token = make_token("manage", {"p": person.id})
    later = int(time.time()) + 8 * 24 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    page = client.get(f"/me/{token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 410 and "7 days" in body and "30 minutes" not in body
