"""Surveys: the question bank (the center's standard questions are the bank's `standard` rows), one survey per
opportunity with its own copy of the questions, invitations (one per survey, round and person) and responses.

An anonymous survey's response has no column that leads to a person: no invitation id, no timestamp; the
invitation only carries `spent`, so a person answers once (docs/security.md, "Surveys").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import Model
from ..opportunities.models import LearningOpportunity, Session
from ..people.models import Person

QUESTION_KINDS = ("scale", "single", "multiple", "short_text", "long_text")
CHOICE_KINDS = ("single", "multiple")
TEXT_KINDS = ("short_text", "long_text")
TIMINGS = ("each_session", "series_end")
SCALE = (1, 2, 3, 4, 5)
DEFAULT_CLOSE_DAYS = 14
SERIES_ROUND = 0  # round_key of a survey sent once after the last session


class BankQuestion(Model):
    """A question staff may add to any survey; `standard` ones are in every new survey."""

    __tablename__ = "survey_bank_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    standard: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text_en: Mapped[str] = mapped_column(String(300))
    text_es: Mapped[str] = mapped_column(String(300))
    # [{"value": "...", "en": "...", "es": "..."}] for single and multiple choice; [] otherwise
    choices: Mapped[list] = mapped_column(JSON, default=list)


class Survey(Model):
    __tablename__ = "surveys"
    __table_args__ = (CheckConstraint("close_after_days BETWEEN 1 AND 90", name="close_days_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), unique=True)
    timing: Mapped[str] = mapped_column(String(20), default="each_session")
    close_after_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_CLOSE_DAYS)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    opportunity: Mapped[LearningOpportunity] = relationship()
    questions: Mapped[list[SurveyQuestion]] = relationship(
        order_by="SurveyQuestion.position", cascade="all, delete-orphan", back_populates="survey"
    )


class SurveyQuestion(Model):
    """A survey's own copy of a bank question (editing the bank later leaves sent surveys unchanged)."""

    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text_en: Mapped[str] = mapped_column(String(300))
    text_es: Mapped[str] = mapped_column(String(300))
    choices: Mapped[list] = mapped_column(JSON, default=list)

    survey: Mapped[Survey] = relationship(back_populates="questions")


class SurveyInvitation(Model):
    """One per (survey, round, person): round_key is the session's id (after each session) or 0 (once after the
    series). The unique constraint is what keeps two overlapping `surveys send` runs from inviting twice."""

    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("survey_id", "round_key", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    round_key: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    spent: Mapped[bool] = mapped_column(Boolean, default=False)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by lock_row_for_update(): two submissions of one invitation take turns.
    lock_version: Mapped[int] = mapped_column(Integer, default=0)

    survey: Mapped[Survey] = relationship()
    session: Mapped[Session] = relationship()
    person: Mapped[Person] = relationship()


class SurveyResponse(Model):
    """Answers of one person to one round. invitation_id and the times stay empty when the survey is anonymous."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), unique=True
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    answers: Mapped[list[SurveyAnswer]] = relationship(cascade="all, delete-orphan", order_by="SurveyAnswer.id")


class SurveyAnswer(Model):
    """One value: a scale point in `number`, a choice or a text in `text`; a multiple choice has a row per pick."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(String(40))
    number: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
