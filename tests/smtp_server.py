"""A real SMTP server for tests (aiosmtpd on 127.0.0.1 and a free port) that keeps what it receives."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        if self.server.refuse:
            return "554 5.0.0 Transaction failed (refused by the test server)"
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """start() / stop(); `received` holds every accepted message; set `refuse` to answer 554 to DATA.
    With credentials=(user, password) the server requires AUTH (over plain TCP: a test server only)."""

    def __init__(self, credentials: tuple[str, str] | None = None):
        self.received: list[Received] = []
        self.refuse = False
        self.logins: list[str] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.credentials = credentials
        options = {}
        if credentials:
            options = {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **options)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        user, password = auth_data.login.decode(), auth_data.password.decode()
        ok = (user, password) == self.credentials
        if ok:
            with self.lock:
                self.logins.append(user)
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received if address in r.rcpt_tos]

    def clear(self) -> None:
        with self.lock:
            self.received.clear()


MAIL_KEYS = (
    "MAIL_BACKEND",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_TIMEOUT",
)


@contextmanager
def smtp_backend(app) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1, and the app switched to the smtp backend meanwhile."""
    server = SmtpServer().start()
    saved = {key: app.config.get(key) for key in MAIL_KEYS}
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.port,
        MAIL_USE_TLS=False,
        MAIL_USERNAME=None,
        MAIL_PASSWORD=None,
        MAIL_TIMEOUT=5,
    )
    try:
        yield server
    finally:
        app.config.update(saved)
        server.stop()
