"""The previous release keeps working on the new schema (a rolling deploy: the migrations run first, the old
instances serve until they are replaced; docs/operations.md, "Upgrades").

The previous release is the commit before the newest migration was added. Its own fast test suite runs, from a
copy of that commit, against a database built by THIS release's migrations (tools/previous_release_schema.py
swaps its create_all for them). A second run adds a destructive change (a dropped column the old code uses) and
must fail: the check can tell a breaking schema from a compatible one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ROOT / "csi_events" / "migrations" / "versions"

pytestmark = pytest.mark.slow


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def _head_migration() -> Path:
    script = ScriptDirectory(str(VERSIONS.parent))
    return Path(script.get_revision(script.get_current_head()).path)


def _previous_release() -> str:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs the project's git history to find the previous release")
    head = _head_migration().relative_to(ROOT).as_posix()
    added = _git("log", "-1", "--format=%H", "--diff-filter=A", "--", head)
    if not added:
        pytest.skip(f"{head} is not committed yet")
    return _git("rev-parse", f"{added}^")


@pytest.fixture(scope="module")
def previous_tree(tmp_path_factory) -> Path:
    """A copy of the previous release, with its translations compiled and this tree's built front-end files."""
    commit = _previous_release()
    tree = tmp_path_factory.mktemp("previous-release")
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "-d", "translations"],
        cwd=tree,
        check=True,
        capture_output=True,
    )
    # The PDF font and scripts come from npm (make setup); this tree's build stands in for that step.
    shutil.copytree(ROOT / "static" / "vendor", tree / "static" / "vendor", dirs_exist_ok=True)
    return tree


def _run_previous_suite(tree: Path, tmp_path: Path, extra_sql: str = "", *tests: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    url = os.environ.get("TEST_DATABASE_URL")
    if url:  # databases of their own: the running suite's workers hold theirs
        env["TEST_DATABASE_URL"] = make_url(url).set(database="test_previous_release").render_as_string(False)
    mark = tmp_path / "mark"
    env.update(
        {
            "PYTHONPATH": str(ROOT / "tools"),
            "NEW_MIGRATIONS": str(VERSIONS.parent),
            "EXTRA_SQL": extra_sql,
            "PREVIOUS_RELEASE_MARK": str(mark),
        }
    )
    command = [sys.executable, "-m", "pytest", "-p", "previous_release_schema", "-p", "no:cacheprovider", "-q"]
    command += ["-n", "2", "-m", "not slow", "--ignore=tests/browser", *(tests or ("tests",))]
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=900)
    return done.returncode, done.stdout[-3000:], mark.read_text() if mark.exists() else ""


def test_the_previous_releases_suite_passes_on_this_releases_schema(previous_tree, tmp_path):
    code, output, mark = _run_previous_suite(previous_tree, tmp_path)
    assert "migrated" in mark, output  # the schema came from this release's migrations
    assert code == 0, output
    assert " passed" in output and " failed" not in output


def test_a_destructive_change_makes_the_previous_release_fail(previous_tree, tmp_path):
    code, output, mark = _run_previous_suite(
        previous_tree, tmp_path, "ALTER TABLE registrations DROP COLUMN needs", "tests/test_registration_api.py"
    )
    assert "migrated" in mark, output
    assert code == 1 and " failed" in output, output
