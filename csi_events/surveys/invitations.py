"""Invitations: one per (survey, round, person), made by `surveys send` or on the spot (the QR at the end of a
session), whichever comes first; the unique constraint settles two at once."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..checkin.models import CheckIn
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..opportunities.models import Session
from ..people.models import Person, normalize_email
from .models import SurveyInvitation
from .questions import ensure_survey
from .rounds import Round, round_for_session


def find_invitation(survey_id: int, round_key: int, person_id: int) -> SurveyInvitation | None:
    return db.session.scalar(
        select(SurveyInvitation).where(
            SurveyInvitation.survey_id == survey_id,
            SurveyInvitation.round_key == round_key,
            SurveyInvitation.person_id == person_id,
        )
    )


def ensure_invitation(survey_round: Round, person_id: int) -> SurveyInvitation:
    found = find_invitation(survey_round.survey.id, survey_round.key, person_id)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            invitation = SurveyInvitation(
                survey_id=survey_round.survey.id,
                round_key=survey_round.key,
                session_id=survey_round.session.id,
                person_id=person_id,
            )
            db.session.add(invitation)
    except IntegrityError:  # made at the same moment by another run: that row is the invitation
        found = find_invitation(survey_round.survey.id, survey_round.key, person_id)
        assert found is not None
        return found
    return invitation


def spot_round(session_id: int, now: datetime) -> Round:
    """The round people answer on the spot at the end of this session: NotFound or Conflict with the reason."""
    session = db.session.get(Session, session_id)
    if session is None or session.opportunity.status != "published":
        raise NotFound(_("This session has no survey."))
    survey_round = round_for_session(ensure_survey(session.opportunity), session)
    if survey_round is None:
        raise NotFound(_("The survey of this series is for its last session."))
    if not survey_round.is_open(now):
        raise Conflict(_("This survey is not open now."), code="survey_closed")
    return survey_round


def spot_invitation(session_id: int, email: str, now: datetime) -> SurveyInvitation:
    """The invitation of a person checked in at this session, found by their e-mail (the QR on the facilitator's
    page); one message for an unknown address and for someone not checked in, so it tells nobody who came."""
    survey_round = spot_round(session_id, now)
    address = normalize_email(email)
    person = db.session.scalar(select(Person).where(Person.email == address)) if address else None
    checked_in = person is not None and db.session.scalar(
        select(CheckIn.id).where(
            CheckIn.session_id == session_id, CheckIn.person_id == person.id, CheckIn.undone_at.is_(None)
        )
    )
    if person is None or not checked_in:
        raise ValidationFailed(
            _("Only people checked in at this session can answer. Use the e-mail you registered with."),
            fields={"email": [_("No check-in at this session with this e-mail.")]},
        )
    return ensure_invitation(survey_round, person.id)
