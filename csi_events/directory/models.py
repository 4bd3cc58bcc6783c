"""LEAs (7-digit CD code) and schools (14-digit CDS code)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import Model

LEA_KINDS = ("district", "charter", "county_office")
CCSPP_STATUSES = ("none", "planning", "implementation")


class Lea(Model):
    __tablename__ = "leas"
    __table_args__ = (CheckConstraint("subregion IS NULL OR (subregion BETWEEN 1 AND 8)", name="subregion_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cd_code: Mapped[str] = mapped_column(String(7), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # Short names people type ("LAUSD, LA Unified"), comma-separated; the type-ahead and sign-up find them.
    aliases: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20), default="district")
    county: Mapped[str] = mapped_column(String(60), default="Los Angeles")
    subregion: Mapped[int | None] = mapped_column(Integer)
    ccspp_status: Mapped[str] = mapped_column(String(20), default="none")
    ccspp_cohort: Mapped[str | None] = mapped_column(String(40))
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    schools: Mapped[list[School]] = relationship(back_populates="lea", order_by="School.name")


class School(Model):
    __tablename__ = "schools"
    __table_args__ = (CheckConstraint("subregion IS NULL OR (subregion BETWEEN 1 AND 8)", name="subregion_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cds_code: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    lea_id: Mapped[int] = mapped_column(ForeignKey("leas.id"), index=True)
    subregion: Mapped[int | None] = mapped_column(Integer)
    ccspp_status: Mapped[str] = mapped_column(String(20), default="none")
    city: Mapped[str | None] = mapped_column(String(100))
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lea: Mapped[Lea] = relationship(back_populates="schools")
