"""Registration rules: sign up, capacity and waitlist, cancel, promotion. Services flush; callers commit.

Every seat decision of an opportunity first takes lock_row_for_update() on the opportunity row, so
concurrent sign-ups and cancels are serialized on PostgreSQL (row lock) and SQLite (write lock) alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, case, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import outbox
from ..audit.services import record
from ..db import UTCDateTime, lock_row_for_update, utcnow
from ..directory.models import Lea, School
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..links import make_token
from ..opportunities.models import LearningOpportunity
from ..people.models import PERSON_ROLES, Person, normalize_email
from .models import Registration


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
    return _find_or_create_person(data, lea, school)[0]


def _find_or_create_person(data: RegistrationInput, lea: Lea | None, school: School | None) -> tuple[Person, bool]:
    """(person, created). On PostgreSQL and SQLite a new address costs one statement: INSERT .. ON
    CONFLICT (email) DO NOTHING RETURNING the row; when it returns nothing the address is known (or
    another request created it a moment ago) and the person is read. Elsewhere: read, then insert in a
    savepoint."""
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
        return _known_person(email), False
    person = db.session.scalar(select(Person).where(Person.email == email))
    if person is not None:
        return _survivor(person), False
    person = Person(**values)
    try:
        with db.session.begin_nested():
            db.session.add(person)
    except IntegrityError:
        # Another request created this e-mail a moment ago.
        return _known_person(email), False
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


def _known_person(email: str) -> Person:
    return _survivor(db.session.scalar(select(Person).where(Person.email == email)))


def _survivor(person: Person) -> Person:
    if person.merged_into_id is not None:
        return db.session.get(Person, person.merged_into_id)
    return person


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
    return db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.opportunity_id == opportunity_id, Registration.status == "confirmed")
    )


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
            raise Conflict(reason, code="registration_closed")
    lea, school = resolve_directory(data)
    person, new_person = _find_or_create_person(data, lea, school)

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
        return RegistrationOutcome(existing, created=False)

    last_position = 0
    if bypass_capacity or opportunity.capacity is None:
        has_seat = True
    else:
        # Seats taken and the end of the waitlist in one read, under the lock.
        taken, last_position = _seat_figures(opportunity.id)
        has_seat = taken < opportunity.capacity
    registration = existing or Registration(opportunity_id=opportunity.id, person_id=person.id)
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
    db.session.flush()
    outbox.enqueue(db.session, "registration_cancelled", registration_id=registration.id)
    if was == "waitlisted" and position is not None:
        _close_gap(registration.opportunity_id, after=position, by=1)
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
    _close_gap(opportunity.id, after=0, by=len(promoted))
    return promoted


def _close_gap(opportunity_id: int, *, after: int, by: int) -> None:
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
        _close_gap(opportunity.id, after=position, by=1)
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


def find_person_by_email(email: str) -> Person | None:
    """The person behind an address, following a merge to the surviving record."""
    person = db.session.scalar(select(Person).where(Person.email == normalize_email(email)))
    if person is not None and person.merged_into_id is not None:
        person = db.session.get(Person, person.merged_into_id)
    return person


def manage_url(person_id: int) -> str:
    """The signed, expiring link to a person's list of registrations."""
    return f"{current_app.config['BASE_URL']}/me/{make_token('manage', {'p': person_id})}"


def request_manage_link(email: str) -> bool:
    """Queue an e-mail with the manage link when the address is known. The caller must answer the same
    words either way (never reveal whether an address is known); the return value is for tests and logs."""
    person = find_person_by_email(email)
    if person is None or person.email is None:
        return False
    outbox.enqueue(db.session, "manage_link", person_id=person.id, url=manage_url(person.id))
    return True


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
    lea = _unique_by_name(select(Lea), Lea.name, value)
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


def _unique_by_name(stmt, column, value: str):
    exact = db.session.scalars(stmt.where(func.lower(column) == value.lower()).limit(2)).all()
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    partial = db.session.scalars(stmt.where(column.icontains(value, autoescape=True)).limit(2)).all()
    return partial[0] if len(partial) == 1 else None


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
