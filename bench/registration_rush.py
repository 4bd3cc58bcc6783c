"""Registration rush: many people sign up for one opportunity at the same moment, through gunicorn.

What it does, for each database asked for (SQLite file, PostgreSQL):
  1. builds a fresh database (create_all) and one published opportunity with SEATS seats;
  2. starts gunicorn on a loopback port with the production settings (below), rate limits off;
  3. sends SIGNUPS sign-ups through the public API (POST /api/v1/opportunities/<id>/registrations), either
     from CONCURRENCY clients released together, each on its own keep-alive connection and sending its next
     sign-up as soon as it has an answer (closed loop; 500 clients = all at once), or, with --spread S,
     arriving evenly over S seconds, each on a new connection, whatever happened to the others (open loop);
  4. reports sign-ups per second, p50/p95/p99/max latency, gunicorn's CPU time per sign-up during the rush
     and after the background e-mail sender has drained the outbox, and checks in the database that exactly
     SEATS are confirmed and the rest waitlisted with positions 1..n in arrival order, with 0 errors;
  5. stops gunicorn.

Run from the project root (other benchmarks share the machine: take the lock):
    flock .bench.lock .venv/bin/python bench/registration_rush.py                # both databases, burst
    flock .bench.lock .venv/bin/python bench/registration_rush.py --concurrency 50
    flock .bench.lock .venv/bin/python bench/registration_rush.py --spread 20    # 25 arrivals per second
PostgreSQL: BENCH_POSTGRES_URL (default: the local server, database test_bench_registration, which is
dropped and created anew). Exit status 1 when a check fails.

Gunicorn settings: the project's gunicorn.conf.py when it exists (only the bind address is overridden),
else gthread workers, --workers 3 --threads 4 --keep-alive 5 --timeout 30. Rate limiting is switched off for
the bench server only, with the environment setting RATELIMIT_ENABLED=0 (otherwise one client address would
be stopped after the per-client budget, which is the point of the limit). E-mail: the outbox sends in its
background thread as in production, with the file mail backend (each message written as an .eml file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._server import GUNICORN_CONFIG, free_port, start_gunicorn, stop  # noqa: E402
from bench._server import fresh_database as _fresh_database  # noqa: E402
from bench._server import server_env as _server_env  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test_bench_registration"
# Used only when the project has no gunicorn.conf.py (the production settings file); when it exists, gunicorn
# reads it and the bench only overrides the bind address.
FALLBACK_GUNICORN_ARGS = [
    "--worker-class",
    "gthread",
    "--workers",
    "3",
    "--threads",
    "4",
    "--keep-alive",
    "5",
    "--timeout",
    "30",
]


def gunicorn_args() -> list[str]:
    return ["--config", str(GUNICORN_CONFIG)] if GUNICORN_CONFIG.exists() else FALLBACK_GUNICORN_ARGS


def fresh_database(kind: str, workdir: Path) -> str:
    return _fresh_database(kind, workdir, DEFAULT_POSTGRES)


def server_env(database_url: str, workdir: Path) -> dict:
    # Rate limiting off for the bench server only (one client address would be stopped after its budget).
    return _server_env(database_url, workdir, RATELIMIT_ENABLED="0")


def prepare(database_url: str, seats: int) -> int:
    """Schema and one published opportunity with `seats` seats, open for registration; returns its id."""
    from csi_events import create_app
    from csi_events.db import utcnow
    from csi_events.extensions import db
    from csi_events.models import LearningOpportunity, Session

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        start = (utcnow() + timedelta(days=7)).replace(microsecond=0)
        opp = LearningOpportunity(
            title="Registration rush",
            summary="Benchmark opportunity",
            kind="convening",
            modality="in_person",
            subregion=4,
            capacity=seats,
            status="published",
        )
        opp.sessions.append(Session(starts_at=start, ends_at=start + timedelta(hours=3), venue="Main hall"))
        db.session.add(opp)
        db.session.commit()
        opp_id = opp.id
        db.session.remove()
        db.engine.dispose()
    return opp_id


async def _exchange(reader, writer, path: str, body: bytes) -> tuple[int, bytes, bool]:
    """One HTTP/1.1 request on a keep-alive connection: (status, body, server keeps the connection)."""
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed before an answer")
    status = int(status_line.split()[1])
    length, keep = 0, True
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _sep, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        elif name.strip().lower() == "connection" and value.strip().lower() == "close":
            keep = False
    payload = await reader.readexactly(length) if length else b""
    return status, payload, keep


def _signup_body(i: int) -> bytes:
    return json.dumps(
        {"first_name": "Rush", "last_name": f"Person {i}", "email": f"rush{i}@example.org", "role": "teacher"}
    ).encode()


async def _one(port: int, path: str, i: int, conn: list) -> dict:
    """Send sign-up i on the connection held in conn[0] (opened if None; dropped when closed)."""
    began = time.perf_counter()
    try:
        if conn[0] is None:
            conn[0] = await asyncio.open_connection("127.0.0.1", port)
        reader, writer = conn[0]
        status, payload, keep = await asyncio.wait_for(_exchange(reader, writer, path, _signup_body(i)), timeout=120)
        result = {
            "i": i,
            "status": status,
            "seconds": time.perf_counter() - began,
            "answer": json.loads(payload or b"{}"),
        }
        if not keep:
            writer.close()
            conn[0] = None
        return result
    except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as err:
        if conn[0] is not None:
            conn[0][1].close()
            conn[0] = None
        return {"i": i, "status": 0, "seconds": time.perf_counter() - began, "error": repr(err)}


async def _rush(port: int, opp_id: int, signups: int, concurrency: int, spread: float) -> tuple[list[dict], float]:
    path = f"/api/v1/opportunities/{opp_id}/registrations"
    results: list[dict] = []
    pending = iter(range(signups))
    start = asyncio.Event()

    async def client() -> None:
        conn: list = [None]
        await start.wait()
        for i in pending:  # shared iterator: each sign-up is sent once, by whichever client is free
            results.append(await _one(port, path, i, conn))
        if conn[0] is not None:
            conn[0][1].close()

    async def arrival(i: int, at: float) -> None:
        # Open loop: sign-up i arrives at its time whatever happened to the others, on its own connection.
        await start.wait()
        await asyncio.sleep(max(0.0, at - (time.perf_counter() - began)))
        conn: list = [None]
        results.append(await _one(port, path, i, conn))
        if conn[0] is not None:
            conn[0][1].close()

    if spread > 0:
        tasks = [asyncio.create_task(arrival(i, i * spread / signups)) for i in range(signups)]
    else:
        tasks = [asyncio.create_task(client()) for _ in range(concurrency)]
    await asyncio.sleep(0)
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return results, time.perf_counter() - began


def rush(port: int, opp_id: int, signups: int, concurrency: int, spread: float = 0) -> tuple[list[dict], float]:
    """`signups` POSTs through one asyncio loop (the client costs little CPU next to the server); returns the
    results and the wall time. spread == 0: `concurrency` clients released together, each on its own
    keep-alive connection, each sending its next sign-up as soon as it has an answer (closed loop).
    spread > 0: sign-up i arrives at i * spread / signups seconds on a new connection (open loop)."""
    return asyncio.run(_rush(port, opp_id, signups, concurrency, spread))


def wait_for_mail(database_url: str, timeout: float = 180) -> float:
    """Seconds until every outbox message is sent (the background sender drains after the rush)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    began = time.perf_counter()
    try:
        while time.perf_counter() - began < timeout:
            with engine.connect() as conn:
                unsent = conn.execute(text("SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL")).scalar()
            if unsent == 0:
                break
            time.sleep(0.2)
    finally:
        engine.dispose()
    return time.perf_counter() - began


def verify(database_url: str, opp_id: int, seats: int, signups: int, results: list[dict]) -> list[str]:
    """Problems found (empty: all good)."""
    from sqlalchemy import create_engine, text

    problems = []
    errors = [r for r in results if r["status"] != 201]
    if len(results) != signups:
        problems.append(f"{signups - len(results)} sign-ups got no answer")
    if errors:
        sample = errors[0].get("error") or errors[0].get("answer")
        problems.append(f"{len(errors)} answers were not 201 (first: {errors[0]['status']} {sample})")
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.id, r.status, r.waitlist_position, p.email FROM registrations r "
                "JOIN people p ON p.id = r.person_id WHERE r.opportunity_id = :o ORDER BY r.id"
            ),
            {"o": opp_id},
        ).all()
    engine.dispose()
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = sorted((r for r in rows if r.status == "waitlisted"), key=lambda r: r.waitlist_position)
    if len(rows) != signups:
        problems.append(f"{len(rows)} registrations stored, expected {signups}")
    if len(confirmed) != min(seats, signups):
        problems.append(f"{len(confirmed)} confirmed, expected {min(seats, signups)}")
    positions = [r.waitlist_position for r in waiting]
    if positions != list(range(1, signups - seats + 1)):
        problems.append(f"waitlist positions are not 1..{signups - seats} without gaps")
    if [r.id for r in waiting] != sorted(r.id for r in waiting):
        problems.append("waitlist order differs from arrival order")
    if confirmed and waiting and max(r.id for r in confirmed) > min(r.id for r in waiting):
        problems.append("someone who arrived later got a seat before someone waitlisted")
    stored = {r.email: (r.status, r.waitlist_position) for r in rows}
    for result in results:
        answer = result.get("answer") or {}
        if result["status"] == 201:
            seen = stored.get(f"rush{result['i']}@example.org")
            if seen != (answer.get("status"), answer.get("waitlist_position")):
                problems.append(f"answer {answer} differs from the database {seen}")
                break
    return problems


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU time used so far by gunicorn's master and its live workers (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")

    def cpu(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime

    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        children = []
    return cpu(master_pid) + sum(cpu(int(child)) for child in children)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def run(kind: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"rush-{kind}-"))
    try:
        database_url = fresh_database(kind, workdir)
        opp_id = prepare(database_url, args.seats)
        port = args.port or free_port()
        # Every worker answers once before the clock starts (imports, first connection).
        process = start_gunicorn(port, server_env(database_url, workdir), workdir, gunicorn_args(), warm=12)
        try:
            load_before = os.getloadavg()[0]
            cpu_before = server_cpu_seconds(process.pid)
            results, wall = rush(port, opp_id, args.signups, args.concurrency, args.spread)
            cpu_used = server_cpu_seconds(process.pid) - cpu_before
            mail_wait = wait_for_mail(database_url)
            cpu_with_mail = server_cpu_seconds(process.pid) - cpu_before
        finally:
            stop(process)
        problems = verify(database_url, opp_id, args.seats, args.signups, results)
        latencies = [r["seconds"] * 1000 for r in results if r["status"] == 201]
        report = {
            "database": kind,
            "signups": args.signups,
            "seats": args.seats,
            "arrivals": f"spread over {args.spread:g} s" if args.spread > 0 else f"{args.concurrency} clients at once",
            "wall_seconds": round(wall, 3),
            "signups_per_second": round(len(results) / wall, 1) if wall else None,
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
            "max_ms": round(max(latencies), 1) if latencies else None,
            "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
            "server_cpu_ms_per_signup": round(cpu_used * 1000 / max(len(results), 1), 2),
            "server_cpu_ms_per_signup_with_mail": round(cpu_with_mail * 1000 / max(len(results), 1), 2),
            "mail_drained_after_s": round(mail_wait, 1),
            "load_average_before": round(load_before, 2),
            "load_average_after": round(os.getloadavg()[0], 2),
            "errors": sum(1 for r in results if r["status"] != 201) + (args.signups - len(results)),
            "problems": problems,
        }
        return report
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--signups", type=int, default=500)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=500, help="clients released together")
    parser.add_argument(
        "--spread", type=float, default=0, help="seconds over which arrivals are spread evenly (0: closed loop)"
    )
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (database, gunicorn log)")
    args = parser.parse_args()
    if not 0 < args.seats <= args.signups or args.concurrency < 1:
        parser.error("need 0 < seats <= signups and concurrency >= 1")
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    failed = False
    for kind in kinds:
        report = run(kind, args)
        print(json.dumps(report))
        if report["problems"]:
            failed = True
            for problem in report["problems"]:
                print(f"  FAIL {kind}: {problem}", file=sys.stderr)
        else:
            print(
                f"  OK {kind}: {report['signups']} sign-ups in {report['wall_seconds']} s "
                f"({report['signups_per_second']}/s), p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms; "
                f"{args.seats} confirmed, {args.signups - args.seats} waitlisted 1..{args.signups - args.seats}, "
                f"0 errors",
                file=sys.stderr,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
