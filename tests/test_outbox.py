"""The transactional outbox: nothing is mailed for a rolled-back transaction, nothing committed is forgotten."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from csi_events import outbox
from csi_events.db import commit
from csi_events.outbox import OutboxMessage
from csi_events.registrations.services import RegistrationInput, register
from tests.factories import make_opportunity
from tests.smtp_server import smtp_backend


@pytest.fixture
def smtp(app):
    with smtp_backend(app) as server:
        yield server


def _sign_up(opp, email):
    register(opp, RegistrationInput(first_name="Ana", last_name="Reyes", email=email))


def test_rolled_back_work_mails_nobody_and_leaves_no_row(app, db, smtp):
    opp = make_opportunity(capacity=5)
    db.session.commit()
    _sign_up(opp, "gone@example.org")
    db.session.rollback()
    commit(db.session)
    assert smtp.received == []
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_a_refused_message_stays_queued_and_the_cron_command_sends_it_later(app, db, smtp):
    opp = make_opportunity(capacity=5)
    db.session.commit()
    smtp.refuse = True
    _sign_up(opp, "later@example.org")
    commit(db.session)
    row = db.session.scalar(select(OutboxMessage))
    assert row.sent_at is None and row.attempts == 1 and "MailNotSent" in row.last_error

    smtp.refuse = False
    result = app.test_cli_runner().invoke(args=["notify", "outbox", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    assert [m.rcpt_tos for m in smtp.received] == [["later@example.org"]]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).sent_at is not None
    # and once sent, never again
    again = app.test_cli_runner().invoke(args=["notify", "outbox", "--older-than", "0"])
    assert "0 sent" in again.output and len(smtp.received) == 1


def test_background_delivery_sends_after_the_commit(app, db, smtp):
    app.config["OUTBOX_MODE"] = "thread"
    try:
        opp = make_opportunity(capacity=5)
        db.session.commit()
        _sign_up(opp, "async@example.org")
        commit(db.session)
        outbox.wait_idle()
    finally:
        app.config["OUTBOX_MODE"] = None
    assert [m.rcpt_tos for m in smtp.received] == [["async@example.org"]]
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage)).sent_at is not None


def test_worker_mode_leaves_sending_to_the_outbox_process(app, db, smtp):
    app.config["OUTBOX_MODE"] = "worker"
    try:
        opp = make_opportunity(capacity=5)
        db.session.commit()
        _sign_up(opp, "worker@example.org")
        commit(db.session)
        assert smtp.received == []  # the web request sent nothing
    finally:
        app.config["OUTBOX_MODE"] = None
    result = app.test_cli_runner().invoke(args=["notify", "outbox", "--older-than", "0"])
    assert "1 sent" in result.output
    assert [m.rcpt_tos for m in smtp.received] == [["worker@example.org"]]


def test_outbox_mode_comes_from_the_environment(monkeypatch, tmp_path):
    """The production layout sets OUTBOX_MODE=worker for the web processes; an unknown value stops the start."""
    from csi_events.config import load_config

    monkeypatch.setenv("OUTBOX_MODE", "Worker")
    assert load_config(str(tmp_path))["OUTBOX_MODE"] == "worker"
    monkeypatch.delenv("OUTBOX_MODE")
    assert load_config(str(tmp_path))["OUTBOX_MODE"] is None
    monkeypatch.setenv("OUTBOX_MODE", "carrier-pigeon")
    with pytest.raises(ValueError, match="OUTBOX_MODE must be one of"):
        load_config(str(tmp_path))
