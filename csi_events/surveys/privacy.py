"""A person's survey data on request (their named responses, for the privacy export) and at erasure.

Erasure keeps what the figures rest on and removes what could identify:
- a named response loses its link to the person (its invitation) and its times, so it becomes like an anonymous
  one; its scale and choice answers stay, so means, counts and answer counts of every survey stay the same;
- its free-text answers are blanked (the text set to empty, the row kept): a comment can name or describe the
  person, but the row still counts as an answer to that question, so "answers" figures do not change;
- the person's invitations stay as spent rows of an erased person (so "invited" and the response rate stay right)
  and their links open nothing any more (tokens.invitation_from_token refuses them).
Anonymous responses cannot be found for a person, by design (models.py), so they are neither exported nor erased.
Services only flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from .models import TEXT_KINDS, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def anonymous_note() -> str:
    return _(
        "Answers to anonymous surveys are stored with no link to the person who gave them, so they cannot be "
        "found for this export."
    )


def named_responses(person_ids: Sequence[int]) -> list[dict]:
    """The person's responses to named (not anonymous) surveys, oldest first, with every answer."""
    stmt = (
        select(SurveyResponse, SurveyInvitation)
        .join(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
        .where(SurveyInvitation.person_id.in_(person_ids))
        .options(
            joinedload(SurveyInvitation.survey).joinedload(Survey.opportunity),
            joinedload(SurveyInvitation.session),
        )
        .order_by(SurveyResponse.submitted_at, SurveyResponse.id)
    )
    return [_response_data(response, invitation) for response, invitation in db.session.execute(stmt).unique()]


def _response_data(response: SurveyResponse, invitation: SurveyInvitation) -> dict:
    questions = {q.key: q for q in invitation.survey.questions}
    return {
        "survey": {
            "id": invitation.survey_id,
            "opportunity": {"id": invitation.survey.opportunity_id, "title": invitation.survey.opportunity.title},
        },
        "session": {"id": invitation.session_id, "starts_at": _iso(invitation.session.starts_at)},
        "submitted_at": _iso(response.submitted_at),
        "updated_at": _iso(response.updated_at),
        "answers": [_answer_data(answer, questions.get(answer.question_key)) for answer in response.answers],
    }


def _answer_data(answer: SurveyAnswer, question: SurveyQuestion | None) -> dict:
    return {
        "question_key": answer.question_key,
        "question": question.text_en if question else answer.question_key,
        "value": answer.number if answer.number is not None else answer.text,
    }


def erase_survey_data(person_ids: Sequence[int]) -> None:
    """Unlink the person's named responses, blank their free text, and spend their invitations."""
    invitations = select(SurveyInvitation.id).where(SurveyInvitation.person_id.in_(person_ids))
    response_ids = list(
        db.session.scalars(select(SurveyResponse.id).where(SurveyResponse.invitation_id.in_(invitations)))
    )
    if response_ids:
        texts = (
            select(SurveyAnswer.id)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .join(
                SurveyQuestion,
                (SurveyQuestion.survey_id == SurveyResponse.survey_id)
                & (SurveyQuestion.key == SurveyAnswer.question_key),
            )
            .where(SurveyResponse.id.in_(response_ids), SurveyQuestion.kind.in_(TEXT_KINDS))
        )
        db.session.execute(
            update(SurveyAnswer)
            .where(SurveyAnswer.id.in_(list(db.session.scalars(texts))))
            .values(text=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(SurveyResponse)
            .where(SurveyResponse.id.in_(response_ids))
            .values(invitation_id=None, submitted_at=None, updated_at=None)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.person_id.in_(person_ids))
        .values(spent=True)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
