"""`flask --app app surveys send`, from cron: after a session ends, one e-mail per person checked in, through the
outbox, never twice.

Each round (a session, or the last session of a series) is one transaction: its invitations are made (the
unique constraint on survey, round and person settles two runs at once) and each invitation's e-mail is claimed
by a conditional UPDATE of `emailed_at` (only one run's UPDATE finds it empty), which queues the outbox message
in the same transaction. People who answered on the spot already are not mailed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, CursorResult, select, update

from .. import outbox
from ..checkin.models import CheckIn
from ..db import commit
from ..extensions import db
from ..localtime import local_zone
from ..notifications import mailer, messages
from ..opportunities.models import LearningOpportunity, Session
from ..people.models import Person
from .invitations import ensure_invitation
from .models import SurveyInvitation
from .questions import ensure_survey
from .rounds import Round, round_for_session, round_of_invitation
from .tokens import survey_url

log = logging.getLogger(__name__)
LOOK_BACK = timedelta(days=90)  # the longest a survey stays open


@dataclass
class SendRun:
    rounds: int = 0
    queued: int = 0


def ended_sessions(now: datetime) -> list[int]:
    """Sessions of published opportunities that ended, recently enough for a survey to be open, with check-ins."""
    stmt = (
        select(Session.id)
        .join(LearningOpportunity, LearningOpportunity.id == Session.opportunity_id)
        .where(
            Session.ends_at <= now,
            Session.ends_at > now - LOOK_BACK,
            LearningOpportunity.status == "published",
            select(CheckIn.id).where(CheckIn.session_id == Session.id, CheckIn.undone_at.is_(None)).exists(),
        )
        .order_by(Session.ends_at, Session.id)
    )
    return list(db.session.scalars(stmt))


def round_people(survey_round: Round) -> list[int]:
    """People to invite: checked in at the session (or at any session of a series), with an e-mail address."""
    where: ColumnElement[bool]
    if survey_round.is_series:
        sessions = select(Session.id).where(Session.opportunity_id == survey_round.survey.opportunity_id)
        where = CheckIn.session_id.in_(sessions)
    else:
        where = CheckIn.session_id == survey_round.session.id
    stmt = (
        select(Person.id)
        .join(CheckIn, CheckIn.person_id == Person.id)
        .where(where, CheckIn.undone_at.is_(None), Person.email.is_not(None), Person.erased_at.is_(None))
        .distinct()
        .order_by(Person.id)
    )
    return list(db.session.scalars(stmt))


def claim_email(invitation_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.id == invitation_id,
            SurveyInvitation.emailed_at.is_(None),
            SurveyInvitation.spent.is_(False),
        )
        .values(emailed_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult, result).rowcount == 1  # an UPDATE's result


def send_round(survey_round: Round, now: datetime) -> int:
    queued = 0
    for person_id in round_people(survey_round):
        invitation = ensure_invitation(survey_round, person_id)
        if invitation.emailed_at is None and not invitation.spent and claim_email(invitation.id, now):
            outbox.enqueue(db.session, "survey_invitation", invitation_id=invitation.id)
            queued += 1
    return queued


def run_send(now: datetime) -> SendRun:
    run = SendRun()
    session_ids = ended_sessions(now)
    for session_id in session_ids:
        session = db.session.get_one(Session, session_id)
        survey_round = round_for_session(ensure_survey(session.opportunity), session)
        if survey_round is None or not survey_round.is_open(now):
            commit(db.session)
            continue
        run.rounds += 1
        run.queued += send_round(survey_round, now)
        commit(db.session)
    return run


@outbox.handler("survey_invitation")
def send_invitation(invitation_id: int) -> None:
    invitation = db.session.get(SurveyInvitation, invitation_id)
    if invitation is None or invitation.spent or not invitation.person.email:
        log.info("mail: survey invitation %s answered, gone or without address; nothing sent", invitation_id)
        return
    mailer.send(invitation_message(invitation))


def invitation_message(invitation: SurveyInvitation):
    person = invitation.person
    survey_round = round_of_invitation(invitation)
    opportunity = invitation.survey.opportunity
    with messages._in_language_of(person):
        title = messages._one_line(opportunity.title)
        closes = survey_round.closes_at.astimezone(local_zone())
        context = {
            "opportunity": opportunity,
            "when": messages.session_when(invitation.session),
            "series": survey_round.is_series,
            "anonymous": invitation.survey.anonymous,
            "url": survey_url(invitation.id, str(get_locale())),
            "closes": format_date(closes, "long", locale=get_locale()),
            "manage_url": messages.manage_url(person.id),
        }
        return messages._build(person, _("How was it? %(title)s", title=title), "survey_invitation", context)
