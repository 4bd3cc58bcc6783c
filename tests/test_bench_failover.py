"""The kill test's short form (bench/failover.py --short): nothing lost or doubled when a web instance and an
outbox worker are killed mid-load; and the same run with retries that forget their nonce must fail, which
proves the checks can fail. Both runs at once (each its own database), under 3 minutes together.

Needs PostgreSQL (TEST_DATABASE_URL), Redis (TEST_REDIS_URL) and HAProxy: it runs in CI's PostgreSQL pass."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _database(suffix: str) -> str:
    url = make_url(os.environ["TEST_DATABASE_URL"])
    return url.set(database=f"test_failover_{url.database}_{suffix}").render_as_string(hide_password=False)


def test_nothing_is_lost_when_an_instance_and_a_worker_die_and_the_check_fails_without_nonces():
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("the kill test runs on PostgreSQL (TEST_DATABASE_URL): CI's PostgreSQL pass runs it")
    if not os.environ.get("TEST_REDIS_URL"):
        pytest.skip("the kill test needs Redis for the shared rate limits (TEST_REDIS_URL)")
    if not (shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists()):
        pytest.fail("haproxy is not installed (Debian: apt-get install haproxy; .ci/run installs it)")
    command = [
        sys.executable,
        str(ROOT / "bench" / "failover.py"),
        "--short",
        "--redis-url",
        os.environ["TEST_REDIS_URL"],
    ]
    runs = {
        "nonce": subprocess.Popen(
            [*command, "--database-url", _database("nonce")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        ),
        "no_nonce": subprocess.Popen(
            [*command, "--no-nonce", "--database-url", _database("no_nonce")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ),
    }
    outputs = {name: run.communicate(timeout=300) for name, run in runs.items()}

    out, err = outputs["nonce"]
    assert runs["nonce"].returncode == 0, err.decode()[-3000:] + out.decode()[-3000:]
    report = json.loads(out)
    assert report["problems"] == []
    assert report["scans"]["tickets_scanned"] > 100 and report["scans"]["answers"] == {
        "ok": report["scans"]["tickets_scanned"]
    }
    assert report["signups"]["registrations"] == report["signups"]["signups_sent"] > report["signups"]["confirmed"]
    assert report["outbox"]["outbox_rows"] > 0 and report["outbox"]["delivered_twice"] <= 1
    assert report["reports"]["sql"] == report["reports"]["dashboard"]
    assert report["instance_ready_after_kill_s"] is not None

    out, err = outputs["no_nonce"]
    assert runs["no_nonce"].returncode == 1, err.decode()[-3000:] + out.decode()[-3000:]
    broken = json.loads(out)
    assert any("a retry was counted as a second scan" in problem for problem in broken["problems"]), broken["problems"]
