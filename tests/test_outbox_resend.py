"""A sender that dies mid-send: its claim expires after OUTBOX_CLAIM_TIMEOUT, the message is sent again, and the
second copy carries the same Message-ID as the first (bench/failover.py counts deliveries by it)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from csi_events import outbox
from csi_events.db import commit, utcnow
from csi_events.outbox import OutboxMessage
from csi_events.registrations.services import RegistrationInput, register
from tests.factories import make_opportunity
from tests.smtp_server import smtp_backend


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


def _queued_row(app, db, monkeypatch) -> OutboxMessage:
    monkeypatch.setitem(app.config, "OUTBOX_MODE", "worker")  # queued, not sent: the test plays the senders
    opp = make_opportunity(capacity=5)
    db.session.commit()
    register(opp, RegistrationInput(first_name="Ana", last_name="Reyes", email="ana@example.org"))
    commit(db.session)
    return db.session.scalar(select(OutboxMessage))


def test_a_message_sent_again_after_a_dead_claim_has_the_same_message_id(app, db, smtp, monkeypatch):
    row = _queued_row(app, db, monkeypatch)
    assert outbox.send_messages([row.id]) == 1
    first = smtp.received[0].message["Message-ID"]
    assert first.startswith(f"<outbox-{row.id}.1@")

    # The sender "died" before marking the row sent: the row is claimed, not sent.
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row.id).values(sent_at=None, claimed_at=utcnow())
    )
    db.session.commit()
    monkeypatch.setitem(app.config, "OUTBOX_CLAIM_TIMEOUT", 600)
    assert outbox.send_messages([row.id]) == 0  # the claim is fresh: nobody else may take it
    assert len(smtp.received) == 1

    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row.id).values(claimed_at=utcnow() - timedelta(seconds=31))
    )
    db.session.commit()
    monkeypatch.setitem(app.config, "OUTBOX_CLAIM_TIMEOUT", 30)
    assert outbox.send_messages([row.id]) == 1
    assert [m.message["Message-ID"] for m in smtp.received] == [first, first]


def test_mail_outside_the_outbox_gets_a_random_message_id(app):
    from email.message import EmailMessage

    from csi_events.notifications.mailer import prepare

    with app.app_context():
        one, two = prepare(EmailMessage()), prepare(EmailMessage())
    assert "outbox-" not in one["Message-ID"] and one["Message-ID"] != two["Message-ID"]


def test_the_environment_sets_outbox_mode_claim_timeout_and_proxy_hops(monkeypatch, tmp_path):
    from csi_events.config import load_config

    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("OUTBOX_MODE", "worker")
    monkeypatch.setenv("OUTBOX_CLAIM_TIMEOUT", "45")
    monkeypatch.setenv("PROXY_FIX_HOPS", "1")
    config = load_config(str(tmp_path))
    assert (config["OUTBOX_MODE"], config["OUTBOX_CLAIM_TIMEOUT"], config["PROXY_FIX_HOPS"]) == ("worker", 45.0, 1)
