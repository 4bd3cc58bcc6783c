"""Record an audit event (flush only; the caller commits)."""

from __future__ import annotations

from flask import has_request_context, request

from ..extensions import db
from .models import AuditEvent


def record(action: str, *, actor=None, target=None, target_type: str | None = None, target_id=None, **details):
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target.id
    event = AuditEvent(
        action=action,
        actor_user_id=getattr(actor, "id", None),
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
