"""Helpers shared by the registration tests (this module holds no tests of its own)."""

from __future__ import annotations

import re
from contextlib import contextmanager

from csi_events import outbox


class OutboxRecorder(dict):
    """Stands in for outbox._HANDLERS: every delivered item is recorded as (kind, payload)."""

    def __init__(self):
        super().__init__()
        self.items: list[tuple[str, dict]] = []

    def get(self, kind, default=None):
        def record(**payload):
            self.items.append((kind, payload))

        return record

    def kinds(self) -> list[str]:
        return [kind for kind, _payload in self.items]


def record_outbox(monkeypatch) -> OutboxRecorder:
    recorder = OutboxRecorder()
    monkeypatch.setattr(outbox, "_HANDLERS", recorder)
    return recorder


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Ana",
        "last_name": "Reyes",
        "email": "ana.reyes@example.org",
        "role": "teacher",
        "lea": "",
        "school": "",
        "organization": "",
        "needs": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def ticket_from(location: str) -> str:
    match = re.search(r"/t/([A-Za-z0-9_-]+)$", location)
    assert match, location
    return match.group(1)


@contextmanager
def rate_limited_app(app, **config):
    """A second app on the same database with Flask-Limiter switched on (the test app runs with it off, and
    Flask-Limiter cannot be switched on after init_app ran disabled). Resets and disables it afterwards."""
    from csi_events import create_app
    from csi_events.extensions import db, limiter

    keys = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED", "BASE_URL")
    settings = {key: app.config[key] for key in keys}
    settings.update(
        {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "MAIL_FILE_DIR": app.config["MAIL_FILE_DIR"]}
    )
    settings.update(config)
    fresh = create_app(settings)
    try:
        with fresh.app_context():
            limiter.reset()
            try:
                yield fresh
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        limiter.reset()
        limiter.enabled = False
