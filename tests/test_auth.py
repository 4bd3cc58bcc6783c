from sqlalchemy import select

from csi_events.audit.models import AuditEvent
from csi_events.auth.views import safe_next
from tests.factories import make_user


def test_login_with_right_password_signs_in_and_is_audited(client, db):
    user = make_user("staff", email="staff@example.org")
    db.session.commit()
    response = client.post("/auth/login", data={"email": " Staff@Example.org ", "password": "correct horse battery"})
    assert response.status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions == ["login"]
    assert db.session.get(type(user), user.id).last_login_at is not None


def test_login_with_wrong_password_is_refused_and_audited(client, db):
    make_user("staff", email="staff@example.org")
    db.session.commit()
    response = client.post("/auth/login", data={"email": "staff@example.org", "password": "wrong password"})
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent.action)).all() == ["login_failed"]


def test_logout_ends_every_session_of_the_user(client, db, login, app):
    user = make_user("staff")
    db.session.commit()
    login(user)
    other = app.test_client()
    assert other.post("/auth/login", data={"email": user.email, "password": "correct horse battery"}).status_code == 302
    client.post("/auth/logout")
    # the other browser's cookie was minted before the logout: it no longer works
    response = other.get("/staff/opportunities")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_next_redirect_stays_on_this_site():
    assert safe_next("/staff/opportunities") == "/staff/opportunities"
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""):
        assert safe_next(bad) is None


def test_cli_creates_user_and_token(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "new@example.org", "--role", "facilitator", "--password", "a long passphrase"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["tokens", "create", "new@example.org", "--scope", "read", "--scope", "checkin"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    from csi_events.auth.models import ApiToken
    from csi_events.auth.services import find_api_token, hash_token

    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert find_api_token(token).scope_set == {"read", "checkin"}


def test_cli_refuses_common_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "x@example.org", "--role", "staff", "--password", "password"]
    )
    assert result.exit_code != 0
    assert "too common" in result.output
