"""Attendance: a Person present at a Session, and the answers given to each scan nonce."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..opportunities.models import Session
from ..people.models import Person
from ..registrations.models import Registration

CHECKIN_METHODS = ("qr", "search", "walk_in", "self", "import", "offline", "paper", "kiosk")


class CheckIn(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy makes db.Model at run time
    """Unique per (session, person). Undo is soft: undone_at/undone_by; a new check-in revives the row."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id"),
        # Reports: the attendances of a session (not undone) without visiting the table rows.
        Index(
            "ix_checkins_active_session_person",
            "session_id",
            "person_id",
            sqlite_where=text("undone_at IS NULL"),
            postgresql_where=text("undone_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(20), default="qr")
    override: Mapped[bool] = mapped_column(Boolean, default=False)
    minutes_present: Mapped[int | None] = mapped_column(Integer)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    session: Mapped[Session] = relationship()
    person: Mapped[Person] = relationship()
    registration: Mapped[Registration | None] = relationship()
    by: Mapped[User | None] = relationship(foreign_keys=[by_user_id])


class ScanAnswer(db.Model):  # type: ignore[name-defined]
    """The first answer given to a client nonce: a replay returns it unchanged."""

    __tablename__ = "scan_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    answer: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
