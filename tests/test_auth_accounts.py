"""Accounts and sessions: password policy, password/e-mail change, disable, replayed cookies, timeouts, TOTP,
admin account and token pages, one-time sign-in links, no password in logs."""

from __future__ import annotations

import logging
import time

import pyotp
import pytest
from sqlalchemy import select

from csi_events.audit.models import AuditEvent
from csi_events.auth.models import ApiToken, User
from csi_events.auth.onetime import consume_once_token, make_once_token
from csi_events.auth.passwords import common_passwords, password_problems, verify_password
from csi_events.auth.services import find_api_token, match_totp
from csi_events.links import LinkInvalid
from tests.factories import DEFAULT_PASSWORD, make_user

STAFF_PAGE = "/auth/account"


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app, cookie_value: str):
    """A different browser presenting a copy of an old session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie_value)
    return thief.get(STAFF_PAGE)


def _refused(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def _actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- password policy ------------------------------------------------------------------------------------------


def test_common_list_is_large_and_refused_whatever_the_case():
    assert len(common_passwords()) > 3000
    for weak in ("Password123", "QWERTYUIOP", "summer2024", "11111111", "letmein123", "P@ssw0rd"):
        assert any("common" in p for p in password_problems(weak)), weak


def test_long_passphrases_without_composition_rules_are_accepted():
    assert password_problems("correct horse battery staple") == []
    assert password_problems("x" * 7) and password_problems("x" * 257)
    assert password_problems("b" * 256) == []  # long, all one class: fine (no composition rules)


def test_own_email_is_refused_as_password():
    assert password_problems("maria.lopez", ("maria.lopez@example.org",))


def test_password_is_stored_as_argon2id(db):
    from csi_events.auth.services import create_user

    user = create_user("a@example.org", "a fine passphrase", "staff")
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "a fine passphrase")


# --- password change, e-mail change, disable: every session ends ----------------------------------------------


@pytest.mark.slow
def test_password_change_needs_current_password_and_ends_other_sessions(app, client, db, login):
    user = make_user("staff")
    db.session.commit()
    login(user)
    old_cookie = _session_cookie(client)
    assert _replay(app, old_cookie).status_code == 200  # the copy works before the change

    wrong = client.post(
        "/auth/account/password",
        data={"current_password": "not it", "new_password": "a brand new phrase", "confirm": "a brand new phrase"},
    )
    assert wrong.status_code == 422
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, DEFAULT_PASSWORD)

    common = client.post(
        "/auth/account/password",
        data={"current_password": DEFAULT_PASSWORD, "new_password": "password123", "confirm": "password123"},
    )
    assert common.status_code == 422 and "too common" in common.get_data(as_text=True)

    ok = client.post(
        "/auth/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "a brand new phrase",
            "confirm": "a brand new phrase",
        },
    )
    assert ok.status_code == 302
    assert client.get(STAFF_PAGE).status_code == 200  # this browser continues
    assert _refused(_replay(app, old_cookie))  # the copied old cookie is refused
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, "a brand new phrase")
    assert "password_changed" in _actions(db)


def test_email_change_needs_current_password(app, client, db, login):
    user = make_user("staff", email="old@example.org")
    db.session.commit()
    login(user)
    old_cookie = _session_cookie(client)
    refused = client.post("/auth/account/email", data={"email": "new@example.org", "current_password": "guess"})
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "old@example.org"
    ok = client.post("/auth/account/email", data={"email": "New@Example.org", "current_password": DEFAULT_PASSWORD})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "new@example.org"
    assert _refused(_replay(app, old_cookie))


def test_logout_makes_a_replayed_cookie_useless(app, client, db, login):
    user = make_user("staff")
    db.session.commit()
    login(user)
    old_cookie = _session_cookie(client)
    client.post("/auth/logout")
    assert _refused(_replay(app, old_cookie))


def test_admin_disable_ends_sessions_and_tokens_and_is_audited(app, client, db, login):
    admin = make_user("admin")
    victim = make_user("staff")
    db.session.commit()
    victim_browser = app.test_client()
    assert (
        victim_browser.post("/auth/login", data={"email": victim.email, "password": DEFAULT_PASSWORD}).status_code
        == 302
    )
    from csi_events.auth.services import create_api_token

    token = create_api_token(victim, ["read"])
    db.session.commit()
    login(admin)
    assert client.post(f"/staff/admin/users/{victim.id}/disable").status_code == 302
    assert _refused(victim_browser.get(STAFF_PAGE))
    assert find_api_token(token) is None
    again = app.test_client().post("/auth/login", data={"email": victim.email, "password": DEFAULT_PASSWORD})
    assert again.status_code == 401
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_disabled"))
    assert event.actor_user_id == admin.id and event.target_id == str(victim.id)


def test_admin_changes_role_with_audit_and_cannot_demote_self(client, db, login):
    admin = make_user("admin")
    other = make_user("facilitator")
    db.session.commit()
    login(admin)
    assert client.post(f"/staff/admin/users/{other.id}", data={"role": "staff"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, other.id).role == "staff"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role_changed"))
    assert event.details == {"old": "facilitator", "new": "staff"} and event.actor_user_id == admin.id
    assert client.post(f"/staff/admin/users/{admin.id}", data={"role": "staff"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin"


def test_admin_creates_account_with_generated_password_shown_once(client, db, login):
    login(make_user("admin"))
    response = client.post("/staff/admin/users/new", data={"email": "new@example.org", "role": "facilitator"})
    assert response.status_code == 200
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert user.role == "facilitator"
    body = response.get_data(as_text=True)
    assert "user_created" in _actions(db)
    # the shown password works, and is only the hash in the database
    import re

    shown = re.search(r'<code class="secret">([^<]+)</code>', body).group(1)
    assert verify_password(user.password_hash, shown) and shown not in user.password_hash
    assert response.headers["Cache-Control"] == "no-store"


def test_staff_cannot_open_admin_pages(client, db, login):
    login(make_user("staff"))
    assert client.get("/staff/admin/users").status_code == 403
    assert client.get("/staff/admin/tokens").status_code == 403


# --- API tokens page ------------------------------------------------------------------------------------------


def test_admin_token_page_shows_token_once_and_revokes_with_audit(client, db, login):
    admin = make_user("admin")
    owner = make_user("staff", email="owner@example.org")
    db.session.commit()
    login(admin)
    response = client.post(
        "/staff/admin/tokens/new",
        data={"user_email": "owner@example.org", "name": "SIS sync", "scopes": ["read", "checkin"], "days": "30"},
    )
    assert response.status_code == 200
    import re

    token = re.search(r'<code class="secret">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    row = find_api_token(token)
    assert row is not None and row.user_id == owner.id and row.scope_set == {"read", "checkin"}
    assert row.expires_at is not None
    listing = client.get("/staff/admin/tokens").get_data(as_text=True)
    assert "SIS sync" in listing and token not in listing
    assert client.post(f"/staff/admin/tokens/{row.id}/revoke").status_code == 302
    db.session.expire_all()
    assert find_api_token(token) is None
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(["token_created", "token_revoked"]))
    ).all()
    assert [e.action for e in events] == ["token_created", "token_revoked"]
    assert all(e.actor_user_id == admin.id and e.target_id == str(row.id) for e in events)
    assert all(token not in str(e.details) for e in events)


def test_expired_token_is_refused(db):
    from datetime import timedelta

    from csi_events.auth.services import create_api_token
    from csi_events.db import utcnow

    token = create_api_token(make_user("staff"), ["read"], expires_at=utcnow() - timedelta(seconds=1))
    assert find_api_token(token) is None
    assert db.session.scalar(select(ApiToken)).token_hash != token


# --- idle and absolute timeouts -------------------------------------------------------------------------------


def _age_session(client, *, idle: int = 0, since_login: int = 0):
    with client.session_transaction() as s:
        now = int(time.time())
        s["seen_at"] = now - idle
        s["auth_at"] = now - since_login


def test_idle_timeout_signs_out_staff_after_30_minutes(client, db, login):
    login(make_user("staff"))
    _age_session(client, idle=29 * 60, since_login=29 * 60)
    assert client.get(STAFF_PAGE).status_code == 200
    _age_session(client, idle=31 * 60, since_login=31 * 60)
    assert _refused(client.get(STAFF_PAGE))


def test_absolute_timeout_applies_even_when_active(client, db, login):
    login(make_user("staff"))
    _age_session(client, idle=10, since_login=12 * 3600 + 60)
    assert _refused(client.get(STAFF_PAGE))


def test_facilitator_idle_timeout_is_longer_at_the_door(client, db, login):
    login(make_user("facilitator"))
    _age_session(client, idle=60 * 60, since_login=60 * 60)
    assert client.get(STAFF_PAGE).status_code == 200


# --- TOTP second factor ---------------------------------------------------------------------------------------


def test_totp_enrol_then_login_needs_code_and_a_code_works_once(app, client, db, login):
    user = make_user("admin")
    db.session.commit()
    login(user)
    page = client.get("/auth/account/two-factor")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "otpauth://totp/" in body and "<svg" in body
    with client.session_transaction() as s:
        secret = s["totp_enrol_secret"]
    assert client.post("/auth/account/two-factor", data={"code": "000000"}).status_code in (422,)
    assert client.post("/auth/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    db.session.expire_all()
    enrolled = db.session.get(User, user.id)
    assert enrolled.totp_secret == secret
    enrolled.totp_last_step = None  # as if enrolled a while ago (the enrolment code's step is used up)
    db.session.commit()

    browser = app.test_client()
    step1 = browser.post("/auth/login?next=/auth/account", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert step1.status_code == 302 and step1.headers["Location"].endswith("/auth/login/code")
    assert _refused(browser.get(STAFF_PAGE))  # the password alone does not sign in
    assert browser.post("/auth/login/code", data={"code": "123456"}).status_code == 401
    code = pyotp.TOTP(secret).now()
    step2 = browser.post("/auth/login/code", data={"code": code})
    assert step2.status_code == 302 and step2.headers["Location"].endswith("/auth/account")
    assert browser.get(STAFF_PAGE).status_code == 200

    # the same code cannot be used again (replay within its 30 s window)
    third = app.test_client()
    third.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert third.post("/auth/login/code", data={"code": code}).status_code == 401
    assert "login_failed" in _actions(db)


def test_match_totp_accepts_neighbour_steps_only():
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = 1_700_000_000
    step = now // 30
    assert match_totp(secret, totp.at(now), now=now) == step
    assert match_totp(secret, totp.at(now - 30), now=now) == step - 1
    assert match_totp(secret, totp.at(now - 90), now=now) is None
    assert match_totp(secret, totp.at(now), now=now, after_step=step) is None


# --- one-time sign-in links -----------------------------------------------------------------------------------


def test_signin_link_works_once(app, db):
    with app.test_request_context():
        token = make_once_token("signin", {"person": 7})
        assert consume_once_token("signin", token) == {"person": 7}
        db.session.commit()
        with pytest.raises(LinkInvalid):
            consume_once_token("signin", token)
        with pytest.raises(LinkInvalid):  # another purpose's signature never opens it
            consume_once_token("manage", token)


# --- no password or secret in logs or audit -------------------------------------------------------------------


def test_login_password_never_reaches_logs_or_audit(app, client, db, caplog):
    user = make_user("staff")
    db.session.commit()
    secret_try = "Wrong-Secret-Passphrase-9431"
    with caplog.at_level(logging.DEBUG):
        client.post("/auth/login", data={"email": user.email, "password": secret_try})
        client.post("/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    text = caplog.text + " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
    assert _actions(db) == ["login_failed", "login"]
    assert secret_try not in text and DEFAULT_PASSWORD not in text
