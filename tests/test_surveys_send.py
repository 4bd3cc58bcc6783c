"""`flask --app app surveys send`: after a session ends, each checked-in person gets one e-mail through the outbox
(received by a real SMTP server), in their language, with a signed link; never twice, even with runs at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from csi_events.checkin.models import CheckIn
from csi_events.db import commit
from csi_events.outbox import OutboxMessage
from csi_events.surveys.models import SurveyInvitation
from csi_events.surveys.sending import run_send
from tests.concurrency import run_concurrently
from tests.factories import make_opportunity, make_person, make_registration
from tests.smtp_server import smtp_backend
from tests.survey_fixture import build_world


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _invitations(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyInvitation))


def _extra_sessions(db, world):
    """A session not ended yet and one whose survey closed, each with a checked-in person: nobody is mailed."""
    running = make_opportunity(title="Running", starts_at=world.now - timedelta(hours=1), hours=3)
    old = make_opportunity(title="Old", starts_at=world.now - timedelta(days=20), hours=2)
    for opp, email in ((running, "running@example.org"), (old, "old@example.org")):
        person = make_person(email=email)
        db.session.add(CheckIn(session=opp.sessions[0], person=person, registration=make_registration(opp, person)))
    commit(db.session)


def test_cli_mails_each_checked_in_person_once_in_their_language(app, db, smtp):
    world = build_world(answer=False, send=False)
    _extra_sessions(db, world)
    result = app.test_cli_runner().invoke(args=["surveys", "send"])
    assert result.exit_code == 0, result.output
    assert "6 invitations queued" in result.output
    recipients = sorted(r.rcpt_tos[0] for r in smtp.received)
    assert recipients == [f"{n}@example.org" for n in ("a1", "a2", "a3", "b1", "b2", "b3")]
    english = smtp.to("a1@example.org")[0]
    assert english["Subject"] == "How was it? Family Engagement 101"
    assert english["Content-Language"] == "en"
    spanish = smtp.to("b2@example.org")[0]
    assert spanish["Content-Language"] == "es"
    assert "Leadership Series" in spanish["Subject"] and "How was it" not in spanish["Subject"]
    assert "anónima" in _text(spanish)
    link = re.search(r"http://testserver(/survey/\S+)", _text(english)).group(1)
    page = app.test_client().get(link)
    assert page.status_code == 200 and "Family Engagement 101" in page.get_data(as_text=True)
    assert "?lang=es" in re.search(r"http://testserver(/survey/\S+)", _text(spanish)).group(1)
    # again: nothing more
    again = app.test_cli_runner().invoke(args=["surveys", "send"])
    assert "0 invitations queued" in again.output
    assert len(smtp.received) == 6
    assert _invitations(db) == 6


def test_overlapping_runs_invite_and_mail_once(app, db, smtp):
    world = build_world(answer=False, send=False)
    results, errors = run_concurrently(app, 3, lambda i: run_send(world.now).queued)
    assert errors == []
    assert sum(results) == 6
    assert len(smtp.received) == 6
    assert len({r.rcpt_tos[0] for r in smtp.received}) == 6
    assert _invitations(db) == 6
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 6


def test_people_who_answered_on_the_spot_are_not_mailed(app, db, smtp):
    from csi_events.surveys.invitations import spot_invitation
    from csi_events.surveys.submit import submit_response

    world = build_world(answer=False, send=False)
    invitation = spot_invitation(world.a.sessions[0].id, "A1@Example.org", world.now)
    submit_response(invitation, {"overall_quality": 5, "relevance": 5, "will_apply": 5, "facilitator": 5}, world.now)
    commit(db.session)
    run_send(world.now)
    recipients = sorted(r.rcpt_tos[0] for r in smtp.received)
    assert "a1@example.org" not in recipients and len(recipients) == 5
