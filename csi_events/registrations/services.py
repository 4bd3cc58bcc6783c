"""Registration rules: sign up, capacity and waitlist, cancel, promotion. Services flush; callers commit.

Every seat decision of an opportunity first takes lock_row_for_update() on the opportunity row, so
concurrent sign-ups and cancels are serialized on PostgreSQL (row lock) and SQLite (write lock) alike.

Beside this module: people_lookup (directory resolution, finding or creating the person), manage_links (the
signed link to a person's registrations) and queries (the roster and a person's registrations).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select, update

from .. import outbox
from ..audit.services import record
from ..db import lock_row_for_update, utcnow
from ..errors import Conflict
from ..extensions import db
from ..observability.metrics import SIGNUPS, count_at_commit
from ..opportunities.models import LearningOpportunity
from .models import Registration
from .people_lookup import get_or_create_person, resolve_directory


@dataclass
class RegistrationInput:
    first_name: str
    last_name: str
    email: str
    role: str = "other"
    lea_cd_code: str | None = None
    school_cds_code: str | None = None
    organization: str | None = None
    needs: str | None = None
    preferred_language: str = "en"


@dataclass
class RegistrationOutcome:
    registration: Registration
    created: bool  # False: this person was already registered (nothing new stored)


def registration_closed_reason(opportunity: LearningOpportunity, now: datetime) -> str | None:
    if opportunity.status != "published":
        return _("This learning opportunity is not open for registration (it is %(s)s).", s=opportunity.status)
    if opportunity.sessions and max(s.ends_at for s in opportunity.sessions) <= now:
        return _("This learning opportunity is over.")
    if opportunity.registration_opens_at and now < opportunity.registration_opens_at:
        return _("Registration has not opened yet.")
    if opportunity.registration_closes_at and now >= opportunity.registration_closes_at:
        return _("Registration is closed.")
    return None


def confirmed_count(opportunity_id: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(Registration)
        .where(Registration.opportunity_id == opportunity_id, Registration.status == "confirmed")
    ).scalar_one()


def _seat_figures(opportunity_id: int) -> tuple[int, int]:
    """(confirmed count, last waitlist position or 0) of an opportunity, in one statement."""
    confirmed = case((Registration.status == "confirmed", 1), else_=0)
    waiting = case((Registration.status == "waitlisted", Registration.waitlist_position), else_=None)
    taken, last = db.session.execute(
        select(func.coalesce(func.sum(confirmed), 0), func.coalesce(func.max(waiting), 0)).where(
            Registration.opportunity_id == opportunity_id
        )
    ).one()
    return int(taken), int(last)


def register(
    opportunity: LearningOpportunity,
    data: RegistrationInput,
    *,
    source: str = "online",
    enforce_window: bool = True,
    bypass_capacity: bool = False,
    now: datetime | None = None,
) -> RegistrationOutcome:
    """Register a person. Confirmed while seats are left, else waitlisted at the end of the line.
    The same person again: nothing new is stored and the confirmation is re-sent to their address."""
    now = now or utcnow()
    if enforce_window:
        reason = registration_closed_reason(opportunity, now)
        if reason:
            SIGNUPS.labels(status="closed").inc()  # refused: nothing to commit
            raise Conflict(reason, code="registration_closed")
    lea, school = resolve_directory(data)
    person, new_person = get_or_create_person(data, lea, school)

    lock_row_for_update(db.session, "opportunities", opportunity.id)
    # A person created in this transaction has no registration yet: no need to look.
    existing = None
    if not new_person:
        existing = db.session.scalar(
            select(Registration)
            .where(Registration.opportunity_id == opportunity.id, Registration.person_id == person.id)
            .execution_options(populate_existing=True)
        )
    if existing is not None and existing.status != "cancelled":
        outbox.enqueue(db.session, "registration_resent", registration_id=existing.id)
        count_at_commit(db.session, SIGNUPS, "already_registered")
        return RegistrationOutcome(existing, created=False)

    last_position = 0
    if bypass_capacity or opportunity.capacity is None:
        has_seat = True
    else:
        # Seats taken and the end of the waitlist in one read, under the lock.
        taken, last_position = _seat_figures(opportunity.id)
        has_seat = taken < opportunity.capacity
    registration = existing or Registration(opportunity_id=opportunity.id, person_id=person.id)
    if existing is not None:  # registering again after cancelling: the calendar update outranks the cancel
        registration.calendar_sequence = (registration.calendar_sequence or 0) + 1
    registration.source = source
    registration.needs = (data.needs or "").strip() or None
    registration.cancelled_at = None
    if has_seat:
        registration.status = "confirmed"
        registration.waitlist_position = None
        registration.confirmed_at = now
    else:
        registration.status = "waitlisted"
        registration.waitlist_position = last_position + 1
    if existing is None:
        db.session.add(registration)
    db.session.flush()
    kind = "registration_confirmed" if has_seat else "registration_waitlisted"
    outbox.enqueue(db.session, kind, registration_id=registration.id)
    count_at_commit(db.session, SIGNUPS, registration.status)
    return RegistrationOutcome(registration, created=True)


def cancel(registration: Registration, *, now: datetime | None = None) -> list[Registration]:
    """Cancel a registration (idempotent). A freed seat goes to the first waitlisted people at once.
    Returns the registrations promoted from the waitlist."""
    lock_row_for_update(db.session, "opportunities", registration.opportunity_id)
    db.session.refresh(registration)
    if registration.status == "cancelled":
        return []
    was = registration.status
    position = registration.waitlist_position
    registration.status = "cancelled"
    registration.waitlist_position = None
    registration.cancelled_at = now or utcnow()
    registration.calendar_sequence = (registration.calendar_sequence or 0) + 1  # the e-mail's METHOD:CANCEL
    db.session.flush()
    outbox.enqueue(db.session, "registration_cancelled", registration_id=registration.id)
    if was == "waitlisted" and position is not None:
        close_waitlist_gap(registration.opportunity_id, after=position, by=1)
        return []
    return fill_from_waitlist(registration.opportunity)


def fill_from_waitlist(opportunity: LearningOpportunity, *, now: datetime | None = None) -> list[Registration]:
    """Confirm the first waitlisted people, in order, while seats are free (after a cancel or a raised
    capacity); the rest move up so that positions stay 1..n. Returns those promoted."""
    lock_row_for_update(db.session, "opportunities", opportunity.id)
    waiting = select(Registration).where(
        Registration.opportunity_id == opportunity.id, Registration.status == "waitlisted"
    )
    if opportunity.capacity is None:
        free = None
    else:
        free = opportunity.capacity - confirmed_count(opportunity.id)
        if free <= 0:
            return []
    promoted = list(
        db.session.scalars(
            waiting.order_by(Registration.waitlist_position).limit(free).execution_options(populate_existing=True)
        )
    )
    if not promoted:
        return []
    moment = now or utcnow()
    for registration in promoted:
        registration.status = "confirmed"
        registration.waitlist_position = None
        registration.confirmed_at = moment
        outbox.enqueue(db.session, "registration_promoted", registration_id=registration.id)
    db.session.flush()
    close_waitlist_gap(opportunity.id, after=0, by=len(promoted))
    return promoted


def close_waitlist_gap(opportunity_id: int, *, after: int, by: int) -> None:
    """Move every waitlisted person behind position `after` up by `by` places (the caller holds the lock)."""
    db.session.execute(
        update(Registration)
        .where(
            Registration.opportunity_id == opportunity_id,
            Registration.status == "waitlisted",
            Registration.waitlist_position > after,
        )
        .values(waitlist_position=Registration.waitlist_position - by)
        .execution_options(synchronize_session="fetch")
    )


def confirm_from_waitlist(registration: Registration, *, actor=None, now: datetime | None = None) -> Registration:
    """Staff move a waitlisted person to confirmed on purpose. This is an override: it confirms even when
    every seat is taken (the opportunity may then hold more confirmed people than its capacity), and it is
    recorded in the audit log with the counts at that moment. The people behind move up one place."""
    lock_row_for_update(db.session, "opportunities", registration.opportunity_id)
    db.session.refresh(registration)
    if registration.status != "waitlisted":
        raise Conflict(_("Only a waitlisted registration can be moved to confirmed."), code="not_waitlisted")
    opportunity = registration.opportunity
    taken = confirmed_count(opportunity.id)
    position = registration.waitlist_position
    registration.status = "confirmed"
    registration.waitlist_position = None
    registration.confirmed_at = now or utcnow()
    db.session.flush()
    if position is not None:
        close_waitlist_gap(opportunity.id, after=position, by=1)
    over = opportunity.capacity is not None and taken >= opportunity.capacity
    record(
        "registration_confirmed_from_waitlist",
        actor=actor,
        target=registration,
        opportunity_id=opportunity.id,
        person_id=registration.person_id,
        waitlist_position=position,
        confirmed_before=taken,
        capacity=opportunity.capacity,
        over_capacity=over,
    )
    outbox.enqueue(db.session, "registration_promoted", registration_id=registration.id)
    return registration
