"""Side effects that must happen only after a commit succeeds (e-mails, mostly).

Services call enqueue(kind, **payload) while they work; db.commit() delivers the queue once the
transaction is stored, so a rolled-back request never mails anybody. Features register a handler per kind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

_HANDLERS: dict[str, Callable[..., None]] = {}


def handler(kind: str):
    def decorator(func: Callable[..., None]):
        _HANDLERS[kind] = func
        return func

    return decorator


def enqueue(session, kind: str, **payload) -> None:
    session.info.setdefault("outbox", []).append((kind, payload))


def discard(session) -> None:
    session.info.pop("outbox", None)


def deliver(session) -> int:
    """Run the handlers of everything queued; a failing handler is logged, never raised. Returns how many ran."""
    items = session.info.pop("outbox", [])
    delivered = 0
    for kind, payload in items:
        func = _HANDLERS.get(kind)
        if func is None:
            log.warning("outbox: no handler for %s", kind)
            continue
        try:
            func(**payload)
            delivered += 1
        except Exception:
            log.exception("outbox: handler for %s failed", kind)
    return delivered
