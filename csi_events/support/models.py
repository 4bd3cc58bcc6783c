"""Support activities: consultations and visits with grantee LEAs and schools."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..directory.models import Lea, School
from ..extensions import Model
from ..people.models import Person

SUPPORT_KINDS = ("consultation_visit", "coaching", "planning_meeting", "document_review", "other")
SUPPORT_MODALITIES = ("on_site", "virtual", "phone")

support_activity_schools = Table(
    "support_activity_schools",
    Model.metadata,
    Column("activity_id", ForeignKey("support_activities.id", ondelete="CASCADE"), primary_key=True),
    Column("school_id", ForeignKey("schools.id"), primary_key=True),
)
support_activity_staff = Table(
    "support_activity_staff",
    Model.metadata,
    Column("activity_id", ForeignKey("support_activities.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)
support_activity_contacts = Table(
    "support_activity_contacts",
    Model.metadata,
    Column("activity_id", ForeignKey("support_activities.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id"), primary_key=True),
)


class SupportActivity(Model):
    __tablename__ = "support_activities"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    lea_id: Mapped[int] = mapped_column(ForeignKey("leas.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    modality: Mapped[str] = mapped_column(String(20))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    topics: Mapped[str] = mapped_column(String(300), default="")  # space-separated pillar/tag list
    notes: Mapped[str] = mapped_column(Text, default="")
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lea: Mapped[Lea] = relationship()
    schools: Mapped[list[School]] = relationship(secondary=support_activity_schools)
    staff: Mapped[list[User]] = relationship(secondary=support_activity_staff)
    contacts: Mapped[list[Person]] = relationship(secondary=support_activity_contacts)
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
