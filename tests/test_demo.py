"""`flask demo load [--if-empty]`: a believable, deterministic demo that is loaded once."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from csi_events.auth.models import User
from csi_events.checkin.models import CheckIn
from csi_events.db import utcnow
from csi_events.demo import data
from csi_events.demo.surveys import SURVEYED_OPPORTUNITIES
from csi_events.directory.models import Lea, School
from csi_events.opportunities.models import LearningOpportunity, Session
from csi_events.people.models import Person
from csi_events.registrations.models import Registration
from csi_events.surveys.models import Survey, SurveyInvitation, SurveyResponse
from csi_events.surveys.results import survey_results

DATA = Path(__file__).parent / "data"


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def totals(db) -> dict:
    return {m.__name__: count(db, m) for m in (Lea, School, User, LearningOpportunity, Registration, CheckIn, Person)}


@pytest.mark.slow
def test_demo_load_builds_the_demo_and_prints_working_passwords(app, db, client):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output

    # the directory: every subregion has LEAs and schools; a county office and charters
    assert count(db, Lea) == len(data.LEAS) >= 30
    assert count(db, School) >= 80
    subregions = set(db.session.scalars(select(School.subregion).where(School.subregion.is_not(None))))
    assert subregions == set(range(1, 9))
    kinds = dict(db.session.execute(select(Lea.kind, func.count()).group_by(Lea.kind)).all())
    assert kinds["county_office"] == 1 and kinds["charter"] >= 3 and kinds["district"] >= 20
    assert all(re.fullmatch(r"19\d{5}", code) for code in db.session.scalars(select(Lea.cd_code)))
    for school in db.session.scalars(select(School)):
        assert re.fullmatch(r"\d{14}", school.cds_code) and school.cds_code.startswith(school.lea.cd_code)

    # accounts, and the printed passwords sign in
    roles = sorted(db.session.scalars(select(User.role)))
    assert roles == ["admin", "facilitator", "facilitator", "staff"]
    printed = dict(re.findall(r"^\s+\w+\s+(\S+@example\.org)\s+(\S+)$", result.output, flags=re.M))
    assert set(printed) == {u.email for u in db.session.scalars(select(User))}
    response = client.post("/auth/login", data={"email": "staff@example.org", "password": printed["staff@example.org"]})
    assert response.status_code == 302

    # opportunities across kinds and modalities, past and upcoming, with facilitators and topics
    opps = list(db.session.scalars(select(LearningOpportunity)))
    assert len(opps) == len(data.OPPORTUNITIES) >= 12
    assert {o.kind for o in opps} == {
        "workshop",
        "webinar",
        "community_of_practice",
        "convening",
        "training_series",
        "office_hours",
    }
    assert {o.modality for o in opps} == {"in_person", "virtual", "hybrid"}
    assert {"draft", "published", "cancelled"} <= {o.status for o in opps}
    now = utcnow()
    published = [o for o in opps if o.status == "published"]
    assert any(all(s.ends_at < now for s in o.sessions) for o in published)  # past
    assert sum(1 for o in published if any(s.starts_at > now for s in o.sessions)) >= 5  # upcoming
    pillars = {"integrated_student_supports", "family_community_engagement", "collaborative_leadership"}
    assert pillars | {"extended_learning"} <= {t for o in opps for t in o.topics}
    assert all(o.facilitators for o in opps)
    assert all(s.venue for o in opps if o.modality == "in_person" for s in o.sessions)
    assert all(s.virtual_url for o in opps if o.modality == "virtual" for s in o.sessions)

    # registrations through the service: confirmed, a waitlist, a cancellation; tickets are unique
    statuses = dict(db.session.execute(select(Registration.status, func.count()).group_by(Registration.status)).all())
    assert statuses["confirmed"] >= 150 and statuses["waitlisted"] >= 1 and statuses["cancelled"] >= 1
    full = db.session.scalar(select(LearningOpportunity).where(LearningOpportunity.capacity == 12))
    confirmed = db.session.scalar(
        select(func.count()).where(Registration.opportunity_id == full.id, Registration.status == "confirmed")
    )
    assert confirmed == 12
    assert count(db, Person) == data.PEOPLE

    # check-ins only for sessions that have started, only for confirmed registrations
    checkins = list(db.session.scalars(select(CheckIn)))
    assert len(checkins) >= 50
    assert all(c.session.starts_at <= now and c.registration.status == "confirmed" for c in checkins)
    started = db.session.scalars(select(Session.id).where(Session.starts_at <= now)).all()
    assert {c.session_id for c in checkins} <= set(started)

    # surveys on the most recent past opportunities (one anonymous), answered by about two in three, shown
    surveys = list(db.session.scalars(select(Survey)))
    assert 3 <= len(surveys) <= SURVEYED_OPPORTUNITIES and sum(s.anonymous for s in surveys) == 1
    assert all(all(x.ends_at < now for x in s.opportunity.sessions) for s in surveys)
    invited, responses = count(db, SurveyInvitation), count(db, SurveyResponse)
    assert invited >= 20 and 0.4 * invited <= responses < invited
    assert f"{responses} survey responses" in result.output
    named = next(s for s in surveys if not s.anonymous)
    results = survey_results(named)
    assert results.responses >= 1 and results.questions[0].mean is not None
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": "staff@example.org", "password": printed["staff@example.org"]})
    page = client.get(f"/staff/opportunities/{named.opportunity_id}/survey/results")
    assert page.status_code == 200 and f'<dd id="invited">{results.invited}</dd>' in page.get_data(as_text=True)

    # the demo mails nobody
    mail_dir = Path(app.config["MAIL_FILE_DIR"])
    assert not mail_dir.exists() or not any(mail_dir.iterdir())


@pytest.mark.slow
def test_if_empty_loads_only_once_and_plain_load_refuses_a_used_database(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load", "--if-empty"]).exit_code == 0
    before = totals(db)
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "nothing loaded" in again.output
    assert "password" not in again.output.lower()
    refused = runner.invoke(args=["demo", "load"])
    assert refused.exit_code != 0 and "already has users" in refused.output
    db.session.expire_all()
    assert totals(db) == before


def test_if_empty_does_nothing_when_any_user_exists(app, db):
    from tests.factories import make_user

    make_user("admin")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0
    assert count(db, Lea) == 0 and count(db, LearningOpportunity) == 0


@pytest.mark.slow
def test_demo_keeps_a_directory_imported_before(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["directory", "import", str(DATA / "pubschls_small.txt")]).exit_code == 0
    lausd = db.session.scalar(select(Lea).where(Lea.cd_code == "1964733"))
    lausd.subregion = 5
    db.session.commit()
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    lausd = db.session.scalar(select(Lea).where(Lea.cd_code == "1964733"))
    assert lausd.subregion == 5 and lausd.name == "Los Angeles Unified"
    assert db.session.scalar(select(School).where(School.cds_code == "19647336016091")) is not None


def test_generated_directory_and_people_are_deterministic():
    first = data.demo_schools(random.Random(data.SEED))
    second = data.demo_schools(random.Random(data.SEED))
    assert first == second and len({s.cds_code for s in first}) == len(first)
    rng1, rng2 = random.Random(7), random.Random(7)
    assert data.demo_people(rng1, first) == data.demo_people(rng2, first)
    assert data.demo_schools(random.Random(1)) != first
