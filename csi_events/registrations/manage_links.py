"""The links to a person's own list of registrations: the reusable, signed 7-day manage link (confirmation
e-mails) and the one-time 30-minute sign-in link that "send me my link" e-mails (me_signin_views.py)."""

from __future__ import annotations

from flask import current_app

from .. import outbox
from ..auth.onetime import make_once_token
from ..extensions import db
from ..links import make_token
from .people_lookup import find_person_by_email


def manage_url(person_id: int) -> str:
    """The signed, expiring link to a person's list of registrations."""
    return f"{current_app.config['BASE_URL']}/me/{make_token('manage', {'p': person_id})}"


def signin_url(person_id: int) -> str:
    """A one-time link (30 minutes) to a person's list of registrations."""
    return f"{current_app.config['BASE_URL']}/me/signin/{make_once_token('signin', {'p': person_id})}"


def request_manage_link(email: str) -> bool:
    """Queue an e-mail with a one-time sign-in link when the address is known. The caller must answer the same
    words either way (never reveal whether an address is known); the return value is for tests and logs."""
    person = find_person_by_email(email)
    if person is None or person.email is None:
        return False
    outbox.enqueue(db.session, "manage_link", person_id=person.id, url=signin_url(person.id))
    return True
