"""Learning opportunities, their topics, facilitators and dated sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import Model

OPPORTUNITY_KINDS = (
    "workshop",
    "webinar",
    "community_of_practice",
    "convening",
    "training_series",
    "office_hours",
)
MODALITIES = ("in_person", "virtual", "hybrid")
STATUSES = ("draft", "published", "cancelled", "archived")
PILLARS = (
    "integrated_student_supports",
    "family_community_engagement",
    "collaborative_leadership",
    "extended_learning",
)
DEFAULT_CHECKIN_LEAD = timedelta(minutes=60)

opportunity_facilitators = Table(
    "opportunity_facilitators",
    Model.metadata,
    Column("opportunity_id", ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class LearningOpportunity(Model):
    __tablename__ = "opportunities"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("subregion IS NULL OR (subregion BETWEEN 1 AND 8)", name="subregion_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(30), index=True)
    modality: Mapped[str] = mapped_column(String(20), index=True)
    subregion: Mapped[int | None] = mapped_column(Integer, index=True)  # None = countywide
    audience: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)  # None = unlimited
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pd_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # Bumped by lock_row_for_update(): the row every seat decision of this opportunity serializes on.
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sessions: Mapped[list[Session]] = relationship(
        back_populates="opportunity", order_by="Session.starts_at", cascade="all, delete-orphan"
    )
    topic_rows: Mapped[list[OpportunityTopic]] = relationship(
        cascade="all, delete-orphan", order_by="OpportunityTopic.topic"
    )
    facilitators: Mapped[list[User]] = relationship(secondary=opportunity_facilitators)

    @property
    def topics(self) -> list[str]:
        return [row.topic for row in self.topic_rows]


class OpportunityTopic(Model):
    __tablename__ = "opportunity_topics"

    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class Session(Model):
    """One dated meeting of an opportunity."""

    __tablename__ = "sessions"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str | None] = mapped_column(String(300))
    virtual_url: Mapped[str | None] = mapped_column(String(500))
    checkin_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: 60 min before start
    checkin_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: the end
    # Zoom import: share of the session a person must be present to count (percent).
    attendance_threshold_pct: Mapped[int] = mapped_column(Integer, default=50)
    self_checkin_code: Mapped[str | None] = mapped_column(String(12))
    # The calendar event of this session (opportunities/calendar.py): SEQUENCE, raised with each change people's
    # calendars must follow (its time, place, title, a cancellation), and when that was (LAST-MODIFIED, DTSTAMP).
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    calendar_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    opportunity: Mapped[LearningOpportunity] = relationship(back_populates="sessions")

    @property
    def checkin_window(self) -> tuple[datetime, datetime]:
        opens = self.checkin_opens_at or (self.starts_at - DEFAULT_CHECKIN_LEAD)
        closes = self.checkin_closes_at or self.ends_at
        return opens, closes

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600
