"""Which edits people's calendars must follow: the rules that raise a session's calendar SEQUENCE and tell the
people registered (the events themselves: calendar.py; docs/calendar.md). Flush only, like every service."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .. import outbox
from ..db import utcnow
from ..extensions import db
from .models import LearningOpportunity, Session


@dataclass(frozen=True)
class EventFacts:
    """What a session's calendar event shows."""

    starts_at: datetime
    ends_at: datetime
    venue: str | None
    virtual_url: str | None
    title: str
    summary: str
    count: int


def facts(opportunity: LearningOpportunity) -> dict[int, EventFacts]:
    """{session id: what its event shows}, taken before an edit to compare with after it."""
    count = len(opportunity.sessions)
    return {
        s.id: EventFacts(s.starts_at, s.ends_at, s.venue, s.virtual_url, opportunity.title, opportunity.summary, count)
        for s in opportunity.sessions
        if s.id is not None
    }


def mark_changed(sessions: Iterable[Session], now: datetime | None = None) -> None:
    """The sessions' events changed: a higher SEQUENCE, and LAST-MODIFIED now."""
    now = now or utcnow()
    for session in sessions:
        session.calendar_sequence = (session.calendar_sequence or 0) + 1
        session.calendar_changed_at = now


def after_edit(opportunity: LearningOpportunity, before: dict[int, EventFacts]) -> None:
    """After update_opportunity: raise the SEQUENCE of each session whose event changed; when a session's time
    changed in a published opportunity, everyone confirmed gets the update (METHOD:REQUEST) by e-mail."""
    now = utcnow()
    after = facts(opportunity)
    retimed = False
    for session in opportunity.sessions:
        old = before.get(session.id) if session.id is not None else None
        if old is None:
            session.calendar_changed_at = now  # a new session: its event starts now
            continue
        if old != after[session.id]:
            mark_changed([session], now)
        retimed |= (old.starts_at, old.ends_at) != (session.starts_at, session.ends_at)
    db.session.flush()
    if retimed and opportunity.status == "published":
        outbox.enqueue(db.session, "opportunity_rescheduled", opportunity_id=opportunity.id)
