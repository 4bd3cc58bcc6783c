"""Taking a check-in back: a soft undo (who and when), recorded in the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from ..audit.services import record
from ..auth.models import User
from ..db import utcnow
from ..extensions import db
from .models import CheckIn


def undo(checkin: CheckIn, by: User | None, now: datetime | None = None) -> bool:
    """Soft-delete a check-in (who and when). False when it was already undone."""
    undone = db.session.execute(
        update(CheckIn)
        .where(CheckIn.id == checkin.id, CheckIn.undone_at.is_(None))
        .values(undone_at=now or utcnow(), undone_by_id=getattr(by, "id", None))
        .returning(CheckIn.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.refresh(checkin)
    if undone is None:
        return False
    record("checkin_undone", actor=by, target=checkin, session_id=checkin.session_id, person_id=checkin.person_id)
    return True
