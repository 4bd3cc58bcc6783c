"""The audit trail page: who did what to which record, when; filtered and paginated."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import func, select

from ..auth.access import staff_required
from ..auth.models import User
from ..extensions import db
from ..localtime import local_to_utc, parse_local_date
from ..paging import page_number
from .models import AuditEvent

bp = Blueprint("audit", __name__)

PER_PAGE = 50


def _local_day_start(value: str | None) -> datetime | None:
    """'2025-03-04' as the start of that day in the display timezone, in UTC; None when empty or malformed."""
    try:
        day = parse_local_date(value or "")
    except ValueError:
        return None
    return local_to_utc(day)


@bp.get("/staff/audit")
@staff_required
def events():
    action = (request.args.get("action") or "").strip()[:60]
    actor = (request.args.get("actor") or "").strip()[:254]
    date_from = request.args.get("from") or ""
    date_to = request.args.get("to") or ""
    page = page_number()

    stmt = select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_user_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if actor:
        if actor.isdigit():
            stmt = stmt.where(AuditEvent.actor_user_id == int(actor))
        else:
            stmt = stmt.where(User.email == actor.lower())
    start = _local_day_start(date_from)
    if start is not None:
        stmt = stmt.where(AuditEvent.at >= start)
    end = _local_day_start(date_to)
    if end is not None:
        stmt = stmt.where(AuditEvent.at < end + timedelta(days=1))

    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(
        stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    pages = max(1, -(-int(total) // PER_PAGE))
    filters = {"action": action, "actor": actor, "from": date_from, "to": date_to}

    def page_url(number: int) -> str:
        args: dict[str, Any] = {k: v for k, v in filters.items() if v}
        return url_for("audit.events", page=number, **args)

    return render_template(
        "audit/events.html",
        rows=rows,
        actions=actions,
        filters=filters,
        page=page,
        pages=pages,
        total=total,
        page_url=page_url,
    )
