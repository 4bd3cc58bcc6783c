"""Shared pieces of the HTTP benchmarks: a fresh database, a gunicorn on a free loopback port, and its stop.

Used by bench/checkin.py and bench/registration_rush.py (and bench/registration_profile.py through the latter).
bench/registration_rush.py also starts the outbox worker of the production layout here, and reads processes'
CPU time.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The production settings file at the project root.
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database(kind: str, workdir: Path, default_postgres: str) -> str:
    """A SQLite file in `workdir` (kind "sqlite"), or the PostgreSQL database of BENCH_POSTGRES_URL (default:
    `default_postgres`), dropped and created anew. Returns its URL."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(os.environ.get("BENCH_POSTGRES_URL", default_postgres))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def server_env(database_url: str, workdir: Path, **extra: str) -> dict:
    """The environment of the bench server: this process's, plus the database, a secret, the file mail backend
    writing into `workdir`/mail, and any `extra` settings."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-secret-not-for-production",
            "BASE_URL": "http://127.0.0.1",
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": str(workdir / "mail"),
            **extra,
        }
    )
    return env


def _healthz(port: int, timeout: float) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def start_gunicorn(port: int, env: dict, workdir: Path, config_args: list[str], warm: int = 0) -> subprocess.Popen:
    """Start gunicorn (`config_args`, bound to 127.0.0.1:`port`, log in `workdir`/gunicorn.log) and wait until
    GET /healthz answers 200 (30 s at most); then `warm` more GET /healthz, each on a new connection."""
    log = open(workdir / "gunicorn.log", "wb")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *config_args, "--bind", f"127.0.0.1:{port}", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {workdir / 'gunicorn.log'}")
        try:
            if _healthz(port, timeout=2) == 200:
                for _ in range(warm):
                    _healthz(port, timeout=5)
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop(process)
    raise RuntimeError("gunicorn did not answer within 30 s")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's master (its own PID), SIGKILL after 20 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_outbox_worker(env: dict, workdir: Path, niceness: int = 10) -> subprocess.Popen:
    """The outbox worker of the production layout, as deployed: `nice -n 10 flask --app app notify outbox --loop`
    (its own process, at a lower CPU priority than the web workers), log in `workdir`/outbox-worker.log.
    `nice` executes flask in its own process, so the PID returned is the worker's."""
    log = open(workdir / "outbox-worker.log", "wb")  # noqa: SIM115 (closed with the process)
    command = [sys.executable, "-m", "flask", "--app", "app", "notify", "outbox", "--loop", "--interval", "0.5"]
    return subprocess.Popen(
        ["nice", "-n", str(niceness), *command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def cpu_seconds(pid: int, children: bool = False) -> float:
    """User + system CPU time used so far by process `pid` (Linux /proc), and with `children` by its live
    child processes too (gunicorn's master and its workers); 0 for a process that is gone."""
    tick = os.sysconf("SC_CLK_TCK")

    def own(one: int) -> float:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime

    kids: list[str] = []
    if children:
        try:
            kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            kids = []
    return own(pid) + sum(own(int(kid)) for kid in kids)


def database_server_cpu_seconds(database_url: str) -> dict[int, float]:
    """CPU time used so far by each PostgreSQL backend connected to the database of `database_url` (by pid;
    empty for SQLite, which runs inside the app's processes). The bench reads it on the same machine as the
    server, so the backends' /proc entries are readable."""
    if not database_url.startswith("postgresql"):
        return {}
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            pids = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            ).scalars()
            return {pid: cpu_seconds(pid) for pid in pids}
    finally:
        engine.dispose()
