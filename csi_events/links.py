"""Signed, expiring links for people without an account. Each purpose has its own salt, so a link made
for one purpose never opens another."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

# purpose -> how long a link stays valid, in seconds
PURPOSES = {
    "manage": 7 * 24 * 3600,  # a person's list of registrations (from any e-mail we send)
    "signin": 30 * 60,
    "reset": 30
    * 60,  # "forgot password" for a staff or facilitator account; works once (auth/reset.py)  # asked for on the "find my registrations" page; works once (caller enforces)
    "here": 3 * 24 * 3600,  # "I'm here" link in a reminder sent up to a day before; the window is checked too
    "certificate": 365 * 24 * 3600,
    "survey": 120 * 24 * 3600,  # a feedback survey invitation; the survey's own close date is checked too
}


class LinkInvalid(Exception):
    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose}")
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"csi-events/{purpose}")


def make_token(purpose: str, data: dict) -> str:
    return _serializer(purpose).dumps(data)


def read_token(purpose: str, token: str, max_age: int | None = None) -> dict:
    try:
        return _serializer(purpose).loads(token, max_age=max_age or PURPOSES[purpose])
    except SignatureExpired as err:
        raise LinkInvalid(expired=True) from err
    except BadSignature as err:
        raise LinkInvalid(expired=False) from err
