"""API routes for feedback surveys (docs/security.md, "Surveys").

- GET  /api/v1/opportunities/{id}/survey (public): the questions of a published opportunity's survey
- GET  /api/v1/opportunities/{id}/survey/results?session= (scope read): invited, responses, rate, per question
- POST /api/v1/surveys/responses {"token", "answers"} (public; the e-mailed link's token is the capability):
  201 stored, 200 replaced an earlier response (until the survey closes), 409 closed or anonymous and answered,
  422 bad answers or an invalid token; nothing is stored on any error
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from ..db import commit, utcnow
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..localtime import to_local
from ..opportunities.models import LearningOpportunity
from ..surveys.questions import bank_questions, ensure_survey, survey_of
from ..surveys.results import choice_label, question_text, survey_results
from ..surveys.rounds import round_of_invitation
from ..surveys.submit import submit_response
from ..surveys.tokens import invitation_from_token
from .spec import route

TAGS = ["surveys"]


class ChoiceOut(BaseModel):
    value: str
    text: str


class QuestionOut(BaseModel):
    key: str
    kind: str = Field(description="scale (1 to 5 agreement), single, multiple, short_text or long_text")
    text: str
    required: bool
    choices: list[ChoiceOut]


class SurveyOut(BaseModel):
    opportunity_id: int
    timing: str = Field(description="each_session or series_end")
    close_after_days: int
    anonymous: bool
    questions: list[QuestionOut]


class ResultsQuery(BaseModel):
    session: int | None = Field(None, ge=1, description="Only the responses about this session.")


class QuestionResultOut(BaseModel):
    key: str
    kind: str
    text: str
    mean: float | None
    counts: dict[str, int] | None
    answers: int


class ResultsOut(BaseModel):
    invited: int
    responses: int
    response_rate: float | None
    questions: list[QuestionResultOut]


class ResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=500, description="The token of the e-mailed survey link.")
    answers: dict[str, Any] = Field(
        max_length=100, description="By question key: 1-5, a choice value, a list of choice values, or text."
    )


class ResponseOut(BaseModel):
    status: str = Field(description="created or replaced")
    opportunity_id: int
    closes_at: str


def _lang() -> str:
    return str(get_locale() or "en")


def _published(opportunity_id: int) -> LearningOpportunity:
    opportunity = db.session.get(LearningOpportunity, opportunity_id)
    if opportunity is None or opportunity.status != "published":
        raise NotFound(_("No published learning opportunity has this id."))
    return opportunity


def _question_out(q, lang: str) -> dict:
    return {
        "key": q.key,
        "kind": q.kind,
        "text": question_text(q, lang),
        "required": q.required,
        "choices": [{"value": c["value"], "text": choice_label(q, c["value"], lang)} for c in q.choices or []],
    }


@route(
    "/opportunities/<int:opportunity_id>/survey",
    "GET",
    response=SurveyOut,
    summary="The feedback survey's questions (the standard ones until staff change it).",
    tags=TAGS,
)
def survey_questions(caller, opportunity_id: int):
    opportunity = _published(opportunity_id)
    survey = survey_of(opportunity.id)
    questions = survey.questions if survey else [q for q in bank_questions() if q.standard]
    return {
        "opportunity_id": opportunity.id,
        "timing": survey.timing if survey else "each_session",
        "close_after_days": survey.close_after_days if survey else 14,
        "anonymous": survey.anonymous if survey else False,
        "questions": [_question_out(q, _lang()) for q in questions],
    }


@route(
    "/opportunities/<int:opportunity_id>/survey/results",
    "GET",
    scope="read",
    query=ResultsQuery,
    response=ResultsOut,
    summary="Invited, responses, response rate, and per question the mean and counts.",
    tags=TAGS,
)
def survey_results_api(caller, query: ResultsQuery, opportunity_id: int):
    opportunity = db.session.get(LearningOpportunity, opportunity_id)
    if opportunity is None:
        raise NotFound(_("No learning opportunity has this id."))
    if query.session is not None and all(s.id != query.session for s in opportunity.sessions):
        raise ValidationFailed(
            _("Some query parameters are invalid."), fields={"session": [_("Not a session of this opportunity.")]}
        )
    survey = ensure_survey(opportunity)
    found = survey_results(survey, query.session, _lang())
    commit(db.session)
    return {
        "invited": found.invited,
        "responses": found.responses,
        "response_rate": found.response_rate,
        "questions": [
            {"key": q.key, "kind": q.kind, "text": q.text, "mean": q.mean, "counts": q.counts, "answers": q.answers}
            for q in found.questions
        ],
    }


@route(
    "/surveys/responses",
    "POST",
    body=ResponseIn,
    response=ResponseOut,
    status=201,
    more_responses={200: ResponseOut},
    summary="Answer a survey with the e-mailed link's token: 201 stored, 200 replaced (until it closes).",
    tags=TAGS,
)
def submit_survey_response(caller, body: ResponseIn):
    try:
        invitation = invitation_from_token(body.token)
    except NotFound as err:
        raise ValidationFailed(err.message, fields={"token": [err.message]}) from err
    outcome = submit_response(invitation, body.answers, utcnow())
    result = {
        "status": "created" if outcome.created else "replaced",
        "opportunity_id": invitation.survey.opportunity_id,
        "closes_at": to_local(round_of_invitation(invitation).closes_at).isoformat(),
    }
    commit(db.session)
    return result, (201 if outcome.created else 200)
