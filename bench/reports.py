"""Reports at statewide scale: fill a database, then time the dashboard, an LEA page and the CSV export
beside the bare SQL of the same figures; the export's peak memory is measured in a child process.

    python bench/reports.py --db sqlite:///bench-reports.db --people 200000 --checkins 1000000
    python bench/reports.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports \
        --people 200000 --checkins 1000000

The database is filled once (bulk inserts: Core executemany on SQLite, COPY on PostgreSQL) and reused on
the next run with the same sizes (--refill forces a new fill). Targets (issue 5): dashboard <= 500 ms and
<= 1.5x the bare SQL; CSV export peak RSS < 200 MB. The dashboard and the LEA page are timed cold (the
figures cache of reports/cache.py emptied before each view), after 1, 100 and 1,000 check-ins of different people
were undone or made again (the school-year rollup of reports/rollup.py then recomputes those people first), and
warm (served from that cache while the data version is unchanged). The SQL path (every other range or filter) is
timed beside it, and the rollup's figures are checked equal to the SQL path's at full scale.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

SCHOOL_YEAR = 2024  # the data spans this school year; the dashboard shows it
PASSWORD = "bench password 1234"


def make_app(url: str):
    from csi_events import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "TESTING": False,
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": os.path.join(tempfile.gettempdir(), "bench-mail"),
        }
    )


# --- fill ----------------------------------------------------------------------------------------
def _copy_or_insert(conn, table, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in row])
    else:
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def fill(app, people: int, checkins: int, seed: int = 7) -> dict:  # noqa: C901 -- bulk load, one branch per table and engine
    from csi_events.extensions import db
    from csi_events.models import (
        CheckIn,
        Lea,
        LearningOpportunity,
        OpportunityTopic,
        Person,
        Registration,
        School,
        Session,
    )
    from csi_events.opportunities.models import MODALITIES, OPPORTUNITY_KINDS, PILLARS

    rng = random.Random(seed)
    n_leas = max(20, people // 200)
    n_schools = max(50, people // 20)
    per_session = 120
    n_sessions = max(10, checkins // per_session)
    n_opps = max(5, n_sessions // 3)
    now = datetime.now(UTC)
    year_start = datetime(SCHOOL_YEAR, 7, 1, 16, tzinfo=UTC)
    t0 = time.perf_counter()
    with app.app_context():
        db.drop_all()
        db.create_all()
        engine = db.engine
    with engine.begin() as conn:
        _copy_or_insert(
            conn,
            Lea.__table__,
            ["id", "cd_code", "name", "kind", "county", "subregion", "ccspp_status", "is_closed", "created_at",
             "updated_at"],
            [(i, f"{1900000 + i:07d}", f"LEA {i}", "district", "Los Angeles", i % 8 + 1, "none", False, now, now)
             for i in range(1, n_leas + 1)],
        )  # fmt: skip
        school_lea = {i: rng.randint(1, n_leas) for i in range(1, n_schools + 1)}
        _copy_or_insert(
            conn,
            School.__table__,
            ["id", "cds_code", "name", "lea_id", "subregion", "ccspp_status", "is_closed", "created_at", "updated_at"],
            [(i, f"{1900000 + lea:07d}{i:07d}", f"School {i}", lea, lea % 8 + 1, "none", False, now, now)
             for i, lea in school_lea.items()],
        )  # fmt: skip
        batch = []
        for i in range(1, people + 1):
            r = rng.random()
            school = rng.randint(1, n_schools) if r < 0.85 else None
            lea = school_lea[school] if school else (rng.randint(1, n_leas) if r < 0.93 else None)
            batch.append(
                (i, f"person{i}@example.org", f"First{i}", f"Last{i}", "teacher", lea, school,
                 None if lea else "Partner org", "en", now, now)
            )  # fmt: skip
            if len(batch) == 50000:
                _copy_or_insert(conn, Person.__table__, PERSON_COLUMNS, batch)
                batch = []
        _copy_or_insert(conn, Person.__table__, PERSON_COLUMNS, batch)
        opps, topics, sessions = [], [], []
        for o in range(1, n_opps + 1):
            opps.append(
                (o, f"Opportunity {o}", "", "", OPPORTUNITY_KINDS[o % 6], MODALITIES[o % 3],
                 None if o % 9 == 0 else o % 8 + 1, "", None, 3.0, "published" if o % 20 else "draft", 0, now, now)
            )  # fmt: skip
            topics.append((o, PILLARS[o % 4]))
            if o % 3 == 0:
                topics.append((o, PILLARS[(o + 1) % 4]))
        for sid in range(1, n_sessions + 1):
            o = (sid - 1) % n_opps + 1
            start = year_start + timedelta(days=rng.randint(0, 360), hours=rng.randint(0, 6))
            sessions.append((sid, o, start, start + timedelta(hours=2), 50))
        _copy_or_insert(conn, LearningOpportunity.__table__, OPP_COLUMNS, opps)
        _copy_or_insert(conn, OpportunityTopic.__table__, ["opportunity_id", "topic"], topics)
        _copy_or_insert(
            conn, Session.__table__, ["id", "opportunity_id", "starts_at", "ends_at", "attendance_threshold_pct"],
            sessions,
        )  # fmt: skip
        # Each opportunity draws its audience from a pool; each session a sample of that audience.
        audiences: dict[int, list[int]] = {}
        reg_rows, ci_rows = [], []
        reg_id = ci_id = 0
        regs: dict[tuple[int, int], int] = {}
        made = 0
        for sid, o, start, _end, _pct in sessions:
            audience = audiences.get(o)
            if audience is None:
                audience = audiences[o] = rng.sample(range(1, people + 1), min(people, per_session * 2))
            k = min(len(audience), max(1, int(rng.gauss(per_session, 15))), checkins - made)
            for pid in rng.sample(audience, k):
                reg = regs.get((o, pid))
                if reg is None:
                    reg_id += 1
                    reg = regs[(o, pid)] = reg_id
                    reg_rows.append((reg_id, o, pid, "confirmed", "online", f"t{reg_id:x}", now, now))
                ci_id += 1
                undone = start if ci_id % 50 == 0 else None
                ci_rows.append((ci_id, sid, pid, reg, start, "qr", False, undone))
            made += k
            if len(ci_rows) >= 100000:
                _copy_or_insert(conn, Registration.__table__, REG_COLUMNS, reg_rows)
                _copy_or_insert(conn, CheckIn.__table__, CI_COLUMNS, ci_rows)
                reg_rows, ci_rows = [], []
            if made >= checkins:
                break
        _copy_or_insert(conn, Registration.__table__, REG_COLUMNS, reg_rows)
        _copy_or_insert(conn, CheckIn.__table__, CI_COLUMNS, ci_rows)
        if conn.dialect.name == "postgresql":
            for table in ("leas", "schools", "people", "opportunities", "sessions", "registrations", "checkins"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    return {"seconds": round(time.perf_counter() - t0, 1), "checkins": ci_id, "registrations": reg_id}


PERSON_COLUMNS = ["id", "email", "first_name", "last_name", "role", "lea_id", "school_id", "organization",
                  "preferred_language", "created_at", "updated_at"]  # fmt: skip
OPP_COLUMNS = ["id", "title", "summary", "description", "kind", "modality", "subregion", "audience", "capacity",
               "pd_hours", "status", "lock_version", "created_at", "updated_at"]  # fmt: skip
REG_COLUMNS = ["id", "opportunity_id", "person_id", "status", "source", "ticket", "created_at", "updated_at"]
CI_COLUMNS = ["id", "session_id", "person_id", "registration_id", "checked_in_at", "method", "override", "undone_at"]


# --- timing --------------------------------------------------------------------------------------
def timed(fn, runs: int, before=None) -> dict:
    """Median and minimum of `runs` timings after a warm-up; `before` runs untimed before each call."""
    if before:
        before()
    fn()  # warm-up (compiled statements, templates, the database's own caches)
    samples = []
    for _ in range(runs):
        if before:
            before()
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return {"median_ms": round(statistics.median(samples), 1), "min_ms": round(min(samples), 1)}


def forget_figures(app):
    """Empty the figures cache (reports/cache.py): the next view computes every figure in SQL, as the
    first view after a check-in does."""

    def run():
        app.extensions.pop("report_figures_cache", None)

    return run


def staff_client(app, password_login: bool = True):
    from csi_events.auth.passwords import hash_password
    from csi_events.extensions import db
    from csi_events.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "bench-staff@example.org"))
        if user is None:
            user = User(email="bench-staff@example.org", role="staff", password_hash=hash_password(PASSWORD))
            db.session.add(user)
            db.session.commit()
        user_id = user.get_id()
    client = app.test_client()
    # The export child signs in by session only: a password check (argon2) would raise its peak memory.
    response = (
        client.post("/auth/login", data={"email": "bench-staff@example.org", "password": PASSWORD})
        if (password_login)
        else None
    )
    if response is None or response.status_code != 302:
        with client.session_transaction() as sess:
            sess["_user_id"] = user_id
            sess["_fresh"] = True
    return client


def build_rollup(app) -> dict:
    """Build the rollup from scratch, as after a bulk fill (every person with a check-in noted), in steps."""
    from csi_events.extensions import db
    from csi_events.models import ReportDirtyPerson
    from csi_events.reports import rollup

    with app.app_context():
        with db.engine.begin() as conn:  # a reused database: start from nothing, as after a bulk fill
            rollup.note_everyone(conn)
        noted = db.session.scalar(select(func.count()).select_from(ReportDirtyPerson))
        db.session.commit()
        t = time.perf_counter()
        people = rollup.catch_up(app)  # what `flask reports rollup` and the background thread do (then VACUUM)
        return {"notes": noted, "people": people, "seconds": round(time.perf_counter() - t, 1)}


def same_figures(app, f) -> bool:
    """The rollup's figures equal the SQL path's, at full scale (exactness, not speed)."""
    from csi_events.reports import figures, queries

    with app.app_context():
        via_rollup = figures._compute_figures(f, queries.SPLITS)
        app.config["REPORT_ROLLUP"] = False
        via_sql = figures._compute_figures(f, queries.SPLITS)
        app.config["REPORT_ROLLUP"] = True
    assert via_rollup == via_sql, "the rollup and the SQL path disagree"
    return True


def change(app, count: int, cold) -> callable:
    """Before a view: `count` check-ins of different people undone (or made again), committed, as scanners at the
    door would; then the figures cache is emptied."""
    from csi_events.extensions import db

    rng = random.Random(count)
    with app.app_context():
        engine = db.engine
        top = db.session.scalar(text("SELECT max(id) FROM checkins"))
        db.session.commit()

    def run():
        ids = rng.sample(range(1, top + 1), count)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE checkins SET undone_at = CASE WHEN undone_at IS NULL THEN checked_in_at ELSE NULL END "
                    "WHERE id = :id"
                ),
                [{"id": i} for i in ids],
            )
        cold()

    return run


def bare_rollup_sql(app, f) -> callable:
    """What the dashboard's figures cost in SQL through the rollup with nothing to refresh: the refresh's empty
    DELETE, the read of the year's sums and the offering figures, on a raw connection."""
    from csi_events.extensions import db
    from csi_events.reports import queries, rollup

    with app.app_context():
        offering = queries.offering_figures_select(f, queries.resolve_scope(f))
        engine = db.engine
        offering_sql = str(offering.compile(engine, compile_kwargs={"literal_binds": True}))

    def run():
        with app.app_context(), engine.begin() as conn:
            rollup.refresh(conn)
            rollup.read(conn, f.school_year_start, queries.SPLITS)
            conn.exec_driver_sql(offering_sql).fetchall()

    return run


def bare_sql(app, f) -> callable:
    """The same statements the dashboard runs, compiled once and executed on a raw connection."""
    from csi_events.extensions import db
    from csi_events.reports import queries

    with app.app_context():
        scope = queries.resolve_scope(f)
        stmts = [queries.figures_select(f, scope, queries.SPLITS), queries.offering_figures_select(f, scope)]
        engine = db.engine
        compiled = [str(s.compile(engine, compile_kwargs={"literal_binds": True})) for s in stmts]

    def run():
        with engine.connect() as conn:
            for sql in compiled:
                conn.exec_driver_sql(sql).fetchall()

    return run


def biggest_lea(app) -> str:
    from csi_events.extensions import db
    from csi_events.models import Lea, Person

    with app.app_context():
        return db.session.execute(
            select(Lea.cd_code).join(Person, Person.lea_id == Lea.id).group_by(Lea.cd_code)
            .order_by(func.count().desc()).limit(1)
        ).scalar_one()  # fmt: skip


def peak_rss_mb() -> float:
    """This process's peak resident set size. Linux: VmHWM of /proc/self/status, which starts afresh at exec
    (getrusage's ru_maxrss keeps the high-water mark of the parent that forked the child)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def export_child(url: str, args: str) -> None:
    """Run in a child process: stream the CSV export, print rows, seconds and peak RSS (MB)."""
    app = make_app(url)
    client = staff_client(app, password_login=False)
    one_day = re.sub(r"to=[0-9-]+", "to=" + re.search(r"from=([0-9-]+)", args).group(1), args)
    client.get(f"/staff/reports/rows.csv?{one_day}")  # warm-up on one day of rows (templates, locale data)
    base = peak_rss_mb()
    t = time.perf_counter()
    response = client.get(f"/staff/reports/rows.csv?{args}", buffered=False)
    lines = 0
    size = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
    response.close()
    seconds = time.perf_counter() - t
    peak = peak_rss_mb()
    print(json.dumps({"rows": lines - 1, "bytes": size, "seconds": round(seconds, 1),
                      "peak_rss_mb": peak, "rss_before_mb": base}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite:///bench-reports.db")
    parser.add_argument("--people", type=int, default=200000)
    parser.add_argument("--checkins", type=int, default=1000000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument(
        "--dashboard-only",
        action="store_true",
        help="time the rollup and the dashboard only (no SQL path, LEA page, export)",
    )
    parser.add_argument("--export-child", metavar="ARGS", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.export_child is not None:
        export_child(opts.db, opts.export_child)
        return

    from csi_events.extensions import db
    from csi_events.models import CheckIn
    from csi_events.reports.filters import ReportFilters

    app = make_app(opts.db)
    report = {"db": create_engine(opts.db).dialect.name, "people": opts.people, "checkins_asked": opts.checkins}
    with app.app_context():
        try:
            existing = db.session.scalar(select(func.count()).select_from(CheckIn))
        except Exception:
            db.session.rollback()
            existing = None
    if opts.refill or not existing or abs(existing - opts.checkins) > opts.checkins * 0.05:
        report["fill"] = fill(app, opts.people, opts.checkins)
    with app.app_context():
        db.create_all()  # a database filled by an older version may lack a newer table (creates only those)
    f = ReportFilters.school_year(SCHOOL_YEAR)
    query = "&".join(f"{k}={v}" for k, v in f.to_args().items())
    client = staff_client(app)
    lea = biggest_lea(app)

    def page(url):
        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])

        return run

    cold = forget_figures(app)
    report["rollup_build"] = build_rollup(app)
    report["same_figures_as_sql"] = same_figures(app, f)
    dashboard = page(f"/staff/reports?{query}")
    report["dashboard_cold"] = timed(dashboard, opts.runs, before=cold)
    for changed in (1, 100, 1000):
        report[f"dashboard_after_{changed}_checkins"] = timed(dashboard, opts.runs, before=change(app, changed, cold))
    report["dashboard_warm"] = timed(dashboard, opts.runs)
    report["bare_sql_dashboard"] = timed(bare_rollup_sql(app, f), opts.runs)
    report["ratio_cold"] = round(report["dashboard_cold"]["median_ms"] / report["bare_sql_dashboard"]["median_ms"], 2)
    if opts.dashboard_only:
        print(json.dumps(report, indent=2))
        return
    app.config["REPORT_ROLLUP"] = False  # the SQL path: what every other range or filter costs
    report["dashboard_sql_path_cold"] = timed(dashboard, max(1, opts.runs // 2), before=cold)
    report["bare_sql_sql_path"] = timed(bare_sql(app, f), max(1, opts.runs // 2))
    app.config["REPORT_ROLLUP"] = True
    report["lea_page_cold"] = timed(page(f"/staff/reports/leas/{lea}?{query}"), opts.runs, before=cold)
    report["lea_page_warm"] = timed(page(f"/staff/reports/leas/{lea}?{query}"), opts.runs)
    report["bare_sql_lea"] = timed(bare_sql(app, f.but(lea=lea)), opts.runs)
    child = subprocess.run(
        [sys.executable, __file__, "--db", opts.db, "--export-child", query + "&figure=attendances"],
        capture_output=True,
        text=True,
        check=True,
    )
    report["csv_export"] = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
