"""/healthz (the process answers) and /readyz (database, Redis when configured, migrations at head)."""

from __future__ import annotations

import os
import socket
import uuid

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from csi_events import create_app
from csi_events.public import readiness


@pytest.fixture
def fresh_readiness(app):
    """No cached answer before or after: each test sees its own checks."""
    readiness.forget_cached(app)
    yield app
    readiness.forget_cached(app)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def _stored_revisions(db) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _set_revision(db, revision: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_healthz_answers_without_a_database_round_trip(client, db, monkeypatch):
    def no_database():
        raise AssertionError("/healthz must not touch the database")

    monkeypatch.setattr(db, "session", None)
    monkeypatch.setattr(readiness, "check_database", no_database)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_ready_when_database_and_migrations_are_at_head(client, fresh_readiness):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "redis": "not configured"},
    }
    assert "Set-Cookie" not in response.headers


def test_readyz_503_when_the_database_is_at_an_older_revision(client, db, fresh_readiness):
    (head,) = _stored_revisions(db)
    directory = fresh_readiness.extensions["migrate"].directory
    previous = ScriptDirectory(directory).get_revision(head).down_revision
    assert isinstance(previous, str)
    _set_revision(db, previous)
    try:
        response = client.get("/readyz")
    finally:
        _set_revision(db, head)
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["failed"] == ["migrations"]
    assert body["checks"]["database"] == "ok"


def test_readyz_503_when_the_redis_rate_limit_store_is_unreachable(client, fresh_readiness):
    fresh_readiness.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{_closed_port()}/0"
    try:
        response = client.get("/readyz")
    finally:
        fresh_readiness.config["RATELIMIT_STORAGE_URI"] = "memory://"
    assert response.status_code == 503
    assert response.get_json()["failed"] == ["redis"]
    assert response.get_json()["checks"]["redis"] == "failed"


def test_readyz_checks_a_reachable_redis(client, fresh_readiness):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (CI sets it)")
    fresh_readiness.config["RATELIMIT_STORAGE_URI"] = redis_url
    try:
        response = client.get("/readyz")
    finally:
        fresh_readiness.config["RATELIMIT_STORAGE_URI"] = "memory://"
    assert response.status_code == 200
    assert response.get_json()["checks"]["redis"] == "ok"


def test_readyz_answer_is_cached_for_a_few_seconds(client, db, fresh_readiness):
    assert client.get("/readyz").status_code == 200
    (head,) = _stored_revisions(db)
    _set_revision(db, "0000older")
    try:
        cached = client.get("/readyz")
        readiness.forget_cached(fresh_readiness)
        fresh = client.get("/readyz")
    finally:
        _set_revision(db, head)
    assert cached.status_code == 200
    assert fresh.status_code == 503


def test_health_probes_are_exempt_from_rate_limits(database_url):
    """Even when a deployment's limits would name them, a proxy probing every second is never refused
    (conftest's autouse fixture puts the process-wide limiter back afterwards)."""
    limited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_KEY_PREFIX": f"probe-{uuid.uuid4().hex}",
            "ABUSE_RATE_LIMITS": {"public.healthz": "2 per minute", "public.readyz": "2 per minute"},
        }
    )
    client = limited.test_client()
    statuses = [client.get(path).status_code for path in ("/healthz", "/readyz") for _ in range(4)]
    assert statuses == [200] * 8
