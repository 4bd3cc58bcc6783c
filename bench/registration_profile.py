"""CPU cost of one public sign-up, in-process: what the registration rush is made of.

Builds a fresh SQLite file (or the PostgreSQL database of bench/registration_rush.py with --db postgres)
with one published opportunity, then sends sign-ups through the Flask test client to
POST /api/v1/opportunities/<id>/registrations, one at a time, and reports:
  - the SQL statements of one sign-up of a new person;
  - CPU milliseconds per sign-up of this process (request only: the outbox messages are stored but not sent);
  - with --mail, the same with the outbox delivered inline (the e-mail built and written with the file backend);
  - with --profile, a cProfile listing of the request (sorted by cumulative time).
No HTTP server is involved (see registration_rush.py for that), so the figures are the application's own cost.

    flock .bench.lock .venv/bin/python bench/registration_profile.py [--db postgres] [--mail] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--signups", type=int, default=300, help="measured sign-ups (after 20 for warm-up)")
    parser.add_argument("--mail", action="store_true", help="deliver the outbox inline (build and write e-mail)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile listing of the measured sign-ups")
    args = parser.parse_args()

    from sqlalchemy import event

    from bench.registration_rush import fresh_database, prepare

    workdir = Path(tempfile.mkdtemp(prefix="regprof-"))
    try:
        database_url = fresh_database(args.db, workdir)
        opp_id = prepare(database_url, seats=100)

        from csi_events import create_app, outbox
        from csi_events.extensions import db

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
                "OUTBOX_MODE": "inline",
                "MAIL_BACKEND": "file",
                "MAIL_FILE_DIR": str(workdir / "mail"),
                "BASE_URL": "http://127.0.0.1",
            }
        )
        logging.getLogger("csi_events.notifications.mailer").setLevel(logging.WARNING)  # one line per message
        if not args.mail:
            outbox.deliver = lambda ids: None  # stored with the transaction, never sent: the request alone
        client = app.test_client()
        path = f"/api/v1/opportunities/{opp_id}/registrations"
        counter = iter(range(10**9))

        def signup() -> None:
            i = next(counter)
            answer = client.post(
                path,
                json={
                    "first_name": "Rush",
                    "last_name": f"Person {i}",
                    "email": f"p{i}@example.org",
                    "role": "teacher",
                },
            )
            if answer.status_code != 202:  # the anonymous answer: "received"
                raise SystemExit(f"sign-up {i} answered {answer.status_code}: {answer.get_data(as_text=True)}")

        for _ in range(20):
            signup()
        statements: list[str] = []
        with app.app_context():
            engine = db.engine
        listener = lambda conn, cursor, stmt, params, context, many: statements.append(stmt)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        signup()
        event.remove(engine, "before_cursor_execute", listener)
        print(
            f"SQL statements of one sign-up (a new person{', with its e-mail' if args.mail else ''}): {len(statements)}"
        )
        for stmt in statements:
            print("   ", " ".join(stmt.split())[:110])

        profiler = cProfile.Profile() if args.profile else None
        began = time.process_time()
        if profiler:
            profiler.enable()
        for _ in range(args.signups):
            signup()
        if profiler:
            profiler.disable()
        cpu_ms = (time.process_time() - began) * 1000 / args.signups
        what = "request + e-mail" if args.mail else "request only"
        note = " (under cProfile: inflated)" if profiler else ""
        print(f"CPU per sign-up, {what}, {args.db}: {cpu_ms:.2f} ms over {args.signups} sign-ups{note}")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        with app.app_context():
            db.engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
