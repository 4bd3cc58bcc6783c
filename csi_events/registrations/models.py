"""A Person's place in an opportunity (all its sessions)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import Model
from ..opportunities.models import LearningOpportunity
from ..people.models import Person

REGISTRATION_STATUSES = ("confirmed", "waitlisted", "cancelled")
REGISTRATION_SOURCES = ("online", "walk_in", "staff", "import")


def new_ticket() -> str:
    """192 random bits, URL-safe; never a row id, never derived from personal data."""
    return secrets.token_urlsafe(24)


class Registration(Model):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "person_id"),
        # Seats taken (every sign-up, under the lock) and the confirmed count in every check-in answer.
        Index("ix_registrations_opportunity_status", "opportunity_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="online")
    ticket: Mapped[str] = mapped_column(String(64), unique=True, default=new_ticket)
    needs: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Added to the sessions' SEQUENCE in this person's calendar e-mails: raised when they cancel or register
    # again, so that each calendar update outranks the one before (opportunities/calendar.py).
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    opportunity: Mapped[LearningOpportunity] = relationship()
    person: Mapped[Person] = relationship()
