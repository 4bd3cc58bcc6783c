"""A Person is one human; the normalized e-mail is the identity key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..directory.models import Lea, School
from ..extensions import Model
from .addresses import ascii_domain

PERSON_ROLES = (
    "teacher",
    "administrator",
    "community_school_coordinator",
    "classified_staff",
    "student_support_staff",
    "family_member",
    "community_partner",
    "lea_county_staff",
    "other",
)


def normalize_email(value: str) -> str:
    """Trimmed, lower-case, the domain in its ASCII (IDNA) form: the one spelling stored, looked up and mailed."""
    text = (value or "").strip().lower()
    local, at, domain = text.rpartition("@")
    return f"{local}@{ascii_domain(domain)}" if at else text


class Person(Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Nullable only once identity has been erased on request (privacy); unique otherwise.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(40), default="other")
    lea_id: Mapped[int | None] = mapped_column(ForeignKey("leas.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    organization: Mapped[str | None] = mapped_column(String(200))
    preferred_language: Mapped[str] = mapped_column(String(10), default="en")
    needs: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lea: Mapped[Lea | None] = relationship()
    school: Mapped[School | None] = relationship()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
