"""Status transitions of a learning opportunity: draft -> published -> cancelled, and archived from any
status. Each one is recorded in the audit log; cancelling also tells everyone registered (after the commit).
"""

from __future__ import annotations

from flask_babel import gettext as _

from .. import outbox
from ..audit.services import record
from ..auth.models import User
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from .calendar_changes import mark_changed
from .models import LearningOpportunity


def publish(opp: LearningOpportunity, *, actor: User | None = None) -> LearningOpportunity:
    if opp.status != "draft":
        raise Conflict(
            _("Only a draft can be published; this one is %(s)s.", s=_status_word(opp.status)),
            code="bad_transition",
        )
    if not opp.sessions:
        raise ValidationFailed(
            _("Add at least one session before publishing."), fields={"sessions": [_("Add at least one session.")]}
        )
    opp.status = "published"
    db.session.flush()
    record("opportunity_published", actor=actor, target=opp)
    return opp


def cancel(opp: LearningOpportunity, *, actor: User | None = None, reason: str = "") -> LearningOpportunity:
    if opp.status != "published":
        raise Conflict(
            _("Only a published opportunity can be cancelled; this one is %(s)s.", s=_status_word(opp.status)),
            code="bad_transition",
        )
    opp.status = "cancelled"
    mark_changed(opp.sessions)  # the e-mail's METHOD:CANCEL outranks the events people have
    db.session.flush()
    record("opportunity_cancelled", actor=actor, target=opp, reason=reason[:500])
    # Everyone confirmed or waitlisted is told by e-mail after the commit (notifications.handlers).
    outbox.enqueue(db.session, "opportunity_cancelled", opportunity_id=opp.id, reason=reason[:500])
    return opp


def archive(opp: LearningOpportunity, *, actor: User | None = None) -> LearningOpportunity:
    if opp.status == "archived":
        raise Conflict(_("This opportunity is already archived."), code="bad_transition")
    was = opp.status
    opp.status = "archived"
    db.session.flush()
    record("opportunity_archived", actor=actor, target=opp, was=was)
    return opp


TRANSITIONS = {"published": publish, "cancelled": cancel, "archived": archive}


def change_status(opp: LearningOpportunity, status: str, *, actor: User | None = None) -> LearningOpportunity:
    """Move to `status` through the one allowed transition (no-op when already there)."""
    if status == opp.status:
        return opp
    action = TRANSITIONS.get(status)
    if action is None:
        raise Conflict(
            _("An opportunity cannot go back to %(s)s.", s=_status_word(status)),
            code="bad_transition",
        )
    return action(opp, actor=actor)


def _status_word(status: str) -> str:
    from ..labels import label

    return label(status).lower()
