"""A pytest plugin that runs a previous release's own tests on the schema of a newer release.

During a rolling deploy the previous release keeps serving while the new release's migrations have already run
(docs/operations.md, "Upgrades"). tests/test_previous_release_on_new_schema.py checks out the previous release
into a folder and runs part of its test suite there with this plugin loaded (`-p previous_release_schema`):

- where that suite builds its schema from its models (`db.drop_all()` then `db.create_all()`), the plugin
  empties the database instead and runs the NEWER release's migrations (the folder in NEW_MIGRATIONS) up to
  their head, so the old code meets exactly the schema it would meet in production;
- the Alembic version row is then removed, so that the old suite's own `stamp("head")` (of its older
  migrations) can write its revision.

EXTRA_SQL (optional) is run after the migrations, one statement per `;`: the test uses it to show that a
destructive change (a dropped column) makes the old suite fail, i.e. that this check can fail. With
PREVIOUS_RELEASE_MARK set, every migration run appends a line to that file, so the test knows the plugin ran.
"""

from __future__ import annotations

import os

from flask_migrate import upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, text


def _empty(db: SQLAlchemy) -> None:
    """Everything out: the newer schema's tables, triggers and functions included."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        return
    existing = MetaData()
    existing.reflect(engine)
    existing.drop_all(engine)


def _migrate(db: SQLAlchemy) -> None:
    upgrade(directory=os.environ["NEW_MIGRATIONS"])
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        for statement in filter(None, (s.strip() for s in os.environ.get("EXTRA_SQL", "").split(";"))):
            conn.execute(text(statement))
    if os.environ.get("PREVIOUS_RELEASE_MARK"):
        with open(os.environ["PREVIOUS_RELEASE_MARK"], "a", encoding="utf-8") as mark:
            mark.write(f"migrated {db.engine.url.render_as_string()}\n")


def pytest_configure(config) -> None:
    SQLAlchemy.drop_all = lambda self, *args, **kwargs: _empty(self)  # type: ignore[method-assign]
    SQLAlchemy.create_all = lambda self, *args, **kwargs: _migrate(self)  # type: ignore[method-assign]
