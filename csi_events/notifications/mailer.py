"""Sending e-mail: send(message) through the backend named by MAIL_BACKEND.

- "file" (the default): each message is written as an .eml file into MAIL_FILE_DIR, named so that
  names sort by the time they were written (staff read them on /staff/mail while developing).
- "smtp": smtplib with MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS (STARTTLS), MAIL_USERNAME, MAIL_PASSWORD and
  MAIL_TIMEOUT seconds. Passwords are never logged.

send() raises MailNotSent when the message certainly did not leave (no connection, login refused, the
server refused sender, recipient or data, the file could not be written). Any other exception means we
do not know whether the server accepted it (the connection broke mid-transfer): callers that must never
send twice treat that as sent.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import smtplib
import ssl
import tempfile
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app

from ..outbox import outbox_message_id

log = logging.getLogger(__name__)

# 20261128T093907123456Z-1a2b3c4d5e6f.eml: sortable by name, unique, nothing a path could hide in.
EML_NAME = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{12}\.eml$")


class MailNotSent(Exception):
    """The message certainly did not leave: safe to try again later."""


def mail_host() -> str:
    base = current_app.config.get("BASE_URL", "")
    return base.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "csi-events.local"


def prepare(message: EmailMessage) -> EmailMessage:
    """Fill From, Date and Message-ID when the builder left them out (inside an outbox send, the Message-ID
    follows the outbox row: the same on a resend)."""
    if not message["From"]:
        message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    if not message["Date"]:
        message["Date"] = format_datetime(datetime.now(UTC))
    if not message["Message-ID"]:
        message["Message-ID"] = outbox_message_id(mail_host()) or make_msgid(domain=mail_host())
    return message


def send(message: EmailMessage) -> None:
    prepare(message)
    backend = current_app.config.get("MAIL_BACKEND", "file")
    if backend == "file":
        path = _send_file(message)
        log.info("mail: %r to %s written to %s", str(message["Subject"]), message["To"], path.name)
    elif backend == "smtp":
        _send_smtp(message)
        log.info("mail: %r to %s sent by SMTP", str(message["Subject"]), message["To"])
    else:
        raise MailNotSent(f"unknown MAIL_BACKEND {backend!r}")


def mail_dir() -> Path:
    return Path(current_app.config["MAIL_FILE_DIR"])


def new_file_name(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(6)}.eml"


def _send_file(message: EmailMessage) -> Path:
    folder = mail_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data = message.as_bytes()
        # Write to a temporary name first, so the viewer never lists a half-written file.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            path = folder / new_file_name()
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise MailNotSent(f"could not write the message file: {err}") from err
    return path


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    timeout = float(config.get("MAIL_TIMEOUT", 10))
    try:
        client = smtplib.SMTP(host, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as err:
        raise MailNotSent(f"cannot connect to the SMTP server {host}:{port}: {err}") from err
    try:
        try:
            client.ehlo()
            if config.get("MAIL_USE_TLS"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if config.get("MAIL_USERNAME"):
                client.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except smtplib.SMTPAuthenticationError as err:
            # The server's answer only; the password is never part of a message or a log line.
            raise MailNotSent(
                f"SMTP login refused for user {config['MAIL_USERNAME']!r} (code {err.smtp_code})"
            ) from None
        except (OSError, smtplib.SMTPException) as err:
            raise MailNotSent(f"SMTP session with {host}:{port} failed before sending: {err}") from err
        try:
            client.send_message(message)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as err:
            raise MailNotSent(f"the SMTP server refused the message: {err}") from err
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
