"""The mailer itself: SMTP login (password never logged), refusals reported as MailNotSent, file names."""

from __future__ import annotations

import logging
import re
from email.message import EmailMessage

import pytest

from csi_events.notifications import mailer
from tests.smtp_server import MAIL_KEYS, SmtpServer

PASSWORD = "s3cret-Pa55word-never-logged"


@pytest.fixture
def auth_server(app):
    server = SmtpServer(credentials=("mailer", PASSWORD)).start()
    saved = {key: app.config.get(key) for key in MAIL_KEYS}
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.port,
        MAIL_USE_TLS=False,
        MAIL_USERNAME="mailer",
        MAIL_PASSWORD=PASSWORD,
        MAIL_TIMEOUT=5,
    )
    try:
        yield server
    finally:
        app.config.update(saved)
        server.stop()


def note(to: str = "someone@example.org") -> EmailMessage:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = "Hello"
    message.set_content("Body")
    return message


def test_smtp_login_and_defaults(app, auth_server, caplog):
    with caplog.at_level(logging.DEBUG):
        mailer.send(note())
    assert auth_server.logins == ["mailer"]
    received = auth_server.received[0]
    assert received.rcpt_tos == ["someone@example.org"]
    message = received.message
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["Message-ID"] and message["Date"]
    assert PASSWORD not in caplog.text


def test_wrong_password_is_mail_not_sent_without_the_password(app, auth_server, caplog):
    app.config["MAIL_PASSWORD"] = "wrong-" + PASSWORD
    with caplog.at_level(logging.DEBUG), pytest.raises(mailer.MailNotSent) as err:
        mailer.send(note())
    assert "login refused" in str(err.value)
    assert PASSWORD not in str(err.value) and PASSWORD not in caplog.text
    assert auth_server.received == []


def test_refused_data_and_unknown_backend_are_mail_not_sent(app, auth_server):
    auth_server.refuse = True
    with pytest.raises(mailer.MailNotSent):
        mailer.send(note())
    app.config["MAIL_BACKEND"] = "pigeon"
    with pytest.raises(mailer.MailNotSent):
        mailer.send(note())


def test_file_names_sort_by_time_and_are_unique(app):
    from datetime import UTC, datetime, timedelta

    t = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    names = [mailer.new_file_name(t + timedelta(microseconds=i)) for i in (0, 1, 999_999, 1_000_000, 3_600_000_000)]
    assert all(mailer.EML_NAME.fullmatch(n) for n in names)
    assert names == sorted(names)
    same_moment = {mailer.new_file_name(t) for _ in range(50)}
    assert len(same_moment) == 50
    assert re.match(r"^20261128T090000000000Z-", names[0])
