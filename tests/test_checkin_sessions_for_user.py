"""The sessions a user may check in for (checkin/roster.py sessions_for_user) follow the one rule of who may check in
(auth/access.py): staff every session of today and later, a facilitator only those of the opportunities they
facilitate; drafts, cancelled and past sessions never."""

from __future__ import annotations

from datetime import timedelta

from flask_login import AnonymousUserMixin

from csi_events.auth.access import managed_by
from csi_events.checkin.roster import sessions_for_user
from csi_events.checkin.scan import may_check_in
from csi_events.db import utcnow
from csi_events.extensions import db as _db
from csi_events.opportunities.models import Session
from tests.factories import make_opportunity, make_user


def test_staff_see_all_facilitators_their_own(app, db):
    mine, theirs = make_user("facilitator"), make_user("facilitator")
    soon = utcnow() + timedelta(hours=1)
    own = make_opportunity(starts_at=soon, facilitators=[mine])
    other = make_opportunity(starts_at=soon + timedelta(days=2), facilitators=[theirs])
    make_opportunity(starts_at=soon, status="draft", facilitators=[mine])
    make_opportunity(starts_at=utcnow() - timedelta(days=3), facilitators=[mine])  # ended before today
    staff = make_user("staff")
    db.session.commit()
    assert [s.opportunity_id for s in sessions_for_user(staff)] == [own.id, other.id]
    assert [s.opportunity_id for s in sessions_for_user(mine)] == [own.id]
    assert [s.opportunity_id for s in sessions_for_user(theirs)] == [other.id]
    for user in (staff, mine, theirs):  # the list and the check-in right agree
        listed = {s.id for s in sessions_for_user(user)}
        assert listed == {s.id for s in (*own.sessions, *other.sessions) if may_check_in(user, s)}
    nobody = _db.session.scalars(
        _db.select(Session.id).where(managed_by(AnonymousUserMixin(), Session.opportunity_id))
    ).all()
    assert nobody == []
