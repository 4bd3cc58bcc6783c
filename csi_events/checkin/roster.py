"""The roster of a session (search by name or e-mail) and the sessions a user may check people in for."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, selectinload

from ..auth.access import managed_by
from ..auth.models import User
from ..db import utcnow
from ..directory.models import Lea, School
from ..extensions import db
from ..opportunities.models import LearningOpportunity, Session
from ..people.models import Person
from ..registrations.models import Registration
from .models import CheckIn


def roster_rows(session: Session, q: str | None = None, limit: int | None = None) -> list[dict]:
    """Every registration of the session's opportunity (any status), with its check-in for this session;
    one query. `q` filters by name or e-mail (case-insensitive, each word must match)."""
    checkin = aliased(CheckIn)
    stmt = (
        select(
            Registration.id,
            Registration.ticket,
            Registration.status,
            Registration.source,
            Registration.needs,
            Person.first_name,
            Person.last_name,
            Person.email,
            Lea.name,
            School.name,
            checkin.id,
            checkin.checked_in_at,
            checkin.method,
        )
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(Lea, Lea.id == Person.lea_id)
        .outerjoin(School, School.id == Person.school_id)
        .outerjoin(
            checkin,
            (checkin.session_id == session.id)
            & (checkin.person_id == Registration.person_id)
            & checkin.undone_at.is_(None),
        )
        .where(Registration.opportunity_id == session.opportunity_id)
        .order_by(func.lower(Person.last_name), func.lower(Person.first_name), Registration.id)
    )
    for word in (q or "").split()[:5]:
        pattern = f"%{word.lower().replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(
                func.lower(Person.first_name).like(pattern),
                func.lower(Person.last_name).like(pattern),
                Person.email.like(pattern),
            )
        )
    if limit:
        stmt = stmt.limit(limit)
    return [
        {
            "registration_id": r[0],
            "ticket": r[1],
            "status": r[2],
            "source": r[3],
            "needs": r[4],
            "name": f"{r[5]} {r[6]}".strip(),
            "email": r[7],
            "lea": r[8],
            "school": r[9],
            "checkin_id": r[10],
            "checked_in_at": r[11].isoformat() if r[11] else None,
            "method": r[12],
        }
        for r in db.session.execute(stmt)
    ]


def search_roster(session: Session, q: str, limit: int = 25) -> list[dict]:
    """People of the session's roster whose name or e-mail matches `q`."""
    if not (q or "").strip():
        return []
    return roster_rows(session, q=q, limit=limit)


def sessions_for_user(user: User, now: datetime | None = None, limit: int = 100) -> list[Session]:
    """Today's and upcoming sessions this user may check in for (staff: all; facilitator: their own)."""
    now = now or utcnow()
    local = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "America/Los_Angeles"))
    start_of_day = now.astimezone(local).replace(hour=0, minute=0, second=0, microsecond=0)
    stmt = (
        select(Session)
        .join(LearningOpportunity, LearningOpportunity.id == Session.opportunity_id)
        .where(
            Session.ends_at >= start_of_day,
            LearningOpportunity.status.in_(("published", "archived")),
            managed_by(user, Session.opportunity_id),  # the rule of who may check in (auth/access.py)
        )
        .options(selectinload(Session.opportunity))
        .order_by(Session.starts_at, Session.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
