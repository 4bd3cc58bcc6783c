"""Cost of one scan, in-process: what the check-in bench is made of.

Builds the database of bench/checkin.py (a fresh SQLite file, or with --db postgres its PostgreSQL database) with
one session open for check-in and TICKETS confirmed registrations, then sends scans through the Flask test client
to POST /api/v1/checkins, one at a time, the way a scanner does (bearer token, a new nonce, the QR's URL), and
reports for GET /healthz, a redeem and a rescan:
  - the SQL statements of one request (the pool's pre-ping, BEGIN and COMMIT are not statements: add them for
    the round trips on PostgreSQL);
  - wall and CPU milliseconds per request of this process (the median of --rounds rounds);
  - with --profile, a cProfile listing of the redeems (sorted by cumulative time).
No HTTP server is involved (see checkin.py for that), so the figures are the application's own cost.

    flock .bench.lock .venv/bin/python bench/checkin_profile.py [--db postgres] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:  # noqa: C901 -- a measuring script read top to bottom; its closures share one app and client
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=2000, help="registrations; each round redeems a share")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of measured requests (median reported)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile listing of the redeems")
    args = parser.parse_args()

    from sqlalchemy import event

    from bench.checkin import fresh_database, prepare

    workdir = Path(tempfile.mkdtemp(prefix="checkin-profile-"))
    try:
        database_url = fresh_database(args.db, workdir)
        session_id, tickets, api_token = prepare(database_url, args.tickets)

        from csi_events import create_app
        from csi_events.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
        client = app.test_client()
        headers = {"Authorization": f"Bearer {api_token}"}
        per_round = (args.tickets - 20) // args.rounds
        queue = iter(tickets)

        def scan(ticket: str) -> str:
            body = {"session_id": session_id, "ticket": f"https://events.example/t/{ticket}", "nonce": uuid.uuid4().hex}
            answer = client.post("/api/v1/checkins", json=body, headers=headers)
            if answer.status_code != 200:
                raise SystemExit(f"scan answered {answer.status_code}: {answer.get_data(as_text=True)}")
            return answer.get_json()["status"]

        def healthz(_ticket=None) -> str:
            answer = client.get("/healthz")
            if answer.status_code != 200:
                raise SystemExit(f"/healthz answered {answer.status_code}")
            return "ok"

        with app.app_context():
            engine = db.engine
        seen: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: seen.append(statement))

        def timed(work, items, expect) -> tuple[float, float]:
            wall, cpu = time.perf_counter(), time.process_time()
            for item in items:
                status = work(item)
                if status != expect:
                    raise SystemExit(f"expected {expect}, got {status}")
            n = len(items)
            return (time.perf_counter() - wall) * 1000 / n, (time.process_time() - cpu) * 1000 / n

        # Warm-up: token cache, compiled statements, pool.
        for ticket in [next(queue) for _ in range(10)]:
            scan(ticket)
            scan(ticket)
            healthz()
        statements = {}
        for name, work, item, expect in (
            ("healthz", healthz, None, "ok"),
            ("redeem", scan, next(queue), "ok"),
            ("rescan", scan, tickets[0], "already_checked_in"),
        ):
            seen.clear()
            assert work(item) == expect
            statements[name] = list(seen)

        rows = {"healthz": [], "redeem": [], "rescan": []}
        profiler = cProfile.Profile() if args.profile else None
        for _round in range(args.rounds):
            batch = [next(queue) for _ in range(per_round)]
            rows["healthz"].append(timed(healthz, batch, "ok"))
            if profiler:
                profiler.enable()
            rows["redeem"].append(timed(scan, batch, "ok"))
            if profiler:
                profiler.disable()
            rows["rescan"].append(timed(scan, batch, "already_checked_in"))

        report = {
            "database": args.db,
            "requests_per_round": per_round,
            "rounds": args.rounds,
            "per_request": {
                name: {
                    "statements": len(statements[name]),
                    "wall_ms": round(statistics.median(r[0] for r in values), 3),
                    "cpu_ms": round(statistics.median(r[1] for r in values), 3),
                }
                for name, values in rows.items()
            },
            "statements": {name: [" ".join(s.split())[:160] for s in found] for name, found in statements.items()},
        }
        print(json.dumps(report, indent=2))
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        with app.app_context():
            db.engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
