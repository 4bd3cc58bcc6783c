"""Who a registration is for: the LEA and school named in the input, and the person behind an e-mail
address (found, following a merge, or created). Flush only; callers commit."""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import IntegrityError

from ..db import UTCDateTime, utcnow
from ..directory.models import Lea, School
from ..errors import ValidationFailed
from ..extensions import db
from ..people.addresses import undeliverable_reason
from ..people.models import PERSON_ROLES, Person, normalize_email

if TYPE_CHECKING:
    from .services import RegistrationInput


def resolve_directory(data: RegistrationInput) -> tuple[Lea | None, School | None]:
    """The LEA and school named by code; a school must belong to the LEA given."""
    lea = school = None
    if data.lea_cd_code:
        lea = db.session.scalar(select(Lea).where(Lea.cd_code == data.lea_cd_code.strip()))
        if lea is None:
            raise ValidationFailed(
                _("Unknown LEA."), fields={"lea_cd_code": [_("No LEA has the CD code %(c)s.", c=data.lea_cd_code)]}
            )
    if data.school_cds_code:
        school = db.session.scalar(select(School).where(School.cds_code == data.school_cds_code.strip()))
        if school is None:
            raise ValidationFailed(
                _("Unknown school."),
                fields={"school_cds_code": [_("No school has the CDS code %(c)s.", c=data.school_cds_code)]},
            )
        if lea is not None and school.lea_id != lea.id:
            raise ValidationFailed(
                _("That school is not part of that LEA."),
                fields={"school_cds_code": [_("%(s)s is not a school of %(l)s.", s=school.name, l=lea.name)]},
            )
        lea = lea or school.lea
    if data.role not in PERSON_ROLES:
        raise ValidationFailed(_("Unknown role."), fields={"role": [_("Choose one of the listed roles.")]})
    return lea, school


def find_or_create_person(data: RegistrationInput, lea: Lea | None, school: School | None) -> Person:
    """The person with this e-mail, or a new one. An existing person's details are not changed by a
    public sign-up (anyone can type any address); staff edit people on their pages."""
    return get_or_create_person(data, lea, school)[0]


def get_or_create_person(data: RegistrationInput, lea: Lea | None, school: School | None) -> tuple[Person, bool]:
    """(person, created). On PostgreSQL and SQLite a new address costs one statement: INSERT .. ON
    CONFLICT (email) DO NOTHING RETURNING the row; when it returns nothing the address is known (or
    another request created it a moment ago) and the person is read. Elsewhere: read, then insert in a
    savepoint. An address that could never be mailed is refused (people/addresses.py)."""
    reason = undeliverable_reason(data.email)
    if reason:
        raise ValidationFailed(reason, fields={"email": [reason]})
    email = normalize_email(data.email)
    values = {
        "email": email,
        "first_name": data.first_name.strip(),
        "last_name": data.last_name.strip(),
        "role": data.role,
        "lea_id": lea.id if lea is not None else None,
        "school_id": school.id if school is not None else None,
        "organization": (data.organization or "").strip() or None,
        "preferred_language": data.preferred_language,
    }
    if db.session.get_bind().dialect.name in ("postgresql", "sqlite"):
        now = utcnow()
        person = db.session.scalars(
            select(Person).from_statement(_INSERT_NEW_PERSON), {**values, "created_at": now, "updated_at": now}
        ).one_or_none()
        if person is not None:
            return person, True
        return _existing_person(email), False
    person = db.session.scalar(select(Person).where(Person.email == email))
    if person is not None:
        return survivor(person), False
    person = Person(**values)
    try:
        with db.session.begin_nested():
            db.session.add(person)
    except IntegrityError:
        # Another request created this e-mail a moment ago.
        return _existing_person(email), False
    return person, True


# Written as text on purpose: SQLAlchemy does not cache the compiled form of its dialect-specific
# on_conflict_do_nothing() inserts, and compiling it on every sign-up cost more than the statement.
_NEW_PERSON_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "role",
    "lea_id",
    "school_id",
    "organization",
    "preferred_language",
    "created_at",
    "updated_at",
)
_INSERT_NEW_PERSON = (
    text(
        f"INSERT INTO people ({', '.join(_NEW_PERSON_COLUMNS)}) "
        f"VALUES ({', '.join(':' + c for c in _NEW_PERSON_COLUMNS)}) "
        "ON CONFLICT (email) DO NOTHING "
        f"RETURNING {', '.join(c.name for c in Person.__table__.columns)}"
    )
    .bindparams(bindparam("created_at", type_=UTCDateTime()), bindparam("updated_at", type_=UTCDateTime()))
    .columns(*Person.__table__.columns)
)


def _known_person(email: str) -> Person | None:
    return survivor(db.session.scalar(select(Person).where(Person.email == email)))


def _existing_person(email: str) -> Person:
    """The (surviving) person of an address known to be stored: the insert found it taken."""
    return survivor(db.session.scalars(select(Person).where(Person.email == email)).one())


@overload
def survivor(person: Person) -> Person: ...
@overload
def survivor(person: None) -> None: ...
def survivor(person: Person | None) -> Person | None:
    """The surviving record of a merged person (the person itself when not merged). A merge points every record
    merged earlier into the same survivor (people/services.py), so one step is always enough."""
    if person is not None and person.merged_into_id is not None:
        return db.session.get_one(Person, person.merged_into_id)  # a foreign key: the survivor exists
    return person


def find_person_by_email(email: str) -> Person | None:
    """The person behind an address, following a merge to the surviving record."""
    return _known_person(normalize_email(email))


def lookup_lea(text: str | None) -> Lea | None:
    """An LEA from what a person typed: a 7-digit CD code, "Name (CD code)" as the type-ahead fills it,
    or the LEA's name (exact, else a unique partial match). Raises ValidationFailed on field `lea`."""
    value = (text or "").strip()
    if not value:
        return None
    code = _trailing_code(value, 7)
    if code:
        lea = db.session.scalar(select(Lea).where(Lea.cd_code == code))
        if lea is None:
            raise ValidationFailed(_("Unknown LEA."), fields={"lea": [_("No LEA has the CD code %(c)s.", c=code)]})
        return lea
    lea = _unique_by_name(select(Lea), Lea.name, value) or _by_alias(value)
    if lea is None:
        raise ValidationFailed(
            _("Unknown LEA."),
            fields={"lea": [_("We could not find one LEA named “%(v)s”. Choose it from the list.", v=value[:100])]},
        )
    return lea


def lookup_school(text: str | None, lea: Lea | None) -> School | None:
    """A school from a 14-digit CDS code, "Name (CDS code)", or its name within the chosen LEA."""
    value = (text or "").strip()
    if not value:
        return None
    code = _trailing_code(value, 14)
    if code:
        school = db.session.scalar(select(School).where(School.cds_code == code))
        if school is None:
            raise ValidationFailed(
                _("Unknown school."), fields={"school": [_("No school has the CDS code %(c)s.", c=code)]}
            )
        return school
    stmt = select(School)
    if lea is not None:
        stmt = stmt.where(School.lea_id == lea.id)
    school = _unique_by_name(stmt, School.name, value)
    if school is None:
        raise ValidationFailed(
            _("Unknown school."),
            fields={
                "school": [_("We could not find one school named “%(v)s” in that LEA. Check the name.", v=value[:100])]
            },
        )
    return school


def _trailing_code(value: str, digits: int) -> str | None:
    """`1964733` or `Some Name (1964733)` -> the code; anything else -> None."""
    candidate = value
    if value.endswith(")") and "(" in value:
        candidate = value[value.rindex("(") + 1 : -1].strip()
    if len(candidate) == digits and candidate.isdigit():
        return candidate
    return None


def _by_alias(value: str) -> Lea | None:
    """The one LEA that has `value` among its aliases ("lausd" finds Los Angeles Unified)."""
    wanted = value.strip().lower()
    candidates = db.session.scalars(select(Lea).where(Lea.aliases.icontains(wanted, autoescape=True)).limit(20))
    found = [lea for lea in candidates if wanted in (a.strip().lower() for a in (lea.aliases or "").split(","))]
    return found[0] if len(found) == 1 else None


def _unique_by_name(stmt, column, value: str):
    exact = db.session.scalars(stmt.where(func.lower(column) == value.lower()).limit(2)).all()
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    partial = db.session.scalars(stmt.where(column.icontains(value, autoescape=True)).limit(2)).all()
    return partial[0] if len(partial) == 1 else None
