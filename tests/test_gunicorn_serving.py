"""`make run` serves through gunicorn with gunicorn.conf.py on the embedded SQLite database: several workers share
the file (WAL, busy timeout: a burst of sign-ups gets every seat and waitlist place once), the in-process outbox
thread sends a sign-up's e-mail from a worker, and /metrics adds up the workers' counters, a killed worker's too."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from csi_events import create_app
from csi_events.extensions import db
from tests.factories import make_opportunity

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # follows the home page's redirect
        return response.status, response.read()


def _wait_until_serving(process: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if _get(f"{base}/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 30 s\n" + log.read_text())


def _workers(master: int) -> list[int]:
    """The live worker processes of a gunicorn master (Linux /proc)."""
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def _sign_up(base: str, opportunity_id: int, email: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/opportunities/{opportunity_id}/registrations",
        data=json.dumps({"first_name": "Ana", "last_name": "Served", "email": email, "role": "teacher"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def _seats(url: str, opportunity_id: int) -> tuple[int, list[int]]:
    """(confirmed count, waitlist positions in order) of the opportunity, read from the database file."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status, waitlist_position FROM registrations WHERE opportunity_id = :o"), {"o": opportunity_id}
        ).all()
    engine.dispose()
    confirmed = sum(1 for status, _position in rows if status == "confirmed")
    return confirmed, sorted(position for status, position in rows if status == "waitlisted")


def _migrated_sqlite_with_an_opportunity(tmp_path: Path) -> tuple[str, int]:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        opportunity_id = make_opportunity(capacity=5).id
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url, opportunity_id


def test_gunicorn_with_the_production_settings_serves_sqlite_and_sends_mail(tmp_path):
    url, opportunity_id = _migrated_sqlite_with_an_opportunity(tmp_path)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    mail_dir = tmp_path / "mail"
    env = {k: v for k, v in os.environ.items() if k not in ("OUTBOX_MODE", "RATELIMIT_STORAGE_URI", "REDIS_URL")}
    env.update(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "served-test-secret",
            "BASE_URL": base,
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": str(mail_dir),
            "GUNICORN_BIND": f"127.0.0.1:{port}",  # what `make run` sets
            "WEB_CONCURRENCY": "2",
        }
    )
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(process, base, log)
        status, body = _get(f"{base}/")
        assert status == 200 and b"<html" in body.lower()
        assert _get(f"{base}/healthz") == (200, b'{"status":"ok"}\n')
        status, body = _get(f"{base}/readyz")
        assert status == 200 and json.loads(body)["status"] == "ready"

        assert _sign_up(base, opportunity_id, "ana@example.org") == 202
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not list(mail_dir.glob("*")):
            time.sleep(0.2)
        sent = [path.read_bytes() for path in mail_dir.glob("*")]
        assert len(sent) == 1, log.read_text()
        assert b"ana@example.org" in sent[0]
        # Two workers, four threads each, one SQLite file: 12 sign-ups at once for the 4 seats left.
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(lambda i: _sign_up(base, opportunity_id, f"rush{i}@example.org"), range(12)))
        assert statuses == [202] * 12
        assert _seats(url, opportunity_id) == (5, list(range(1, 9)))
        # Metrics add up every worker's counts (multiprocess files), whichever worker answers the scrape.
        status, body = _get(f"{base}/metrics")
        assert status == 200
        assert b'csi_events_signups_total{status="confirmed"} 5.0' in body
        assert b'csi_events_signups_total{status="waitlisted"} 8.0' in body
        # A worker killed outright (the OOM killer, a crash): gunicorn starts another, child_exit tells the
        # metrics library, and the dead worker's counts still count: a counter never goes back.
        victim = _workers(process.pid)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (victim in _workers(process.pid) or len(_workers(process.pid)) < 2):
            time.sleep(0.2)
        assert victim not in _workers(process.pid) and len(_workers(process.pid)) == 2, log.read_text()
        for _scrape in range(4):  # whichever worker answers
            status, body = _get(f"{base}/metrics")
            assert b'csi_events_signups_total{status="confirmed"} 5.0' in body
            assert b'csi_events_signups_total{status="waitlisted"} 8.0' in body
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0, log.read_text()
