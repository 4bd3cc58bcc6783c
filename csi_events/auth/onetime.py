"""Signed links that work once (the e-mailed "sign-in" link): each carries a random id, and using it
records that id in used_links, so a second use, even within the expiry, is refused."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..links import LinkInvalid, make_token, read_token
from .models import UsedLink

LINK_ID_KEY = "jti"


def make_once_token(purpose: str, data: dict) -> str:
    """A signed token for `purpose` that consume_once_token accepts a single time."""
    return make_token(purpose, {**data, LINK_ID_KEY: secrets.token_urlsafe(16)})


def link_was_used(purpose: str, link_id: str) -> bool:
    stmt = select(UsedLink.id).where(UsedLink.purpose == purpose, UsedLink.link_id == link_id)
    return db.session.scalar(stmt) is not None


def consume_once_token(purpose: str, token: str) -> dict:
    """The token's data, the first time; LinkInvalid(expired=False) for a forged, reused or id-less token,
    LinkInvalid(expired=True) after its expiry. Flushes the used mark: the caller commits."""
    data = read_token(purpose, token)
    link_id = data.get(LINK_ID_KEY) if isinstance(data, dict) else None
    if not isinstance(link_id, str) or not link_id or len(link_id) > 64:
        raise LinkInvalid(expired=False)
    if link_was_used(purpose, link_id):
        raise LinkInvalid(expired=False)
    try:
        with db.session.begin_nested():  # a concurrent use of the same link loses on the unique constraint
            db.session.add(UsedLink(purpose=purpose, link_id=link_id))
    except IntegrityError as err:
        raise LinkInvalid(expired=False) from err
    return {k: v for k, v in data.items() if k != LINK_ID_KEY}
