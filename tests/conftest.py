"""Test fixtures: one app per worker, a clean database for every test, on SQLite or PostgreSQL.

TEST_DATABASE_URL=postgresql+psycopg://... runs the suite on PostgreSQL (each xdist worker gets its own
database, created on first use); without it each worker uses its own SQLite file.
"""

from __future__ import annotations

import contextlib
import os

import pytest
from flask_migrate import stamp
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from csi_events import create_app
from csi_events.extensions import db as _db


def _worker_database_url(tmp_dir, worker: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir}/test-{worker}.db"
    parsed = make_url(url)
    name = parsed.database if worker == "master" else f"{parsed.database}_{worker}"
    ensure_postgres_database(parsed, name)
    return parsed.set(database=name).render_as_string(hide_password=False)


def ensure_postgres_database(parsed, name: str) -> None:
    """Create database `name` on the server of `parsed` unless it exists."""
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def worker_id_safe(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id_safe) -> str:
    return _worker_database_url(tmp_path_factory.mktemp("db"), worker_id_safe)


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "http://testserver",
            "SERVER_NAME": None,
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": str(instance / "mail"),
        }
    )
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        # Made from the models, which the migrations match (tests/test_migrations.py): at the head revision,
        # as /readyz checks.
        stamp(revision="head")
    return app


def _wipe(engine) -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
            # Deleting check-ins noted their people (reports/watch.py): forget those notes too.
            conn.execute(text("DELETE FROM report_dirty_people"))


@pytest.fixture(autouse=True)
def _limiter_state_restored():
    """Flask-Limiter is one object per process and every create_app() re-initialises it: a test that
    builds its own app (limits on, another storage) must not leave limits on for the tests after it."""
    from csi_events.extensions import limiter

    saved = dict(limiter.__dict__)
    yield
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)
    with contextlib.suppress(Exception):  # a storage that cannot reset has nothing stored
        limiter.reset()


@pytest.fixture
def app(_app, tmp_path):
    _app.config["MAIL_FILE_DIR"] = str(tmp_path / "mail")  # each test its own mailbox
    ctx = _app.app_context()
    ctx.push()
    try:
        yield _app
    finally:
        _db.session.remove()
        _wipe(_db.engine)
        ctx.pop()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client, db):
    """login(user) signs the test client in as that user (password from factories)."""
    from tests.factories import DEFAULT_PASSWORD

    def _login(user, password: str = DEFAULT_PASSWORD):
        response = client.post("/auth/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login
