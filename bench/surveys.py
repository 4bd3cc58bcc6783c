"""Survey results at a year's scale: fill a database with opportunities, invitations, responses and answers, then
time the summary across opportunities (the staff page's service), the press-release rating, one opportunity's
results, and a `surveys send` pass with nothing left to send.

    python bench/surveys.py                                    # SQLite file in a temporary directory
    python bench/surveys.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_surveys --opportunities 1000

Each figure is the median of --repeat runs (default 5). The database is made from the models (create_all).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402

SCALE_KEYS = ("overall_quality", "relevance", "will_apply", "facilitator")


def make_app(url: str):
    from csi_events import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "TESTING": False,
            "OUTBOX_MODE": "worker",
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": os.path.join(tempfile.gettempdir(), "bench-survey-mail"),
        }
    )


def fill(db, opportunities: int, invited: int, answer_share: float) -> dict[str, int]:
    from csi_events.models import LearningOpportunity, OpportunityTopic, Person, Session
    from csi_events.surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse
    from csi_events.surveys.questions import bank_questions, ensure_survey

    rng = random.Random(7)
    start = datetime(2024, 8, 1, 16, tzinfo=UTC)
    conn = db.session.connection()
    people = [
        {"id": i, "email": f"p{i}@example.org", "first_name": "P", "last_name": str(i)} for i in range(1, invited * 3)
    ]
    conn.execute(insert(Person), people)
    opps, sessions, topics = [], [], []
    for o in range(1, opportunities + 1):
        opps.append(
            {
                "id": o,
                "title": f"Opportunity {o}",
                "kind": rng.choice(("workshop", "webinar", "convening")),
                "modality": rng.choice(("in_person", "virtual", "hybrid")),
                "subregion": rng.choice((None, 1, 2, 3, 4, 5, 6, 7, 8)),
                "status": "published",
            }
        )
        when = start + timedelta(days=rng.randrange(300), hours=rng.randrange(4))
        sessions.append({"id": o, "opportunity_id": o, "starts_at": when, "ends_at": when + timedelta(hours=2)})
        topics.append({"opportunity_id": o, "topic": rng.choice(("extended_learning", "collaborative_leadership"))})
    conn.execute(insert(LearningOpportunity), opps)
    conn.execute(insert(Session), sessions)
    conn.execute(insert(OpportunityTopic), topics)
    bank_questions()
    db.session.flush()
    for o in range(1, opportunities + 1):
        ensure_survey(db.session.get(LearningOpportunity, o))
    db.session.flush()
    survey_ids = dict(db.session.execute(text("SELECT opportunity_id, id FROM surveys")).tuples().all())
    invitations, responses, answers = [], [], []
    inv_id = resp_id = 0
    for o in range(1, opportunities + 1):
        for person_id in rng.sample(range(1, len(people)), invited):
            inv_id += 1
            answered = rng.random() < answer_share
            invitations.append(
                {
                    "id": inv_id,
                    "survey_id": survey_ids[o],
                    "round_key": o,
                    "session_id": o,
                    "person_id": person_id,
                    "spent": answered,
                    "emailed_at": start,
                    "created_at": start,
                    "lock_version": 0,
                }
            )
            if answered:
                resp_id += 1
                responses.append({"id": resp_id, "survey_id": survey_ids[o], "session_id": o, "invitation_id": inv_id})
                answers += [
                    {"response_id": resp_id, "question_key": k, "number": rng.randint(2, 5)} for k in SCALE_KEYS
                ]
                answers.append(
                    {"response_id": resp_id, "question_key": "most_useful", "number": None, "text": "The examples"}
                )
    conn.execute(insert(SurveyInvitation), invitations)
    conn.execute(insert(SurveyResponse), responses)
    for i in range(0, len(answers), 20000):
        conn.execute(insert(SurveyAnswer), answers[i : i + 20000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))  # planner statistics after the bulk load, as autovacuum would
        db.session.commit()
    return {"invitations": len(invitations), "responses": len(responses), "answers": len(answers)}


def timed(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=None)
    parser.add_argument("--opportunities", type=int, default=1000)
    parser.add_argument("--invited", type=int, default=40)
    parser.add_argument("--answer-share", type=float, default=0.6)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench-surveys.db"
    app = make_app(url)
    with app.app_context():
        from csi_events.extensions import db
        from csi_events.reports.filters import ReportFilters
        from csi_events.surveys.questions import survey_of
        from csi_events.surveys.results import survey_results
        from csi_events.surveys.sending import run_send
        from csi_events.surveys.summary import overall_rating, survey_summary

        db.drop_all()
        db.create_all()
        sizes = fill(db, args.opportunities, args.invited, args.answer_share)
        year = ReportFilters(date_from=date(2024, 7, 1), date_to=date(2025, 6, 30))
        summary = survey_summary(year)
        figures = {
            "summary (school year, 5 splits)": timed(lambda: survey_summary(year), args.repeat),
            "summary (one subregion)": timed(lambda: survey_summary(year.but(subregion=4)), args.repeat),
            "overall_rating (school year)": timed(lambda: overall_rating(year), args.repeat),
            "one opportunity's results": timed(lambda: survey_results(survey_of(1)), args.repeat),
            "surveys send, nothing due": timed(lambda: run_send(datetime(2025, 7, 1, tzinfo=UTC)), args.repeat),
        }
        print(f"database: {db.engine.dialect.name}; {args.opportunities} opportunities; {sizes}")
        print(f"check: {summary.overall.responses} responses, overall mean {summary.overall.mean('overall_quality')}")
        for label, ms in figures.items():
            print(f"{label:36s} {ms:8.1f} ms (median of {args.repeat})")


if __name__ == "__main__":
    main()
