"""Rolling deploys: while instances restart one by one, the previous release runs on the new schema. That is
safe when a migration's upgrade() only expands: new tables, new columns that are nullable or have a server
default, new indexes that are not unique on an existing table. Anything else (dropping or renaming a table or
column, a new NOT NULL without a default, a type change, a new unique or check constraint on an existing table)
can break the previous release's reads or writes, and is allowed only in a contract migration: one that says
so with a module-level CONTRACT string naming the release that stopped using what it removes
(docs/operations.md, "Upgrades"). Checked statically on every migration, so the previous release never needs
to be checked out; the rule itself is tested on a sample that breaks it."""

from __future__ import annotations

import ast
from pathlib import Path

VERSIONS = Path(__file__).resolve().parents[1] / "csi_events" / "migrations" / "versions"
REMOVING = {"drop_column", "drop_table", "rename_table", "drop_constraint"}
TIGHTENING = {"create_unique_constraint", "create_check_constraint", "create_primary_key"}


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _first_string(call: ast.Call) -> str | None:
    first = call.args[0] if call.args else None
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def _declares_contract(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "CONTRACT" for t in node.targets)
        for node in tree.body
    )


def _step_problem(call: ast.Call, created: set[str | None]) -> str | None:
    """Why this one operation may break the previous release, or None."""
    name = call.func.attr  # type: ignore[attr-defined]
    if name in REMOVING:
        return "removes what the previous release may still use"
    if name in TIGHTENING:
        return "may refuse the previous release's writes"
    if name == "alter_column" and (
        _kw(call, "new_column_name") or _kw(call, "type_") or _is_false(_kw(call, "nullable"))
    ):
        return "renames, retypes or makes NOT NULL an existing column"
    if name == "add_column":
        column = next((a for a in call.args if isinstance(a, ast.Call)), None)
        if column is not None and _is_false(_kw(column, "nullable")) and _kw(column, "server_default") is None:
            return "adds a NOT NULL column without a server default (old INSERTs fail)"
    if name == "create_index" and _kw(call, "unique") is not None and not _is_false(_kw(call, "unique")):
        table = call.args[1].value if len(call.args) > 1 and isinstance(call.args[1], ast.Constant) else None
        if table not in created:
            return "adds a unique index to an existing table"
    return None


def violations(source: str) -> list[str]:
    """What an upgrade() does that the previous release may not survive (empty when it only expands or the
    module declares CONTRACT), in source order."""
    tree = ast.parse(source)
    upgrade = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None)
    if upgrade is None or _declares_contract(tree):
        return []
    calls = sorted(
        (n for n in ast.walk(upgrade) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    created = {_first_string(c) for c in calls if c.func.attr == "create_table"}  # type: ignore[attr-defined]
    found = []
    for call in calls:
        problem = _step_problem(call, created)
        if problem is not None:
            found.append(f"line {call.lineno}: {call.func.attr} {problem}")  # type: ignore[attr-defined]
    return found


def test_every_migration_only_expands_or_says_it_contracts():
    report = {
        path.name: problems
        for path in sorted(VERSIONS.glob("*.py"))
        if (problems := violations(path.read_text(encoding="utf-8")))
    }
    assert report == {}


BREAKING = """
def upgrade():
    op.create_table("notes", sa.Column("id", sa.Integer(), nullable=False))
    op.create_index("ix_notes_id", "notes", ["id"], unique=True)
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("nickname", sa.String(50), nullable=False))
        batch.add_column(sa.Column("score", sa.Integer(), nullable=False, server_default="0"))
        batch.alter_column("email", new_column_name="address")
        batch.drop_column("needs")
    op.create_index("ix_people_phone", "people", ["phone"], unique=True)
    op.create_unique_constraint("uq_people_phone", "people", ["phone"])
"""


def test_the_rule_finds_each_breaking_step_and_a_contract_migration_may_take_them():
    found = violations(BREAKING)
    assert [f.split(":")[1].strip().split()[0] for f in found] == [
        "add_column",
        "alter_column",
        "drop_column",
        "create_index",
        "create_unique_constraint",
    ]
    assert violations('CONTRACT = "release 2027.1 stopped reading people.needs"\n' + BREAKING) == []
