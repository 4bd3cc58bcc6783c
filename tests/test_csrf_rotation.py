"""Issue 12 hardening: the CSRF token is rotated at every sign-in (password, second factor, the one-time /me
link), so a token read before signing in does not validate after (docs/security.md, "Browser protections")."""

from __future__ import annotations

import re

import pytest

from csi_events import create_app
from csi_events.auth.onetime import make_once_token
from tests.factories import DEFAULT_PASSWORD, make_person, make_user


@pytest.fixture
def protected(database_url):
    """An app like production: CSRF checked on every form."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
            "BASE_URL": "http://testserver",
        }
    )
    return app


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def test_password_sign_in_rotates_the_csrf_token(app, db, protected):
    user = make_user("staff")
    db.session.commit()
    client = protected.test_client()
    before = _token(client, "/auth/login")
    signed_in = client.post(
        "/auth/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": before}
    )
    assert signed_in.status_code == 302
    after = _token(client, "/auth/account/password")
    assert after != before
    refused = client.post("/auth/logout", data={"csrf_token": before})
    assert refused.status_code == 400  # the token from before sign-in no longer validates
    assert client.get("/auth/account").status_code == 200  # still signed in
    assert client.post("/auth/logout", data={"csrf_token": after}).status_code == 302
    assert client.get("/auth/account").status_code == 302


def test_the_one_time_me_link_rotates_the_csrf_token(app, db, protected):
    person = make_person(email="ana@example.org")
    db.session.commit()
    client = protected.test_client()
    with protected.test_request_context():
        link = f"/me/signin/{make_once_token('signin', {'p': person.id})}"
    before = _token(client, link)
    used = client.post(link, data={"csrf_token": before})
    assert used.status_code == 303
    refused = client.post("/me", data={"email": "ana@example.org", "csrf_token": before})
    assert refused.status_code == 400
    after = _token(client, "/me")
    assert after != before
    assert client.post("/me", data={"email": "ana@example.org", "csrf_token": after}).status_code == 200
