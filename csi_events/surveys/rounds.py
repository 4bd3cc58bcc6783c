"""A survey round: the session a survey follows (each session, or the last of a series), and when it is open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..opportunities.models import Session
from .models import SERIES_ROUND, Survey


@dataclass(frozen=True)
class Round:
    survey: Survey
    session: Session
    key: int  # the session's id, or SERIES_ROUND

    @property
    def opens_at(self) -> datetime:
        """From the start of the session (people may answer on the spot at its end)."""
        return self.session.starts_at

    @property
    def closes_at(self) -> datetime:
        return self.session.ends_at + timedelta(days=self.survey.close_after_days)

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    @property
    def is_series(self) -> bool:
        return self.key == SERIES_ROUND


def last_session(survey: Survey) -> Session | None:
    sessions = survey.opportunity.sessions
    return max(sessions, key=lambda s: s.starts_at) if sessions else None


def round_for_session(survey: Survey, session: Session) -> Round | None:
    """The round a session belongs to: its own, or the series' when it is the last session; else None."""
    if survey.timing == "each_session":
        return Round(survey, session, session.id)
    last = last_session(survey)
    if last is not None and last.id == session.id:
        return Round(survey, session, SERIES_ROUND)
    return None


def round_of_invitation(invitation) -> Round:
    return Round(invitation.survey, invitation.session, invitation.round_key)
