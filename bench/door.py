"""The door's printouts and paper check-in at convening scale: one session with N confirmed registrants; times
(median of --repeat runs) and peak memory (tracemalloc, one more run) of the sign-in sheet PDF, the name badges PDF and the
table tents PDF, their sizes and page counts, and the time to mark every registrant present through the
check-in service (paper check-in, one commit).

    python bench/door.py --people 300 --repeat 3
    python bench/door.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_door --people 300

The database is made afresh on each run (SQLite in a temporary file unless --db is given; a --db database is
emptied first)."""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_app(url: str):
    from csi_events import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "TESTING": False,
            "BASE_URL": "https://events.example.org",
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": os.path.join(tempfile.gettempdir(), "bench-mail"),
        }
    )


def fill(people: int):
    """One opportunity with one session tomorrow, `people` confirmed registrants across a few schools."""
    from csi_events.db import utcnow
    from csi_events.extensions import db
    from csi_events.models import Lea, LearningOpportunity, Person, Registration, School, Session, User

    lea = Lea(cd_code="1964733", name="Los Angeles Unified", subregion=4)
    schools = [School(lea=lea, cds_code=f"1964733{n:07d}", name=f"Valley Elementary {n}") for n in range(20)]
    staff = User(email="bench@example.org", role="staff", password_hash="x", display_name="Bench Staff")
    start = utcnow() + timedelta(days=1)
    opp = LearningOpportunity(
        title="Regional Community Schools Convening",
        summary="Bench",
        kind="convening",
        modality="in_person",
        status="published",
        capacity=None,
        pd_hours=6,
    )
    opp.sessions.append(Session(starts_at=start, ends_at=start + timedelta(hours=6), venue="Ballroom A"))
    opp.facilitators = [staff]
    db.session.add_all([lea, *schools, staff, opp])
    db.session.flush()
    for n in range(people):
        person = Person(
            email=f"person{n}@example.org",
            first_name=f"Guadalupe{n}",
            last_name=f"Hernández-Ortiz {n}",
            lea=lea,
            school=schools[n % len(schools)],
        )
        db.session.add(Registration(opportunity=opp, person=person, status="confirmed", confirmed_at=start))
    db.session.commit()
    return opp.sessions[0], staff


def measure(label: str, repeat: int, work):
    """(label, median seconds of `repeat` runs, peak traced bytes of one more run, its result). The memory run is
    separate: tracing allocations slows Python down several times."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    tracemalloc.start()
    result = work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return label, statistics.median(times), peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench-door.db"
    app = make_app(url)
    from pypdf import PdfReader

    from csi_events.door.badges import BadgeStyle, badges_pdf
    from csi_events.door.paper import mark_present
    from csi_events.door.sheets import sign_in_sheet_pdf
    from csi_events.extensions import db
    from csi_events.models import Registration

    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        session, staff = fill(args.people)
        rows = [
            measure("sign-in sheet PDF", args.repeat, lambda: sign_in_sheet_pdf(session)),
            measure("badges PDF (6 per sheet)", args.repeat, lambda: badges_pdf(session, BadgeStyle.BADGES)),
            measure("table tents PDF", args.repeat, lambda: badges_pdf(session, BadgeStyle.TENTS)),
        ]
        print(f"{args.people} confirmed registrants, {db.engine.dialect.name}, median of {args.repeat}")
        for label, seconds, peak, data in rows:
            pages = len(PdfReader(io.BytesIO(data)).pages)
            print(
                f"{label:28s} {seconds * 1000:8.0f} ms  peak {peak / 2**20:6.1f} MiB  {len(data) / 1024:7.0f} KiB  {pages} pages"
            )
        ids = list(db.session.scalars(db.select(Registration.id)))

        def paper_all():
            outcome = mark_present(session, ids, staff)
            db.session.commit()
            return outcome

        began = time.perf_counter()
        outcome = paper_all()
        seconds = time.perf_counter() - began
        print(
            f"{'paper check-in of everyone':28s} {seconds * 1000:8.0f} ms  ({len(outcome.checked_in)} checked in, one commit)"
        )
        db.drop_all()


if __name__ == "__main__":
    main()
