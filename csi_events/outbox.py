"""Side effects that must happen only after a commit succeeds (e-mails, mostly): a transactional outbox.

Services call enqueue(kind, **payload) while they work: that adds an OutboxMessage row to the same
transaction, so a rolled-back request never mails anybody and a committed one never forgets to.
db.commit() then hands the new rows to deliver(), as OUTBOX_MODE says: "thread" (the default outside
tests) sends them from a background thread of the web process, so a slow SMTP server never slows a
sign-up or a scan; "worker" leaves them to a separate process, `flask --app app notify outbox --loop`,
so that building e-mails never competes with requests for the web workers' CPU; "inline" sends before
the request ends (tests). Anything a crash left unsent is sent by `flask --app app notify outbox`
(safe from cron). Features register a handler per kind with @handler(kind).

Delivery is at-least-once: a sender that dies after the SMTP server took a message but before it marked the row
sent leaves a claim that another sender takes again after OUTBOX_CLAIM_TIMEOUT seconds (default 600), and the
message leaves twice. Each e-mail a handler sends carries a Message-ID made from its row's id and its place
among the row's e-mails (outbox_message_id), so the second copy has the same Message-ID as the first: mail
clients and the kill test (bench/failover.py) recognise it as the same message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import cast

from flask import Flask, current_app
from sqlalchemy import JSON, CursorResult, Integer, String, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .db import UTCDateTime, utcnow
from .extensions import Model, db
from .observability.metrics import OUTBOX_SEND_FAILURES

log = logging.getLogger(__name__)

_HANDLERS: dict[str, Callable[..., None]] = {}
CLAIM_TIMEOUT = timedelta(minutes=10)  # a claim older than this (a crashed sender) may be taken again
# The outbox row being sent, and how many e-mails its handler has sent so far (outbox_message_id numbers them).
_sending: ContextVar[tuple[int, list[int]] | None] = ContextVar("outbox_sending", default=None)
MAX_ATTEMPTS = 5

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_futures: list[Future] = []


class OutboxMessage(Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


def handler(kind: str):
    def decorator(func: Callable[..., None]):
        _HANDLERS[kind] = func
        return func

    return decorator


def enqueue(session, kind: str, **payload) -> None:
    message = OutboxMessage(kind=kind, payload=payload)
    session.add(message)
    session.info.setdefault("outbox", []).append(message)


def discard(session) -> None:
    """Drop what this transaction queued (the demo loader: demo people are never mailed)."""
    for message in session.info.pop("outbox", []):
        if message in session.new:
            session.expunge(message)
        elif message in session:
            session.delete(message)


def take_ids(session) -> list[int]:
    """Ids of the messages queued in this transaction; call after a flush, before the commit."""
    return [message.id for message in session.info.pop("outbox", [])]


def deliver(ids: list[int]) -> None:
    if not ids:
        return
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # the app itself, for the thread
    mode = app.config.get("OUTBOX_MODE") or ("inline" if app.testing else "thread")
    if mode == "worker":
        return  # a `notify outbox --loop` process sends them
    if mode == "inline":
        send_messages(ids)
        return
    future = _pool().submit(_send_in_app, app, ids)
    _futures.append(future)
    _futures[:] = [f for f in _futures if not f.done()]


def wait_idle(timeout: float = 30) -> None:
    """Block until the background sender has nothing in hand (tests and CLI shutdown)."""
    for future in list(_futures):
        future.result(timeout=timeout)


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="outbox")
        return _executor


def _send_in_app(app, ids: list[int]) -> None:
    with app.app_context():
        try:
            send_messages(ids)
        finally:
            db.session.remove()


def claim_timeout() -> timedelta:
    """How old a claim must be before another sender may take it (OUTBOX_CLAIM_TIMEOUT seconds)."""
    seconds = current_app.config.get("OUTBOX_CLAIM_TIMEOUT")
    return CLAIM_TIMEOUT if seconds is None else timedelta(seconds=float(seconds))


def outbox_message_id(domain: str) -> str | None:
    """The Message-ID of the next e-mail of the outbox row being sent: the same on every attempt, so a message
    sent again after a crash is recognisably the same one. None outside an outbox send."""
    sending = _sending.get()
    if sending is None:
        return None
    row_id, counter = sending
    counter[0] += 1
    return f"<outbox-{row_id}.{counter[0]}@{domain}>"


def _claim(message_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - claim_timeout()),
        )
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
    )
    db.session.commit()
    return cast(CursorResult, result).rowcount == 1


def send_messages(ids: list[int]) -> int:
    """Run the handler of each message this process can claim; a failing handler is logged and the
    message left for a later retry, never raised. Returns how many were sent."""
    sent = 0
    for message_id in ids:
        now = utcnow()
        if not _claim(message_id, now):
            continue  # sent already, or another sender has it
        message = db.session.get_one(OutboxMessage, message_id)  # claimed just now: it exists
        func = _HANDLERS.get(message.kind)
        token = _sending.set((message_id, [0]))
        try:
            if func is None:
                raise LookupError(f"no handler for {message.kind}")
            func(**message.payload)
        except Exception as err:
            _sending.reset(token)
            db.session.rollback()
            log.exception("outbox: handler for %s failed (message %s; left for a retry)", message.kind, message_id)
            OUTBOX_SEND_FAILURES.labels(kind=message.kind).inc()
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(claimed_at=None, last_error=f"{type(err).__name__}: {err}"[:500])
            )
            db.session.commit()
            continue
        _sending.reset(token)
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(sent_at=utcnow()))
        db.session.commit()
        sent += 1
    return sent


def pending_ids(older_than: timedelta = timedelta(0)) -> list[int]:
    """Unsent messages a retry may take: not sent, under MAX_ATTEMPTS, created before now - older_than."""
    cutoff = utcnow() - older_than
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.attempts < MAX_ATTEMPTS,
                OutboxMessage.created_at <= cutoff,
            )
            .order_by(OutboxMessage.id)
        )
    )
