"""Issue 15: "Forgot password" for staff and facilitator accounts: the same answer whether or not the address
has an account; a one-time link by e-mail (outbox, a real SMTP server), 30 minutes; the link sets a new
password under the password rules and signs the account out everywhere; limited per client and per address."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from csi_events import create_app
from csi_events.auth.models import User
from csi_events.auth.passwords import verify_password
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.smtp_server import smtp_backend

NEW = "a brand new passphrase"


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


def _link(smtp) -> str:
    text = smtp.received[-1].message.get_body(preferencelist=("plain",)).get_content()
    links = re.findall(r"http://testserver(/auth/reset/\S+)", text)
    assert len(links) == 1, text
    return links[0]


def _stored(db, email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def mailed_link(client, db, smtp):
    make_user("staff", email="ana@example.org", display_name="Ana Reyes")
    db.session.commit()
    response = client.post("/auth/forgot", data={"email": "Ana@Example.org"})
    assert response.status_code == 200
    assert len(smtp.received) == 1 and smtp.received[0].rcpt_tos == ["ana@example.org"]
    return _link(smtp)


def test_the_sign_in_page_offers_it(client):
    assert 'href="/auth/forgot"' in client.get("/auth/login").get_data(as_text=True)


def test_address_and_password_fields_name_their_purpose(client):
    """WCAG 1.3.5: browsers and password managers can fill the sign-in address and the passwords."""
    login = client.get("/auth/login").get_data(as_text=True)
    forgot = client.get("/auth/forgot").get_data(as_text=True)
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*id="email"', login), login
    assert re.search(r'<input[^>]*autocomplete="current-password"[^>]*id="password"', login), login
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*id="email"', forgot), forgot


def test_known_and_unknown_addresses_get_the_same_answer(client, db, smtp):
    make_user("staff", email="ana@example.org")
    make_user("staff", email="off@example.org", active=False)
    db.session.commit()
    answers = []
    for address in ("ana@example.org", "nobody@example.org", "off@example.org"):
        response = client.post("/auth/forgot", data={"email": address})
        answers.append((response.status_code, response.get_data()))
    assert answers[0] == answers[1] == answers[2] and answers[0][0] == 200
    assert [r.rcpt_tos for r in smtp.received] == [["ana@example.org"]]  # only the active account is mailed


def test_the_link_sets_a_password_once_and_ends_every_session(app, client, db, login, mailed_link):
    other_browser = app.test_client()
    signed_in = other_browser.post("/auth/login", data={"email": "ana@example.org", "password": DEFAULT_PASSWORD})
    assert signed_in.status_code == 302 and other_browser.get("/auth/account").status_code == 200
    page = client.get(mailed_link)  # opening it uses nothing up (mail systems follow links)
    assert page.status_code == 200 and client.get(mailed_link).status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    done = client.post(mailed_link, data={"new_password": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.headers["Location"].endswith("/auth/login")
    assert verify_password(_stored(db, "ana@example.org").password_hash, NEW)
    assert other_browser.get("/auth/account").status_code == 302  # signed out
    again = client.post(
        mailed_link, data={"new_password": "yet another passphrase", "confirm": "yet another passphrase"}
    )
    assert again.status_code == 404 and "used already" in again.get_data(as_text=True)
    assert client.get(mailed_link).status_code == 404
    assert verify_password(_stored(db, "ana@example.org").password_hash, NEW)
    assert client.post("/auth/login", data={"email": "ana@example.org", "password": NEW}).status_code == 302


def test_the_password_rules_apply_and_a_refused_password_keeps_the_link(client, db, mailed_link):
    before = _stored(db, "ana@example.org").password_hash
    common = client.post(mailed_link, data={"new_password": "password", "confirm": "password"})
    assert common.status_code == 422 and "too common" in common.get_data(as_text=True)
    own = client.post(mailed_link, data={"new_password": "ana@example.org", "confirm": "ana@example.org"})
    assert own.status_code == 422
    differ = client.post(mailed_link, data={"new_password": NEW, "confirm": NEW + "x"})
    assert differ.status_code == 422
    assert _stored(db, "ana@example.org").password_hash == before
    assert client.post(mailed_link, data={"new_password": NEW, "confirm": NEW}).status_code == 303


def test_the_link_expires_after_30_minutes(client, db, mailed_link, monkeypatch):
    later = int(time.time()) + 31 * 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    page = client.get(mailed_link)
    assert page.status_code == 410 and "30 minutes" in page.get_data(as_text=True)
    assert client.post(mailed_link, data={"new_password": NEW, "confirm": NEW}).status_code == 410
    assert not verify_password(_stored(db, "ana@example.org").password_hash, NEW)


def test_the_link_works_until_29_minutes(client, db, mailed_link, monkeypatch):
    later = int(time.time()) + 29 * 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert client.post(mailed_link, data={"new_password": NEW, "confirm": NEW}).status_code == 303


def test_a_password_changed_meanwhile_voids_the_link(app, db, mailed_link):
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "ana@example.org", "--stdin"], input="changed by the admin\n"
    )
    assert result.exit_code == 0
    assert app.test_client().get(mailed_link).status_code == 404


def test_forgot_is_rate_limited_per_client_and_per_address(app, db, database_url):
    make_user("staff", email="ana@example.org")
    db.session.commit()
    limited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "BASE_URL": "http://testserver",
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": app.config["MAIL_FILE_DIR"],
        }
    )
    client = limited.test_client()
    # per address: the same address from many clients
    statuses = [
        client.post(
            "/auth/forgot", data={"email": "ana@example.org"}, environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    unknown = [
        client.post(
            "/auth/forgot", data={"email": "ghost@example.org"}, environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}
        ).status_code
        for n in range(4)
    ]
    assert unknown == statuses  # an unknown address is limited the same way: the limit tells nothing
    # per client: many addresses from one client
    many = [
        client.post(
            "/auth/forgot", data={"email": f"x{n}@example.org"}, environ_base={"REMOTE_ADDR": "192.0.2.1"}
        ).status_code
        for n in range(6)
    ]
    assert many == [200] * 5 + [429]
