"""Kiosk links (a device's access to one session's self check-in) and group messages with their recipients."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import Model
from ..opportunities.models import LearningOpportunity, Session

MESSAGE_AUDIENCES = ("confirmed", "waitlisted", "attended", "no_shows")


class KioskLink(Model):
    """A device link scoped to one session: its secret is shown once, only its SHA-256 is kept."""

    __tablename__ = "kiosk_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    session: Mapped[Session] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class GroupMessage(Model):
    """One e-mail to a group of an opportunity (or one session of it). The form's idempotency key is unique:
    a second submit of the same form finds this row and sends nothing."""

    __tablename__ = "group_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    audience: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # {"es": {"subject": ..., "body": ...}}: the text sent to people whose language is that one.
    translations: Mapped[dict] = mapped_column(JSON, default=dict)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)

    opportunity: Mapped[LearningOpportunity] = relationship()
    sender: Mapped[User | None] = relationship()


class GroupMessageRecipient(Model):
    """One person of a group message: unique per (message, person), so nobody gets one message twice."""

    __tablename__ = "group_message_recipients"
    __table_args__ = (UniqueConstraint("message_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("group_messages.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
