"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import ast
import os
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from csi_events import create_app
from csi_events.extensions import db
from tests.conftest import ensure_postgres_database


def _fresh_url(tmp_path, worker_id_safe) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path}/migrated.db"
    parsed = make_url(url)
    name = f"{parsed.database}_migrations_{worker_id_safe}"
    ensure_postgres_database(parsed, name)
    fresh = parsed.set(database=name)
    engine = create_engine(fresh)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    return fresh.render_as_string(hide_password=False)


def test_migrations_match_models(app, tmp_path, worker_id_safe):
    with db.engine.connect() as conn:  # the test database, made from the models
        model_triggers = _triggers(conn)
    url = _fresh_url(tmp_path, worker_id_safe)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
            migrated_triggers = _triggers(conn)
        db.engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"
    # The report rollup's triggers (reports/watch.py) exist alike in a migrated database and in one made
    # from the models (the test database).
    assert model_triggers == migrated_triggers
    assert len(migrated_triggers) >= 7


def _triggers(conn) -> set[str]:
    if conn.dialect.name == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    return set(conn.exec_driver_sql(sql).scalars())


VERSIONS = Path(__file__).resolve().parent.parent / "csi_events" / "migrations" / "versions"


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_migrations_import_no_application_code():
    """An old migration must not change when the application's code does: its DDL is written in it."""
    migrations = sorted(VERSIONS.glob("*.py"))
    assert migrations
    for path in migrations:
        app_imports = {name for name in _imported_modules(path) if name.startswith(("csi_events", "."))}
        assert app_imports == set(), f"{path.name} imports application code: {sorted(app_imports)}"
