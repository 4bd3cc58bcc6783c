"""No-shows: the confirmed people of a session's opportunity who were not checked in for that session."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from ..checkin.models import CheckIn
from ..directory.models import Lea, School
from ..extensions import db
from ..opportunities.models import Session
from ..people.models import Person
from ..registrations.models import Registration


@dataclass(frozen=True)
class NoShow:
    registration_id: int
    person_id: int
    first_name: str
    last_name: str
    email: str | None
    role: str
    lea: str | None
    school: str | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def attended_clause(session_ids, person_column):
    """An active (not undone) check-in of the person for one of the sessions."""
    return exists().where(
        and_(CheckIn.person_id == person_column, CheckIn.session_id.in_(session_ids), CheckIn.undone_at.is_(None))
    )


def no_shows(session: Session) -> list[NoShow]:
    """Sorted by last name; one query."""
    lea, school = aliased(Lea), aliased(School)
    stmt = (
        select(
            Registration.id,
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.email,
            Person.role,
            lea.name,
            school.name,
        )
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(lea, lea.id == Person.lea_id)
        .outerjoin(school, school.id == Person.school_id)
        .where(
            Registration.opportunity_id == session.opportunity_id,
            Registration.status == "confirmed",
            ~attended_clause([session.id], Person.id),
        )
        .order_by(func.lower(Person.last_name), func.lower(Person.first_name), Registration.id)
    )
    return [NoShow(*row) for row in db.session.execute(stmt)]
