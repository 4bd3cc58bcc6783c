"""Issue 12 hardening: failed sign-ins are counted per account (in the users table), and a slow guess from
many addresses meets a pause that grows (5 free failures, then 1 minute, doubling, at most 1 hour), never a
permanent lock; one e-mail to the owner when the pause first starts (docs/security.md, "Accounts and sessions")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from csi_events import create_app
from csi_events.auth import throttle
from csi_events.auth.models import User
from csi_events.db import utcnow
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.smtp_server import smtp_backend

WRONG_ONLY = "That e-mail and password do not match an active account."
LATER = "try again later"


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved by tests (no sleeping)."""
    state = {"now": utcnow()}
    monkeypatch.setattr(throttle, "utcnow", lambda: state["now"])

    def move(**delta):
        state["now"] += timedelta(**delta)
        return state["now"]

    move.now = lambda: state["now"]
    return move


def _try(client, email: str, password: str, address: str):
    response = client.post(
        "/auth/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )
    return response.status_code, response.get_data(as_text=True)


def _stored(db, email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_the_pause_grows_from_one_minute_and_stops_at_one_hour():
    assert [throttle.pause_after(n) for n in range(5)] == [timedelta(0)] * 5
    minutes = [throttle.pause_after(n) / timedelta(minutes=1) for n in range(5, 13)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60]
    assert throttle.pause_after(10_000) == timedelta(hours=1)


def test_a_slow_guess_from_many_addresses_is_paused_and_the_owner_mailed_once(client, db, smtp, clock):
    make_user("staff", email="ana@example.org", display_name="Ana")
    db.session.commit()
    for n in range(4):
        status, body = _try(client, "ana@example.org", f"guess {n}", f"203.0.113.{n}")
        assert status == 401 and WRONG_ONLY in body and LATER not in body
    assert _stored(db, "ana@example.org").failed_logins == 4
    assert smtp.received == []
    status, body = _try(client, "ana@example.org", "guess 5", "198.51.100.5")
    assert status == 401 and WRONG_ONLY in body and LATER in body
    stored = _stored(db, "ana@example.org")
    assert stored.failed_logins == 5 and stored.login_paused_until == clock.now() + timedelta(minutes=1)
    # During the pause the right password is refused with the same words, and tries are not counted.
    status, body = _try(client, "ana@example.org", DEFAULT_PASSWORD, "198.51.100.6")
    assert status == 401 and WRONG_ONLY in body and LATER in body
    assert client.get("/auth/account").status_code == 302  # not signed in
    for n in range(3):
        _try(client, "ana@example.org", f"more {n}", f"192.0.2.{n}")
    assert _stored(db, "ana@example.org").failed_logins == 5
    assert len(smtp.received) == 1
    mail = smtp.received[0].message
    assert mail["To"].addresses[0].addr_spec == "ana@example.org"
    assert "paused" in mail["Subject"]
    assert "5 times" in mail.get_body(preferencelist=("plain",)).get_content()
    # A pause is never permanent: after it ends the right password signs in and the count starts again.
    clock(seconds=61)
    status, _body = _try(client, "ana@example.org", DEFAULT_PASSWORD, "198.51.100.7")
    assert status == 302
    stored = _stored(db, "ana@example.org")
    assert stored.failed_logins == 0 and stored.login_paused_until is None
    assert len(smtp.received) == 1


def test_each_further_failure_doubles_the_pause_up_to_an_hour(client, db, smtp, clock):
    make_user("staff", email="bo@example.org")
    db.session.commit()
    for n in range(5):
        _try(client, "bo@example.org", f"guess {n}", "203.0.113.1")
    pauses = []
    for n in range(8):
        clock(seconds=3601)  # every pause has ended
        _try(client, "bo@example.org", f"later guess {n}", f"203.0.113.{n + 10}")
        pauses.append((_stored(db, "bo@example.org").login_paused_until - clock.now()) / timedelta(minutes=1))
    assert pauses == [2, 4, 8, 16, 32, 60, 60, 60]
    assert len(smtp.received) == 1  # one e-mail when the pause first started, not one per failure
    clock(seconds=3601)
    assert _try(client, "bo@example.org", DEFAULT_PASSWORD, "203.0.113.99")[0] == 302


def test_a_success_resets_the_count(client, db, clock):
    make_user("staff", email="cy@example.org")
    db.session.commit()
    for n in range(4):
        _try(client, "cy@example.org", f"guess {n}", "203.0.113.1")
    assert _try(client, "cy@example.org", DEFAULT_PASSWORD, "203.0.113.1")[0] == 302
    client.post("/auth/logout")
    assert _stored(db, "cy@example.org").failed_logins == 0
    for n in range(4):
        status, body = _try(client, "cy@example.org", f"again {n}", "203.0.113.1")
        assert LATER not in body
    assert _stored(db, "cy@example.org").login_paused_until is None


def test_the_count_is_shared_by_every_process(app, db, database_url, clock):
    """The counter lives in the database: failures seen by two app instances add up."""
    make_user("staff", email="di@example.org")
    db.session.commit()
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    first, second = app.test_client(), other.test_client()
    for n in range(3):
        _try(first, "di@example.org", f"a {n}", "203.0.113.1")
    for n in range(2):
        _try(second, "di@example.org", f"b {n}", "203.0.113.2")
    assert _stored(db, "di@example.org").failed_logins == 5
    status, body = _try(first, "di@example.org", DEFAULT_PASSWORD, "203.0.113.3")
    assert status == 401 and LATER in body


def test_unknown_addresses_are_not_counted_or_paused(client, db, clock):
    for n in range(7):
        status, body = _try(client, "nobody@example.org", f"guess {n}", "203.0.113.1")
        assert status == 401 and LATER not in body


def test_wrong_second_step_codes_count_and_a_paused_account_refuses_the_right_code(client, db, clock):
    import pyotp

    secret = pyotp.random_base32()
    make_user("admin", email="ed@example.org", totp_secret=secret)
    db.session.commit()
    assert _try(client, "ed@example.org", DEFAULT_PASSWORD, "203.0.113.1")[0] == 302  # on to the code step
    for _n in range(5):
        assert client.post("/auth/login/code", data={"code": "000000"}).status_code == 401
    stored = _stored(db, "ed@example.org")
    assert stored.failed_logins == 5 and stored.login_paused_until is not None
    refused = client.post("/auth/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert refused.status_code == 401 and LATER in refused.get_data(as_text=True)
    assert client.get("/auth/account").status_code == 302
