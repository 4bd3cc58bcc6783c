"""Read-only listings of registrations: an opportunity's roster and a person's own registrations."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..opportunities.models import LearningOpportunity
from ..people.models import Person
from .models import Registration


def roster(opportunity: LearningOpportunity) -> dict[str, list[Registration]]:
    """An opportunity's registrations by status (waitlist in order), with person, LEA and school loaded
    in a fixed number of queries."""
    rows = db.session.scalars(
        select(Registration)
        .where(Registration.opportunity_id == opportunity.id)
        .options(selectinload(Registration.person).selectinload(Person.lea))
        .options(selectinload(Registration.person).selectinload(Person.school))
        .order_by(Registration.created_at, Registration.id)
    ).all()
    groups: dict[str, list[Registration]] = {"confirmed": [], "waitlisted": [], "cancelled": []}
    for row in rows:
        groups.setdefault(row.status, []).append(row)
    groups["waitlisted"].sort(key=lambda r: (r.waitlist_position or 0, r.id))
    groups["cancelled"].sort(key=lambda r: (r.cancelled_at or r.created_at, r.id))
    return groups


def person_registrations(person: Person) -> list[Registration]:
    """A person's registrations with their opportunities and sessions, in a fixed number of queries."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.person_id == person.id)
            .options(selectinload(Registration.opportunity).selectinload(LearningOpportunity.sessions))
            .order_by(Registration.created_at.desc(), Registration.id.desc())
        )
    )
