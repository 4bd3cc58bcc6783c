"""Saving a response: one per invitation, replaced when sent again until the survey closes; an anonymous survey's
response is stored with no link to the invitation, which is only marked spent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..db import lock_row_for_update
from ..errors import Conflict
from ..extensions import db
from .answers import AnswerValue, check_answers
from .models import SurveyAnswer, SurveyInvitation, SurveyResponse
from .rounds import round_of_invitation


@dataclass(frozen=True)
class SubmitOutcome:
    created: bool  # False: an earlier response of this invitation was replaced


def ensure_open(invitation: SurveyInvitation, now: datetime) -> None:
    survey_round = round_of_invitation(invitation)
    if now >= survey_round.closes_at:
        raise Conflict(_("This survey has closed. Thank you for your interest."), code="survey_closed")
    if now < survey_round.opens_at:
        raise Conflict(_("This survey opens when the session starts."), code="survey_not_open")


def own_response(invitation: SurveyInvitation) -> SurveyResponse | None:
    if invitation.survey.anonymous:
        return None
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.invitation_id == invitation.id))


def submit_response(invitation: SurveyInvitation, raw: Mapping[str, object], now: datetime) -> SubmitOutcome:
    """Check everything first (nothing is stored on any error), then take the invitation's row lock so that two
    submissions of one invitation take turns: the second replaces the first, or (anonymous) is refused."""
    ensure_open(invitation, now)
    values = check_answers(invitation.survey.questions, raw)
    lock_row_for_update(db.session, "survey_invitations", invitation.id)
    db.session.refresh(invitation)
    if invitation.survey.anonymous:
        if invitation.spent:
            raise Conflict(
                _("You have answered this anonymous survey already; anonymous answers cannot be changed."),
                code="already_answered",
            )
        invitation.spent = True
        _store(SurveyResponse(survey_id=invitation.survey_id, session_id=invitation.session_id), values)
        return SubmitOutcome(created=True)
    invitation.spent = True
    response = own_response(invitation)
    if response is None:
        response = SurveyResponse(
            survey_id=invitation.survey_id,
            session_id=invitation.session_id,
            invitation_id=invitation.id,
            submitted_at=now,
            updated_at=now,
        )
        _store(response, values)
        return SubmitOutcome(created=True)
    db.session.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
    db.session.expire(response, ["answers"])
    response.updated_at = now
    _store(response, values)
    return SubmitOutcome(created=False)


def _store(response: SurveyResponse, values: list[AnswerValue]) -> None:
    if response.id is None:
        db.session.add(response)
        db.session.flush()
    for value in values:
        db.session.add(
            SurveyAnswer(response_id=response.id, question_key=value.question_key, number=value.number, text=value.text)
        )
    db.session.flush()
