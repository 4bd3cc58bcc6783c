"""Check-in at the door, under load: 8 scanners redeem 2,000 tickets through POST /api/v1/checkins.

For each database asked for (SQLite file, PostgreSQL):
  1. builds a fresh database (create_all): one session whose check-in window is open, TICKETS confirmed
     registrations, a facilitator with a `checkin` API token;
  2. starts gunicorn on a loopback port with the production settings below;
  3. ceiling: the same load (same number of requests, same client threads, keep-alive connections) on
     GET /healthz of the same server (the framework only; before the production work it also ran one `SELECT 1`);
  4. redeem: SCANNERS client threads, released together, redeem every ticket once (each scan a new nonce);
  5. rescan: the same tickets again (every answer must be `already_checked_in`);
  6. checks the database: exactly TICKETS check-ins, one per person, none undone, 0 HTTP errors;
  7. reports requests/s, p50/p95/p99 latency and the ratio to the ceiling.

Run from the project root:
    .venv/bin/python bench/checkin.py                      # both databases
    .venv/bin/python bench/checkin.py --db sqlite --tickets 500
    .venv/bin/python bench/checkin.py --markdown           # also print the table for docs/benchmarks.md
PostgreSQL: BENCH_POSTGRES_URL (default: the local server, database test_bench_checkin, dropped and created
anew). Exit status 1 when a check fails.

Gunicorn settings: gunicorn.conf.py at the project root, the production settings (GUNICORN_CMD_ARGS overrides
them, e.g. GUNICORN_CMD_ARGS="--workers 5 --threads 2" to compare). The client runs on the same machine and
competes for the same cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._server import GUNICORN_CONFIG, free_port, server_env, start_gunicorn, stop  # noqa: E402
from bench._server import fresh_database as _fresh_database  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test_bench_checkin"
# The production settings: gunicorn.conf.py at the project root (read explicitly, so that the bench and
# production cannot drift apart). GUNICORN_CMD_ARGS in the environment overrides them for experiments.
GUNICORN_ARGS = ["--config", str(GUNICORN_CONFIG)]


def gunicorn_settings() -> str:
    import runpy

    conf = runpy.run_path(str(GUNICORN_CONFIG))
    described = (
        f"`{conf['worker_class']}` workers: {conf['workers']} processes x {conf['threads']} threads, "
        f"keep-alive {conf['keepalive']} s"
    )
    extra = os.environ.get("GUNICORN_CMD_ARGS")
    return described + (f", overridden by `{extra}`" if extra else "")


def fresh_database(kind: str, workdir: Path) -> str:
    return _fresh_database(kind, workdir, DEFAULT_POSTGRES)


def prepare(database_url: str, tickets: int) -> tuple[int, list[str], str]:
    """Schema, a session open for check-in, `tickets` confirmed registrations and a checkin token.
    Returns (session id, ticket tokens, API token)."""
    from sqlalchemy import insert

    from csi_events import create_app
    from csi_events.auth.passwords import hash_password
    from csi_events.auth.services import create_api_token
    from csi_events.db import utcnow
    from csi_events.extensions import db
    from csi_events.models import LearningOpportunity, Person, Registration, Session, User
    from csi_events.registrations.models import new_ticket

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = User(email="door@example.org", role="facilitator", password_hash=hash_password("bench-password-123"))
        start = utcnow() + timedelta(minutes=10)
        opp = LearningOpportunity(
            title="Check-in bench",
            summary="Benchmark opportunity",
            kind="convening",
            modality="in_person",
            subregion=4,
            capacity=None,
            status="published",
            facilitators=[user],
        )
        opp.sessions.append(Session(starts_at=start, ends_at=start + timedelta(hours=3), venue="Main hall"))
        db.session.add_all([user, opp])
        db.session.flush()
        now = utcnow()
        db.session.execute(
            insert(Person),
            [
                {"email": f"door{i}@example.org", "first_name": "Door", "last_name": f"Person {i}"}
                for i in range(tickets)
            ],
        )
        person_ids = db.session.scalars(db.select(Person.id).order_by(Person.id)).all()
        tokens = [new_ticket() for _ in person_ids]
        db.session.execute(
            insert(Registration),
            [
                {
                    "opportunity_id": opp.id,
                    "person_id": pid,
                    "status": "confirmed",
                    "source": "online",
                    "ticket": token,
                    "confirmed_at": now,
                }
                for pid, token in zip(person_ids, tokens, strict=True)
            ],
        )
        api_token = create_api_token(user, ["checkin"], name="bench")
        db.session.commit()
        session_id = opp.sessions[0].id
        db.session.remove()
        db.engine.dispose()
    return session_id, tokens, api_token


def load(port: int, requests: list[tuple[str, str, bytes | None]], headers: dict, clients: int) -> tuple[list, float]:
    """Send `requests` (method, path, body) from `clients` threads on keep-alive connections, released
    together. Returns ([(http status, seconds, parsed body)], wall seconds)."""
    results: list = [None] * len(requests)
    cursor = iter(range(len(requests)))
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def take():
        with lock:
            return next(cursor, None)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        while (i := take()) is not None:
            method, path, body = requests[i]
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                elapsed = time.perf_counter() - began
                results[i] = (response.status, elapsed, json.loads(payload) if payload else None)
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException, ValueError) as err:
                results[i] = (0, time.perf_counter() - began, {"error": repr(err)})
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    return results, time.perf_counter() - began


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summarize(name: str, results: list, wall: float, expect_status: str | None) -> dict:
    latencies = [r[1] * 1000 for r in results if r is not None]
    http_errors = sum(1 for r in results if r is None or r[0] != 200)
    wrong = 0
    if expect_status is not None:
        wrong = sum(1 for r in results if r is not None and r[0] == 200 and (r[2] or {}).get("status") != expect_status)
    return {
        "phase": name,
        "requests": len(results),
        "per_second": round(len(results) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "http_errors": http_errors,
        "unexpected_answers": wrong,
    }


def verify(database_url: str, session_id: int, tickets: int) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        total, people, undone = conn.execute(
            text("SELECT count(*), count(DISTINCT person_id), count(undone_at) FROM checkins WHERE session_id = :s"),
            {"s": session_id},
        ).one()
        answers = conn.execute(text("SELECT count(*) FROM scan_answers")).scalar()
    engine.dispose()
    problems = []
    if (total, people, undone) != (tickets, tickets, 0):
        problems.append(f"check-ins: {total} rows, {people} people, {undone} undone; expected {tickets} each, 0 undone")
    if answers != 2 * tickets:
        problems.append(f"{answers} stored scan answers, expected {2 * tickets}")
    return problems


def run(kind: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"checkin-bench-{kind}-"))
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())  # 1, 5, 15 min: was the machine quiet?
    try:
        database_url = fresh_database(kind, workdir)
        session_id, tickets, api_token = prepare(database_url, args.tickets)
        port = free_port()
        process = start_gunicorn(port, server_env(database_url, workdir), workdir, GUNICORN_ARGS)
        headers = {"Authorization": f"Bearer {api_token}", "Content-Type": "application/json"}
        try:
            # Warm every worker and thread (imports, first connections) before any clock starts.
            load(port, [("GET", "/healthz", None)] * 60, headers, args.scanners)

            def scans():
                return [
                    (
                        "POST",
                        "/api/v1/checkins",
                        json.dumps(
                            {
                                "session_id": session_id,
                                "ticket": f"https://events.example/t/{t}",
                                "nonce": uuid.uuid4().hex,
                            }
                        ).encode(),
                    )
                    for t in tickets
                ]

            ceiling = summarize(
                "ceiling (GET /healthz)",
                *load(port, [("GET", "/healthz", None)] * len(tickets), headers, args.scanners),
                None,
            )
            redeem = summarize("redeem", *load(port, scans(), headers, args.scanners), "ok")
            rescan = summarize("rescan", *load(port, scans(), headers, args.scanners), "already_checked_in")
        finally:
            stop(process)
        problems = verify(database_url, session_id, args.tickets)
        for phase in (redeem, rescan):
            phase["ratio_to_ceiling"] = round(phase["per_second"] / ceiling["per_second"], 2)
            if phase["http_errors"] or phase["unexpected_answers"]:
                problems.append(
                    f"{phase['phase']}: {phase['http_errors']} HTTP errors, {phase['unexpected_answers']} unexpected answers"
                )
        return {
            "database": kind,
            "gunicorn": gunicorn_settings(),
            "load_average_before": load_before,
            "tickets": args.tickets,
            "scanners": args.scanners,
            "phases": [ceiling, redeem, rescan],
            "problems": problems,
        }
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def markdown(reports: list[dict]) -> str:
    lines = [
        "## Check-in",
        "",
        f"`bench/checkin.py`: {reports[0]['scanners']} concurrent scanners redeem {reports[0]['tickets']:,} tickets through "
        "`POST /api/v1/checkins` (bearer token, scope `checkin`, a new nonce per scan, the QR's URL as the ticket), then "
        "rescan them all (every answer `already_checked_in`). Ceiling: the same load on `GET /healthz` (framework + "
        "`SELECT 1` before the production work; the process only since) of the same server. Gunicorn with gunicorn.conf.py ("
        + gunicorn_settings()
        + ") on loopback; "
        f"client on the same "
        f"machine ({os.cpu_count()} cores, Python {platform.python_version()}), which was busy with other work during the run.",
        "",
        "| database | phase | requests/s | p50 ms | p95 ms | p99 ms | ratio to ceiling | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    notes = [f"load average before the {r['database']} run: {r['load_average_before']}" for r in reports]
    for report in reports:
        for phase in report["phases"]:
            ratio = phase.get("ratio_to_ceiling")
            lines.append(
                f"| {report['database']} | {phase['phase']} | {phase['per_second']} | {phase['p50_ms']} | "
                f"{phase['p95_ms']} | {phase['p99_ms']} | {'' if ratio is None else f'{ratio:.0%}'} | "
                f"{phase['http_errors'] + phase['unexpected_answers']} |"
            )
    lines += ["", "; ".join(notes) + ".", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--scanners", type=int, default=8)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table too")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (database, gunicorn log)")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    reports = [run(kind, args) for kind in kinds]
    print(json.dumps(reports, indent=2))
    if args.markdown:
        print(markdown(reports))
    return 1 if any(r["problems"] for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
