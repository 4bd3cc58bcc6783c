"""The QR code and short link the facilitator's check-in page shows at the end of a session
(templates/surveys/_checkin_qr.html reads survey_qr(session) there)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from ..db import utcnow
from ..opportunities.models import Session
from ..registrations.qr import qr_svg
from .models import DEFAULT_CLOSE_DAYS, Survey
from .questions import survey_of
from .rounds import round_for_session
from .views import bp

SHOW_BEFORE_END = timedelta(minutes=30)


@dataclass(frozen=True)
class SurveyQr:
    url: str
    svg: str  # from qr_svg(): paths only, safe to insert


@bp.app_template_global("survey_qr")
def survey_qr(session: Session) -> SurveyQr | None:
    """From 30 minutes before the end until the survey closes; None when the session has no survey round (a
    series' earlier sessions) or outside that time. An opportunity whose survey was never opened has the
    default one (after each session, 14 days): this page only reads."""
    survey = survey_of(session.opportunity_id) or Survey(
        opportunity_id=session.opportunity_id, timing="each_session", close_after_days=DEFAULT_CLOSE_DAYS
    )
    survey_round = round_for_session(survey, session)
    now = utcnow()
    if survey_round is None or not (session.ends_at - SHOW_BEFORE_END <= now < survey_round.closes_at):
        return None
    url = f"{current_app.config['BASE_URL']}/s/{session.id}"
    return SurveyQr(url, qr_svg(url))
