"""Issued certificates of attendance: one row per person and opportunity, verifiable by its number."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import Model
from ..opportunities.models import LearningOpportunity
from ..people.models import Person


class Certificate(Model):
    """A certificate as issued at its first download: its public number and the figures printed on it.

    `person_name` and `opportunity_title` are kept as printed, so the verification page shows what the paper
    shows; an erasure blanks `person_name` (None). A download after the attendance changed updates the figures
    and `reissued_at`, keeping the number."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("person_id", "opportunity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    person_name: Mapped[str | None] = mapped_column(String(300))
    opportunity_title: Mapped[str] = mapped_column(String(300))
    pd_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    sessions_attended: Mapped[int] = mapped_column(Integer)
    sessions_total: Mapped[int] = mapped_column(Integer)
    first_session_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_session_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reissued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()
    opportunity: Mapped[LearningOpportunity] = relationship()
    revoked_by: Mapped[User | None] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def erased(self) -> bool:
        return self.person_name is None
