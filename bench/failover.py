"""The kill test: the production layout of deploy/ under load, one web instance and one outbox worker killed
with SIGKILL mid-load, then proof from the database and the SMTP server that nothing was lost or doubled.

What runs (all on loopback, started from the repository's own files):
  HAProxy (deploy/render.py's configuration, TLS with a self-signed certificate) in front of two gunicorn
  instances (gunicorn.conf.py) on PostgreSQL, Redis for the rate limits, two outbox workers
  (`flask notify outbox --loop`, OUTBOX_MODE=worker) and a real SMTP server (bench/_smtp_sink.py, aiosmtpd).
The load, for DURATION seconds: 8 scanners redeem tickets (POST /api/v1/checkins with a nonce; a failure is
sent again with the SAME nonce, like the check-in page's queue; now and then a scanner walks away from an answer
as a phone losing its network does, and sends again), two clients sign people up to an opportunity with fewer
seats than people, two readers read the report summary (the dashboard's figures).
A third of the way in, one web instance's whole process group gets SIGKILL and is started again 2 s later
(systemd's Restart=always, RestartSec=2); half way, one outbox worker gets SIGKILL while the SMTP server holds a
message of its own that it has not yet answered (the worst moment), and is started again 2 s later.
Then: bench/_failover_checks.py (scans, sign-ups and waitlist, outbox vs Message-IDs received, dashboard = SQL).

    .venv/bin/python bench/failover.py                 # about a minute of load
    .venv/bin/python bench/failover.py --short         # 20 s of load (the CI test)
    .venv/bin/python bench/failover.py --short --no-nonce   # retries with new nonces: the checks must fail
PostgreSQL: --database-url (default: the local server, database test_failover_bench, dropped and created anew).
Redis: --redis-url (default db 7 of the local server). Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._failover_checks import verify  # noqa: E402
from bench._failover_cluster import Cluster, connections_to, instance_ready, start_cluster, wait_for  # noqa: E402
from bench._failover_load import Client, ClientLog, run_clients  # noqa: E402
from bench._server import fresh_database  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test_failover_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
CLAIM_TIMEOUT = 8  # seconds before another worker may take a dead worker's message (production: 600)
RESTART_AFTER = 2.0  # seconds, as RestartSec=2 in deploy/'s units


@dataclass
class Plan:
    session_id: int
    opportunity_id: int
    capacity: int
    tickets: list[str]
    person_of_ticket: dict[str, int]
    emails: list[str]
    checkin_token: str
    write_token: str
    read_token: str


@dataclass
class Events:
    """When things happened (monotonic seconds) and what the disruptions measured."""

    start: float = 0.0
    instance_killed: float | None = None
    instance_ready_after: float | None = None
    worker_killed: float | None = None
    worker_mid_send: bool = False
    notes: list[str] = field(default_factory=list)


def prepare(database_url: str, tickets: int, signups: int, capacity: int) -> Plan:
    """The schema by Alembic (as production builds it: /readyz wants migrations at head), then the data."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench"}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    from datetime import timedelta

    from sqlalchemy import insert, select

    from csi_events import create_app
    from csi_events.auth.passwords import hash_password
    from csi_events.auth.services import create_api_token
    from csi_events.db import utcnow
    from csi_events.extensions import db
    from csi_events.models import LearningOpportunity, Person, Registration, Session, User
    from csi_events.registrations.models import new_ticket

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        staff = User(email="desk@example.org", role="staff", password_hash=hash_password("bench-password-123"))
        start = utcnow() + timedelta(minutes=10)
        door = LearningOpportunity(
            title="Failover convening",
            summary="Kill test",
            kind="convening",
            modality="in_person",
            subregion=4,
            capacity=None,
            status="published",
            facilitators=[staff],
        )
        door.sessions.append(Session(starts_at=start, ends_at=start + timedelta(hours=3), venue="Main hall"))
        later = utcnow() + timedelta(days=7)
        rush = LearningOpportunity(
            title="Failover workshop",
            summary="Few seats",
            kind="workshop",
            modality="in_person",
            subregion=4,
            capacity=capacity,
            status="published",
        )
        rush.sessions.append(Session(starts_at=later, ends_at=later + timedelta(hours=2), venue="Room 2"))
        db.session.add_all([staff, door, rush])
        db.session.flush()
        db.session.execute(
            insert(Person),
            [{"email": f"door{i}@example.org", "first_name": "Door", "last_name": f"P{i}"} for i in range(tickets)],
        )
        people = db.session.scalars(select(Person.id).where(Person.email.like("door%")).order_by(Person.id)).all()
        ticket_of = {pid: new_ticket() for pid in people}
        now = utcnow()
        db.session.execute(
            insert(Registration),
            [
                {
                    "opportunity_id": door.id,
                    "person_id": pid,
                    "status": "confirmed",
                    "source": "online",
                    "ticket": t,
                    "confirmed_at": now,
                }
                for pid, t in ticket_of.items()
            ],
        )
        tokens = [create_api_token(staff, [scope], name=f"bench {scope}") for scope in ("checkin", "write", "read")]
        db.session.commit()
        plan = Plan(
            session_id=door.sessions[0].id,
            opportunity_id=rush.id,
            capacity=capacity,
            tickets=list(ticket_of.values()),
            person_of_ticket={t: pid for pid, t in ticket_of.items()},
            emails=[f"rush{i}@example.org" for i in range(signups)],
            checkin_token=tokens[0],
            write_token=tokens[1],
            read_token=tokens[2],
        )
        db.session.remove()
        db.engine.dispose()
    return plan


def kill_instance(cluster: Cluster, events: Events) -> None:
    victim = cluster.instances[0]
    events.instance_killed = time.monotonic()
    victim.kill()
    time.sleep(RESTART_AFTER)
    victim.start()
    try:
        took = wait_for(lambda: instance_ready(victim.port), 60, "the restarted instance")
        events.instance_ready_after = round(time.monotonic() - events.instance_killed, 2)
        events.notes.append(f"restarted instance ready {took:.1f} s after its start")
    except RuntimeError as err:
        events.notes.append(str(err))


def kill_worker_mid_send(cluster: Cluster, events: Events, wait: float) -> None:
    """SIGKILL an outbox worker while the SMTP server holds one of its messages unanswered (the first worker
    caught so; the first worker if none is within `wait` seconds), and start it again RESTART_AFTER later."""
    waiting = cluster.workdir / "smtp" / "waiting"
    victim = None
    deadline = time.monotonic() + wait
    while victim is None and time.monotonic() < deadline:
        held = {int(p.name) for p in waiting.iterdir()} if waiting.exists() else set()
        if held:
            victim = next((w for w in cluster.workers if held & connections_to(w.pid, cluster.smtp_port)), None)
        if victim is None:
            time.sleep(0.01)
    events.worker_mid_send = victim is not None
    if victim is None:
        victim = cluster.workers[0]
        events.notes.append(f"no worker was caught mid-send within {wait:.0f} s; the first was killed anyway")
    events.worker_killed = time.monotonic()
    victim.kill()
    time.sleep(RESTART_AFTER)
    victim.start()


def recovery(log: ClientLog, killed: float | None) -> dict:
    """Errors clients saw, by kind and status; how long after the kill the last one came."""
    by_kind: dict[str, int] = {}
    for _t, kind, status in log.errors:
        key = f"{kind} {status or 'no answer'}"
        by_kind[key] = by_kind.get(key, 0) + 1
    after = [t for t, _k, _s in log.errors if killed is not None and t >= killed]
    return {
        "errors_seen": len(log.errors),
        "by_kind": by_kind,
        "last_error_after_kill_s": round(max(after) - killed, 2) if after and killed is not None else 0.0,
        "answers_dropped_on_purpose": log.dropped,
    }


def wait_outbox_drained(database_url: str, seconds: float) -> float:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:

        def drained() -> bool:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL")).scalar() == 0

        return wait_for(drained, seconds, "the outbox to drain")
    finally:
        engine.dispose()


def run(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="failover-"))
    database_url = fresh_database("postgres", workdir, args.database_url)
    scanners, duration = 8, args.duration
    plan = prepare(database_url, tickets=args.tickets, signups=args.signups, capacity=args.capacity)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-not-for-production",
        "RATELIMIT_STORAGE_URI": args.redis_url,
        "RATELIMIT_KEY_PREFIX": f"failover-{os.getpid()}",
        "OUTBOX_MODE": "worker",
        "OUTBOX_CLAIM_TIMEOUT": str(CLAIM_TIMEOUT),
        "PROXY_FIX_HOPS": "1",
        "BASE_URL": "https://127.0.0.1",
        "WEB_CONCURRENCY": "2",
    }
    cluster = start_cluster(workdir, env)
    log, events = ClientLog(), Events()
    opts = argparse.Namespace(
        scanners=scanners,
        signers=2,
        readers=2,
        no_nonce=args.no_nonce,
        drop_rate=args.drop_rate,
        scan_pause=0.05,
        signup_pause=0.15,
        read_pause=0.5,
    )
    try:
        assert cluster.client_tls is not None
        events.start = time.monotonic()
        stop_at = events.start + duration
        threads = run_clients(cluster.https_port, cluster.client_tls, plan, stop_at, opts, log)
        time.sleep(duration / 3)
        restart = threading.Thread(target=kill_instance, args=(cluster, events), daemon=True)
        restart.start()
        time.sleep(max(0.0, events.start + duration / 2 - time.monotonic()))
        kill_worker_mid_send(cluster, events, wait=duration / 3)
        for thread in [*threads, restart]:
            thread.join(timeout=duration + 120)
        drained_in = None
        try:
            drained_in = round(wait_outbox_drained(database_url, CLAIM_TIMEOUT + 60), 1)
        except RuntimeError as err:
            events.notes.append(str(err))
        final = Client(cluster.https_port, cluster.client_tls, plan.read_token).call("GET", "/api/v1/reports/summary")[
            1
        ]
    finally:
        cluster.stop()
    report = verify(database_url, plan, log, final, workdir / "smtp", worker_kills=1)
    report.update(
        {
            "mode": "no nonce (retries send a new one)" if args.no_nonce else "same nonce on retry",
            "duration_s": duration,
            "requests_answered": len(log.answered),
            "clients": recovery(log, events.instance_killed),
            "instance_ready_after_kill_s": events.instance_ready_after,
            "worker_killed_mid_send": events.worker_mid_send,
            "outbox_drained_after_load_s": drained_in,
            "notes": events.notes,
        }
    )
    if args.keep:
        report["workdir"] = str(workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--short", action="store_true", help="20 s of load instead of 60 (the CI test)")
    parser.add_argument("--no-nonce", action="store_true", help="retries carry a new nonce: the checks must fail")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--drop-rate", type=float, default=0.03, help="share of answers a client walks away from")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, received mail)")
    parser.add_argument("--markdown", action="store_true", help="also print the table for docs/benchmarks.md")
    args = parser.parse_args(argv)
    args.duration = 20 if args.short else 60
    args.tickets = 1000 if args.short else 4000
    args.signups = 150 if args.short else 400
    args.capacity = 15 if args.short else 60
    report = run(args)
    print(json.dumps(report, indent=2))
    if args.markdown:
        from bench._failover_report import markdown

        print(markdown(report))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
