"""Registration rush: many people sign up for one opportunity at the same moment, through gunicorn.

What it does, for each database asked for (SQLite file, PostgreSQL):
  1. builds a fresh database (create_all) and one published opportunity with SEATS seats;
  2. starts gunicorn on a loopback port with the production settings (below), rate limits off;
  3. ceiling: sends the same number of requests, released the same way, to GET /healthz (Flask only: since
     the production work /healthz does not touch the database), to show what the server alone achieves for
     that arrival pattern on this machine;
  4. sends SIGNUPS anonymous sign-ups through the public API (POST /api/v1/opportunities/<id>/registrations),
     either from CONCURRENCY clients released together, each on its own keep-alive connection and sending its
     next request as soon as it has an answer (closed loop; 500 clients = all at once), or, with --spread S
     or --rate R, arriving evenly over S seconds (R per second), each on a new connection, whatever happened
     to the others (open loop, "paced");
  5. reports requests per second, p50/p95/p99/max latency and gunicorn's CPU time per request for both
     phases (for the sign-ups also after the background e-mail sender has drained the outbox), and checks
     the outcome. An anonymous caller learns nothing about the registration (answer 202 "received"), so
     the proof comes from the database: every answer 202 "received"; one registration per address sent;
     SEATS confirmed and the rest waitlisted with positions exactly 1..n; the waitlist in commit order
     (positions follow the registration ids and creation times, and no confirmed registration was stored
     after a waitlisted one); one outbox message per registration, of its kind (confirmation or waitlist
     notice), all sent; one e-mail per address in the mail folder;
  6. stops gunicorn.

Run from the project root (other benchmarks share the machine: take the lock):
    flock .bench.lock .venv/bin/python bench/registration_rush.py                # both databases, burst
    flock .bench.lock .venv/bin/python bench/registration_rush.py --concurrency 50
    flock .bench.lock .venv/bin/python bench/registration_rush.py --rate 25      # paced: 25 arrivals per second
PostgreSQL: BENCH_POSTGRES_URL (default: the local server, database test_bench_registration, which is
dropped and created anew). Exit status 1 when a check fails.

Gunicorn settings: the project's gunicorn.conf.py when it exists (only the bind address is overridden),
else gthread workers, --workers 3 --threads 4 --keep-alive 5 --timeout 30. Rate limiting is switched off for
the bench server only, with the environment setting RATELIMIT_ENABLED=0 (otherwise one client address would
be stopped after the per-client budget, which is the point of the limit).
Layout (--layout): "production" (the default) runs gunicorn with OUTBOX_MODE=worker and the outbox worker as its own process at a lower CPU priority
(`nice -n 10 flask --app app notify outbox --loop`); "thread" lets the web workers' background thread send.
E-mail goes out with the file mail backend (each message written as an .eml file). The report gives the ratio
of the sign-ups' burst to the /healthz burst and the seconds until every e-mail was sent.
The client (one asyncio loop) runs on the same cores as the server; its CPU time is reported too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._burst import fire  # noqa: E402
from bench._server import (  # noqa: E402
    GUNICORN_CONFIG,
    cpu_seconds,
    database_server_cpu_seconds,
    free_port,
    start_gunicorn,
    start_outbox_worker,
    stop,
)
from bench._server import fresh_database as _fresh_database  # noqa: E402
from bench._server import server_env as _server_env  # noqa: E402
from bench.rush_outcome import check, email_of, read_outcome, signup_ok  # noqa: E402

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


def server_env(database_url: str, workdir: Path, layout: str = "production") -> dict:
    # Rate limiting off for the bench server only (one client address would be stopped after its budget).
    # Production layout: the web workers only store the outbox messages; the outbox worker process sends them.
    outbox_mode = "worker" if layout == "production" else "thread"
    return _server_env(database_url, workdir, RATELIMIT_ENABLED="0", OUTBOX_MODE=outbox_mode)


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


def signup_request(path: str) -> Callable[[int], tuple[str, str, bytes]]:
    def request(i: int) -> tuple[str, str, bytes]:
        body = {"first_name": "Rush", "last_name": f"Person {i}", "email": email_of(i), "role": "teacher"}
        return "POST", path, json.dumps(body).encode()

    return request


def healthz_request(i: int) -> tuple[str, str, bytes]:
    return "GET", "/healthz", b""


def healthz_ok(result: dict) -> bool:
    return result["status"] == 200 and (result.get("answer") or {}).get("status") == "ok"


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


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU time used so far by gunicorn's master and its live workers."""
    return cpu_seconds(master_pid, children=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def measure(process, port: int, request: Callable, ok: Callable, args) -> tuple[dict, list[dict]]:
    """One phase: `args.signups` requests as the arrival options say; its figures and the raw results."""
    load = os.getloadavg()
    db_before = database_server_cpu_seconds(args.database_url)
    cpu_before, client_before = server_cpu_seconds(process.pid), time.process_time()
    results, wall = fire(port, request, args.signups, args.concurrency, args.spread)
    cpu_used, client_used = server_cpu_seconds(process.pid) - cpu_before, time.process_time() - client_before
    # PostgreSQL's backends work on the same cores: their CPU belongs to the request's cost (a backend that
    # started during the phase counts from 0; one that ended during it is missed, which the pool avoids).
    db_used = sum(
        seconds - db_before.get(pid, 0.0) for pid, seconds in database_server_cpu_seconds(args.database_url).items()
    )
    requests = max(len(results), 1)
    latencies = [r["seconds"] * 1000 for r in results if ok(r)]

    def ms(value: float) -> float | None:
        return round(value, 1) if latencies else None

    figures = {
        "load_average_before": [round(x, 2) for x in load],
        "wall_seconds": round(wall, 3),
        "requests_per_second": round(len(results) / wall, 1) if wall else None,
        "p50_ms": ms(statistics.median(latencies) if latencies else 0.0),
        "p95_ms": ms(percentile(latencies, 95)),
        "p99_ms": ms(percentile(latencies, 99)),
        "max_ms": ms(max(latencies, default=0.0)),
        "server_cpu_ms_per_request": round(cpu_used * 1000 / requests, 2),
        "database_cpu_ms_per_request": round(db_used * 1000 / requests, 2),
        "client_cpu_seconds": round(client_used, 2),
        # Every part's CPU (gunicorn, PostgreSQL, this client) per request, and how many cores it kept busy:
        # near the machine's core count, the phase was CPU-bound and its length is its CPU cost.
        "all_cpu_ms_per_request": round((cpu_used + db_used + client_used) * 1000 / requests, 2),
        "cores_busy": round((cpu_used + db_used + client_used) / wall, 2) if wall else None,
        "errors": sum(1 for r in results if not ok(r)) + (args.signups - len(results)),
    }
    return figures, results


def run(kind: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"rush-{kind}-"))
    try:
        database_url = fresh_database(kind, workdir)
        args.database_url = database_url
        opp_id = prepare(database_url, args.seats)
        port = args.port or free_port()
        env = server_env(database_url, workdir, args.layout)
        # Every worker answers once before the clock starts (imports, first connection).
        process = start_gunicorn(port, env, workdir, gunicorn_args(), warm=12)
        worker = start_outbox_worker(env, workdir) if args.layout == "production" else None
        try:
            ceiling = None
            if not args.no_ceiling:
                ceiling, _results = measure(process, port, healthz_request, healthz_ok, args)
                time.sleep(args.pause)  # the server idle again (connections closed) before the sign-ups
            path = f"/api/v1/opportunities/{opp_id}/registrations"
            cpu_before = server_cpu_seconds(process.pid)
            worker_cpu_before = cpu_seconds(worker.pid) if worker else 0.0
            signups, results = measure(process, port, signup_request(path), signup_ok, args)
            signups["mail_drained_after_s"] = round(wait_for_mail(database_url), 1)
            # From the release of the burst to the last e-mail sent: no e-mail waited longer than this.
            signups["mail_all_sent_after_release_s"] = round(
                signups["wall_seconds"] + signups["mail_drained_after_s"], 1
            )
            signups["server_cpu_ms_per_request_with_mail"] = round(
                (server_cpu_seconds(process.pid) - cpu_before) * 1000 / max(len(results), 1), 2
            )
            if worker:
                signups["outbox_worker_cpu_ms_per_message"] = round(
                    (cpu_seconds(worker.pid) - worker_cpu_before) * 1000 / max(len(results), 1), 2
                )
        finally:
            if worker:
                stop(worker)
            stop(process)
        problems = check(results, read_outcome(database_url, opp_id, workdir / "mail"), args.seats, args.signups)
        return {
            "database": kind,
            "layout": args.layout,
            "requests": args.signups,
            "seats": args.seats,
            "arrivals": f"spread over {args.spread:g} s" if args.spread > 0 else f"{args.concurrency} clients at once",
            "ceiling_healthz": ceiling,
            "signups": signups,
            "ratio_to_ceiling": ratios(ceiling, signups),
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "problems": problems,
        }
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def ratios(ceiling: dict | None, signups: dict) -> dict | None:
    """How many times longer the sign-ups took than the same arrivals on GET /healthz: the whole burst (the
    last answer: "all answered within N x"), and the 95th percentile."""
    if not ceiling:
        return None

    def ratio(key: str) -> float | None:
        return round(signups[key] / ceiling[key], 2) if signups[key] and ceiling[key] else None

    # The floor of the burst ratio on saturated cores: how much more CPU a sign-up costs than a /healthz.
    return {"last_answer": ratio("wall_seconds"), "p95": ratio("p95_ms"), "cpu": ratio("all_cpu_ms_per_request")}


def _line(name: str, figures: dict) -> str:
    return (
        f"{name} {figures['requests_per_second']}/s, p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, {figures['server_cpu_ms_per_request']} ms server CPU each "
        f"({figures['all_cpu_ms_per_request']} ms with database and client; {figures['cores_busy']} cores busy)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--signups", type=int, default=500, help="sign-ups (and /healthz requests) per phase")
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=500, help="clients released together")
    arrivals = parser.add_mutually_exclusive_group()
    arrivals.add_argument(
        "--spread", type=float, default=0, help="seconds over which arrivals are spread evenly (0: closed loop)"
    )
    arrivals.add_argument("--rate", type=float, default=0, help="arrivals per second (same as --spread signups/rate)")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the GET /healthz phase")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between the /healthz and sign-up phases")
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (database, gunicorn log, mail)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="whole runs per database (a fresh database and server each); the ratios' median is printed",
    )
    parser.add_argument(
        "--layout",
        choices=("production", "thread"),
        default="production",
        help="production: OUTBOX_MODE=worker and a nice'd `notify outbox --loop` process sends the e-mail; "
        "thread: the web workers' background thread sends it (OUTBOX_MODE=thread)",
    )
    args = parser.parse_args()
    if not 0 < args.seats <= args.signups or args.concurrency < 1 or args.rate < 0 or args.repeat < 1:
        parser.error("need 0 < seats <= signups, concurrency >= 1, rate >= 0 and repeat >= 1")
    if args.rate > 0:
        args.spread = args.signups / args.rate
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    failed = False
    for kind in kinds:
        reports = []
        for _round in range(args.repeat):
            report = run(kind, args)
            failed = _print_report(kind, report, args) or failed
            reports.append(report)
        if len(reports) > 1:
            print(f"  {kind}: {_median_line(reports)}", file=sys.stderr)
    return 1 if failed else 0


def _median_line(reports: list[dict]) -> str:
    """The medians of whole runs: the sign-up burst's length and p95, and its ratios to the /healthz burst. One
    500-request /healthz burst lasts a few tenths of a second and swings with the machine (single ratios from
    4.3x to 13x for sign-up bursts of 2.3-2.9 s on a quiet machine), so one run's ratio is not a figure."""

    def spread(values: list[float], unit: str) -> str:
        ordered = sorted(values)
        return f"{statistics.median(ordered):.2f}{unit} (runs {ordered[0]}-{ordered[-1]})"

    line = (
        f"median of {len(reports)} runs: sign-ups all answered in "
        f"{spread([r['signups']['wall_seconds'] for r in reports], ' s')}, p95 "
        f"{spread([r['signups']['p95_ms'] for r in reports], ' ms')}"
    )
    ratios = [r["ratio_to_ceiling"] for r in reports if r["ratio_to_ceiling"]]
    if ratios:
        line += (
            f"; ratio to /healthz: last answer {spread([r['last_answer'] for r in ratios], 'x')}, p95 "
            f"{spread([r['p95'] for r in ratios], 'x')}, CPU {spread([r['cpu'] for r in ratios], 'x')}"
        )
    return line


def _print_report(kind: str, report: dict, args) -> bool:
    """Print one run's figures and verdict; True when a check failed."""
    failed = False
    print(json.dumps(report))
    if report["ceiling_healthz"]:
        print(f"  {kind}: {_line('ceiling GET /healthz', report['ceiling_healthz'])}", file=sys.stderr)
    print(f"  {kind}: {_line('sign-ups', report['signups'])}", file=sys.stderr)
    if report["ratio_to_ceiling"]:
        print(
            f"  {kind} ({args.layout} layout): last answer {report['ratio_to_ceiling']['last_answer']}x the "
            f"/healthz burst's, p95 {report['ratio_to_ceiling']['p95']}x, CPU per request "
            f"{report['ratio_to_ceiling']['cpu']}x; every e-mail sent "
            f"{report['signups']['mail_all_sent_after_release_s']} s after the release",
            file=sys.stderr,
        )
    if report["problems"]:
        failed = True
        for problem in report["problems"]:
            print(f"  FAIL {kind}: {problem}", file=sys.stderr)
    else:
        print(
            f"  OK {kind}: {args.signups} answers 202 received; {args.seats} confirmed, "
            f"{args.signups - args.seats} waitlisted 1..{args.signups - args.seats} in commit order; "
            f"one outbox message and one e-mail each; 0 errors",
            file=sys.stderr,
        )
    return failed


if __name__ == "__main__":
    sys.exit(main())
