"""When staff cancel a whole opportunity, everyone still holding a place is told by e-mail."""

from __future__ import annotations

import pytest

from csi_events.db import commit
from csi_events.opportunities.transitions import cancel as cancel_opportunity
from csi_events.registrations.services import RegistrationInput, cancel, register
from tests.factories import make_opportunity, make_user
from tests.smtp_server import smtp_backend


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


def test_confirmed_and_waitlisted_people_are_told_but_not_the_already_cancelled(app, db, smtp):
    opp = make_opportunity(title="Family Nights", capacity=1)
    staff = make_user("staff")
    regs = [
        register(opp, RegistrationInput(first_name="P", last_name=str(i), email=f"p{i}@example.org")).registration
        for i in range(3)
    ]
    commit(db.session)
    cancel(regs[2])
    commit(db.session)
    smtp.clear()

    cancel_opportunity(opp, actor=staff, reason="Room flooded")
    commit(db.session)

    told = sorted(r for m in smtp.received for r in m.rcpt_tos)
    assert told == ["p0@example.org", "p1@example.org"]
    message = smtp.to("p1@example.org")[0]
    assert message["Subject"] == "Cancelled by the organizers: Family Nights"
    assert "Room flooded" in message.get_body(preferencelist=("plain",)).get_content()
