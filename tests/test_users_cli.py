"""Issue 15: `flask users set-password EMAIL` and `flask users set-role EMAIL ROLE` call the same services as
the account pages (password rules, sessions ended, audit) and fail with exit code 1 and a clear message."""

from __future__ import annotations

from sqlalchemy import select

from csi_events.audit.models import AuditEvent
from csi_events.auth.models import User
from csi_events.auth.passwords import verify_password
from tests.factories import make_user


def _user(db, email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_set_password_asks_twice_hidden_and_ends_sessions(app, db):
    user = make_user("staff", email="kim@example.org")
    db.session.commit()
    old_token = user.session_token
    result = app.test_cli_runner().invoke(
        args=["users", "set-password", "Kim@Example.org"], input="a fresh long passphrase\na fresh long passphrase\n"
    )
    assert result.exit_code == 0, result.output
    assert "a fresh long passphrase" not in result.output  # hidden
    stored = _user(db, "kim@example.org")
    assert verify_password(stored.password_hash, "a fresh long passphrase")
    assert stored.session_token != old_token
    assert [e.details.get("via") for e in _events(db, "password_changed")] == ["cli"]


def test_set_password_from_stdin_applies_the_password_rules(app, db):
    user = make_user("staff", email="kim@example.org")
    db.session.commit()
    before = user.password_hash
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["users", "set-password", "kim@example.org", "--stdin"], input="password\n")
    assert refused.exit_code == 1 and "too common" in refused.output
    assert _user(db, "kim@example.org").password_hash == before
    short = runner.invoke(args=["users", "set-password", "kim@example.org", "--stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 8" in short.output
    done = runner.invoke(args=["users", "set-password", "kim@example.org", "--stdin"], input="piped passphrase ok\n")
    assert done.exit_code == 0, done.output
    assert verify_password(_user(db, "kim@example.org").password_hash, "piped passphrase ok")


def test_set_password_for_an_unknown_user_fails_clearly(app, db):
    result = app.test_cli_runner().invoke(args=["users", "set-password", "ghost@example.org", "--stdin"], input="x\n")
    assert result.exit_code == 1 and "No user with e-mail ghost@example.org" in result.output


def test_set_role_changes_the_role_ends_sessions_and_is_audited(app, db):
    user = make_user("facilitator", email="lee@example.org")
    db.session.commit()
    old_token = user.session_token
    result = app.test_cli_runner().invoke(args=["users", "set-role", "lee@example.org", "staff"])
    assert result.exit_code == 0, result.output
    stored = _user(db, "lee@example.org")
    assert stored.role == "staff" and stored.session_token != old_token
    [event] = _events(db, "role_changed")
    assert event.details == {"old": "facilitator", "new": "staff", "via": "cli"} and event.actor_user_id is None


def test_set_role_refuses_unknown_user_and_role(app, db):
    make_user("staff", email="lee@example.org")
    db.session.commit()
    runner = app.test_cli_runner()
    unknown_role = runner.invoke(args=["users", "set-role", "lee@example.org", "superuser"])
    assert unknown_role.exit_code == 1 and "Unknown role 'superuser'" in unknown_role.output
    assert _user(db, "lee@example.org").role == "staff"
    unknown_user = runner.invoke(args=["users", "set-role", "ghost@example.org", "admin"])
    assert unknown_user.exit_code == 1 and "No user with e-mail ghost@example.org" in unknown_user.output


def test_set_role_never_demotes_the_last_active_admin(app, db):
    make_user("admin", email="boss@example.org")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "set-role", "boss@example.org", "staff"])
    assert result.exit_code == 1 and "last active admin" in result.output
    assert _user(db, "boss@example.org").role == "admin"
