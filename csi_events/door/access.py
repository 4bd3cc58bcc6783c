"""Who may use the door pages: staff, and the facilitators of the session's opportunity."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import can_manage_opportunity
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..opportunities.models import LearningOpportunity, Session


def managed_session(session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    if session is None:
        raise NotFound(_("This session does not exist."))
    if not can_manage_opportunity(current_user, session.opportunity):
        raise Forbidden(_("Only staff and the facilitators of this learning opportunity may open this page."))
    return session


def managed_opportunity(opportunity_id: int) -> LearningOpportunity:
    opportunity = db.session.get(LearningOpportunity, opportunity_id)
    if opportunity is None:
        raise NotFound(_("There is no such learning opportunity."))
    if not can_manage_opportunity(current_user, opportunity):
        raise Forbidden(_("Only staff and the facilitators of this learning opportunity may open this page."))
    return opportunity
