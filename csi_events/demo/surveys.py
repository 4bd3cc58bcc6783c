"""Demo surveys: the most recent past opportunities get their survey, with invitations for the people checked in
and responses from about two in three of them (flush only), so the results pages and the summary show figures.

It goes through the services the app uses (ensure_survey, round_people, ensure_invitation, submit_response), so
the demo's answers obey the same rules as real ones. The second surveyed opportunity's survey is anonymous.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..checkin.models import CheckIn
from ..extensions import db
from ..opportunities.models import LearningOpportunity, Session
from ..surveys.invitations import ensure_invitation
from ..surveys.questions import ensure_survey
from ..surveys.rounds import round_for_session
from ..surveys.sending import round_people
from ..surveys.submit import submit_response

SURVEYED_OPPORTUNITIES = 4
RESPONSE_RATE = 0.65
SCALE_WEIGHTS = {2: 1, 3: 3, 4: 8, 5: 8}  # mostly agree, like real evaluations
MOST_USEFUL = (
    "The time to plan with my school team.",
    "The family engagement examples from other districts.",
    "Looking at our own data together.",
    "La parte sobre cómo hablar con las familias.",
)
COULD_BE_BETTER = ("More time for questions.", "Send the slides before the session.", "A shorter lunch break.")
TOPICS_NEXT = ("Chronic absenteeism", "Attendance teams", "Community partnerships")


def _surveyed(now: datetime) -> list[LearningOpportunity]:
    """Published opportunities whose sessions have all ended and that have check-ins, the most recent first."""
    last_end = func.max(Session.ends_at)
    stmt = (
        select(LearningOpportunity)
        .join(Session, Session.opportunity_id == LearningOpportunity.id)
        .where(
            LearningOpportunity.status == "published",
            select(CheckIn.id)
            .join(Session, Session.id == CheckIn.session_id)
            .where(Session.opportunity_id == LearningOpportunity.id)
            .exists(),
        )
        .group_by(LearningOpportunity.id)
        .having(last_end <= now)
        .order_by(last_end.desc(), LearningOpportunity.id)
        .limit(SURVEYED_OPPORTUNITIES)
    )
    return list(db.session.scalars(stmt))


def _answers(rng: random.Random) -> dict[str, object]:
    points, weights = list(SCALE_WEIGHTS), list(SCALE_WEIGHTS.values())
    answers: dict[str, object] = {
        key: rng.choices(points, weights)[0] for key in ("overall_quality", "relevance", "will_apply", "facilitator")
    }
    for key, texts, share in (
        ("most_useful", MOST_USEFUL, 0.5),
        ("could_be_better", COULD_BE_BETTER, 0.3),
        ("topics_next", TOPICS_NEXT, 0.2),
    ):
        if rng.random() < share:
            answers[key] = rng.choice(texts)
    return answers


def load_surveys(rng: random.Random, now: datetime) -> int:
    """Surveys with invitations and responses on the most recent past opportunities; returns the responses made."""
    responses = 0
    for n, opportunity in enumerate(_surveyed(now)):
        survey = ensure_survey(opportunity)
        survey.anonymous = n == 1
        if len(opportunity.sessions) > 1:
            survey.timing = "series_end"
        for session in opportunity.sessions:
            survey_round = round_for_session(survey, session)
            if survey_round is None:
                continue
            for person_id in round_people(survey_round):
                invitation = ensure_invitation(survey_round, person_id)
                invitation.emailed_at = session.ends_at + timedelta(minutes=30)
                if rng.random() < RESPONSE_RATE:
                    answered_at = session.ends_at + timedelta(hours=rng.randrange(1, 48))
                    submit_response(invitation, _answers(rng), answered_at)
                    responses += 1
    return responses
