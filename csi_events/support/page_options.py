"""What the support pages offer to choose from: LEAs, staff, an LEA's schools and contacts."""

from __future__ import annotations

from sqlalchemy import select

from ..auth.models import User
from ..directory.models import Lea, School
from ..extensions import db
from ..people.models import Person

CONTACTS_LIMIT = 500


def all_leas() -> list[Lea]:
    return list(db.session.scalars(select(Lea).order_by(Lea.name, Lea.cd_code)))


def staff_users() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role.in_(("staff", "admin")), User.active.is_(True)).order_by(User.email)
        )
    )


def lea_schools(lea_id: int | None) -> list[School]:
    if not lea_id:
        return []
    return list(db.session.scalars(select(School).where(School.lea_id == lea_id).order_by(School.name)))


def lea_contacts(lea_id: int | None) -> list[Person]:
    if not lea_id:
        return []
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.lea_id == lea_id, Person.merged_into_id.is_(None), Person.erased_at.is_(None))
            .order_by(Person.last_name, Person.first_name, Person.id)
            .limit(CONTACTS_LIMIT)
        )
    )


def person_label(p: Person) -> str:
    return f"{p.name} <{p.email}>" if p.email else p.name
