"""Scan nonces: a device sends a new nonce with every scan and the same nonce when it sends that scan again (a retry,
an offline queue flushed twice). The first answer is kept under the nonce; a replay returns it unchanged, for the
same session only.

The nonce is claimed before anything else is written: its unique index makes a second request with the same nonce
wait until the first one's transaction ends, and then find its answer (PostgreSQL and SQLite alike)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, select, text

from ..db import UTCDateTime
from ..errors import Conflict
from ..extensions import db
from .answers import Answer
from .models import ScanAnswer

_ANSWERS = ScanAnswer.__table__
_PENDING = {"status": "pending"}  # stored while the scan runs, replaced by its answer in the same transaction

_CLAIM = (
    text(
        "INSERT INTO scan_answers (nonce, session_id, answer, created_at) "
        "VALUES (:nonce, :session_id, :answer, :created_at) ON CONFLICT (nonce) DO NOTHING RETURNING id"
    )
    .bindparams(bindparam("answer", type_=ScanAnswer.answer.type), bindparam("created_at", type_=UTCDateTime()))
    .columns(id=Integer)
)


def claim(nonce: str, session_id: int, now: datetime) -> bool:
    """Take the nonce for this scan; False when another scan (committed, or earlier in this transaction) has it."""
    params = {"nonce": nonce, "session_id": session_id, "answer": _PENDING, "created_at": now}
    return db.session.execute(_CLAIM, params).first() is not None


_KEEP = _ANSWERS.update().where(_ANSWERS.c.nonce == bindparam("key")).values(answer=bindparam("answer"))
_FIRST_ANSWER = select(_ANSWERS.c.session_id, _ANSWERS.c.answer).where(_ANSWERS.c.nonce == bindparam("nonce"))


def keep(nonce: str, answer: Answer) -> None:
    """Store the answer of the scan that claimed the nonce."""
    db.session.execute(_KEEP, {"key": nonce, "answer": answer.to_json()})


def first_answer(nonce: str, session_id: int) -> Answer:
    """The answer kept for a nonce already used. Only for the session it was used on: anything else is a Conflict
    (409) that tells nothing about that first scan."""
    stored = db.session.execute(_FIRST_ANSWER, {"nonce": nonce}).first()
    if stored is None or stored.session_id != session_id or stored.answer.get("status") == _PENDING["status"]:
        raise Conflict(_("This scan's nonce was already used for another scan: send a new one."), code="nonce_reused")
    return Answer.from_json(stored.answer)
