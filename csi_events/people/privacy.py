"""A person's data on request: export everything we hold as JSON, erase identity, purge the inactive.

Erasure removes what identifies the person (name, e-mail, organization, accessibility and interpretation
needs, free text in registrations, the link to their survey responses and the comments in them) and keeps the anonymous facts that the counts rest on: the Person row,
its LEA/school, role, registrations and check-ins. So attendance figures stay right after an erasure.
Services only flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Text, cast, func, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from ..attendance.services import certificates_of_person, erase_certificate_names
from ..audit.models import AuditEvent
from ..audit.services import record
from ..auth.models import User
from ..checkin.models import CheckIn, ScanAnswer
from ..db import utcnow
from ..door.privacy import received_messages
from ..extensions import db
from ..opportunities.models import Session
from ..registrations.models import Registration, new_ticket
from ..surveys.privacy import anonymous_note, erase_survey_data, named_responses
from .models import Person

ERASED_NAME = "Erased"
ERASED_TEXT = "(erased)"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_person(person: Person) -> dict:
    """Everything held about one person (and the records merged into them), as plain JSON data."""
    ids = [person.id] + list(db.session.scalars(select(Person.id).where(Person.merged_into_id == person.id)))
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.person_id.in_(ids))
        .options(joinedload(Registration.opportunity))
        .order_by(Registration.created_at)
    ).all()
    checkins = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.person_id.in_(ids))
        .options(joinedload(CheckIn.session).joinedload(Session.opportunity))
        .order_by(CheckIn.checked_in_at)
    ).all()
    merged = db.session.scalars(select(Person).where(Person.merged_into_id == person.id)).all()
    accounts = db.session.scalars(select(User).where(User.person_id.in_(ids))).all()
    return {
        "exported_at": utcnow().isoformat(),
        "person": _person_data(person),
        "merged_records": [_person_data(p) for p in merged],
        "registrations": [
            {
                "id": r.id,
                "opportunity": {"id": r.opportunity_id, "title": r.opportunity.title},
                "status": r.status,
                "source": r.source,
                "waitlist_position": r.waitlist_position,
                "needs": r.needs,
                "created_at": _iso(r.created_at),
                "confirmed_at": _iso(r.confirmed_at),
                "cancelled_at": _iso(r.cancelled_at),
            }
            for r in registrations
        ],
        "attendance": [
            {
                "session": {
                    "id": c.session_id,
                    "starts_at": _iso(c.session.starts_at),
                    "opportunity": {"id": c.session.opportunity_id, "title": c.session.opportunity.title},
                },
                "checked_in_at": _iso(c.checked_in_at),
                "method": c.method,
                "minutes_present": c.minutes_present,
                "undone_at": _iso(c.undone_at),
            }
            for c in checkins
        ],
        "accounts": [{"email": u.email, "role": u.role, "active": u.active} for u in accounts],
        "certificates": [
            {
                "number": c.number,
                "name": c.person_name,
                "opportunity": {"id": c.opportunity_id, "title": c.opportunity_title},
                "pd_hours": str(c.pd_hours),
                "issued_at": _iso(c.issued_at),
                "revoked_at": _iso(c.revoked_at),
            }
            for c in certificates_of_person(person.id)
        ],
        "group_messages": received_messages(ids),
        "survey_responses": named_responses(ids),
        "anonymous_survey_responses": anonymous_note(),
    }


def _person_data(p: Person) -> dict:
    return {
        "id": p.id,
        "email": p.email,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "role": p.role,
        "lea": {"cd_code": p.lea.cd_code, "name": p.lea.name} if p.lea else None,
        "school": {"cds_code": p.school.cds_code, "name": p.school.name} if p.school else None,
        "organization": p.organization,
        "preferred_language": p.preferred_language,
        "needs": p.needs,
        "created_at": _iso(p.created_at),
        "erased_at": _iso(p.erased_at),
    }


def _scrub(value, secrets_: set[str]):
    if isinstance(value, str):
        return ERASED_TEXT if value.strip().lower() in secrets_ else value
    if isinstance(value, dict):
        return {k: _scrub(v, secrets_) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, secrets_) for v in value]
    return value


def _erase_one(person: Person, now: datetime) -> set[str]:
    identifying = {v.strip().lower() for v in (person.email, person.name) if v and v.strip()}
    person.email = None
    person.first_name = ERASED_NAME
    person.last_name = ""
    person.organization = None
    person.needs = None
    person.erased_at = now
    return identifying


ERASED_PERSON = {"name": ERASED_NAME, "lea": None, "school": None, "needs": None}


def _scrub_scan_answers(ids: list[int], identifying: set[str]) -> None:
    """Scan answers keep what the door saw (name, LEA, school, needs) for replayed nonces, whatever the outcome
    (checked in, waitlisted, cancelled, not open): blank the person in every answer about them. An answer is
    theirs when it names their check-in, or when it is given at a session of an opportunity they registered
    for or attended and shows their name (an answer stores no person id; a namesake's answer there is blanked
    too, which loses nothing but a replay's display)."""
    checkin_ids = set(db.session.scalars(select(CheckIn.id).where(CheckIn.person_id.in_(ids))))
    opportunity_ids = select(Registration.opportunity_id).where(Registration.person_id.in_(ids))
    sessions = select(Session.id).where(Session.opportunity_id.in_(opportunity_ids))
    attended = select(CheckIn.session_id).where(CheckIn.person_id.in_(ids))
    stmt = select(ScanAnswer).where(or_(ScanAnswer.session_id.in_(sessions), ScanAnswer.session_id.in_(attended)))
    for answer in db.session.scalars(stmt):
        data = answer.answer if isinstance(answer.answer, dict) else {}
        person = data.get("person")
        found = data.get("checkin")
        checkin: dict = found if isinstance(found, dict) else {}
        named = isinstance(person, dict) and str(person.get("name") or "").strip().lower() in identifying
        if person and (named or checkin.get("id") in checkin_ids):
            answer.answer = {**data, "person": dict(ERASED_PERSON)}


def erase_person(person: Person, *, by: User | None = None, reason: str = "request") -> None:
    """Remove the identity of a person (and of records merged into them); keep anonymous attendance."""
    now = utcnow()
    people = [person, *db.session.scalars(select(Person).where(Person.merged_into_id == person.id))]
    identifying: set[str] = set()
    for p in people:
        identifying |= _erase_one(p, now)
    ids = [p.id for p in people]
    registrations = db.session.scalars(select(Registration).where(Registration.person_id.in_(ids))).all()
    for reg in registrations:
        reg.needs = None
        reg.ticket = new_ticket()  # old tickets and QR codes stop opening anything
    _scrub_scan_answers(ids, identifying)
    erase_certificate_names(ids)  # /verify/<number> then names nobody
    erase_survey_data(ids)
    # Audit details that quote the e-mail or name (e.g. a failed sign-in): replaced, the events kept.
    if identifying:
        text = cast(AuditEvent.details, Text)
        clauses = [func.lower(text).contains(value, autoescape=True) for value in identifying if len(value) >= 3]
        if clauses:
            for event in db.session.scalars(select(AuditEvent).where(or_(*clauses))):
                event.details = _scrub(event.details or {}, identifying)
    db.session.flush()
    record("person_erased", actor=by, target=person, reason=reason, merged_records=len(people) - 1)


def last_activity_subquery():
    """person_id -> the latest of: created, registered, checked in (merged records count for the survivor)."""
    owner = func.coalesce(Person.merged_into_id, Person.id)
    parts = union_all(
        select(owner.label("pid"), Person.updated_at.label("at")),
        select(owner.label("pid"), Registration.created_at.label("at")).join(
            Person, Person.id == Registration.person_id
        ),
        select(owner.label("pid"), CheckIn.checked_in_at.label("at")).join(Person, Person.id == CheckIn.person_id),
    ).subquery()
    return select(parts.c.pid, func.max(parts.c.at).label("last_at")).group_by(parts.c.pid).subquery()


def inactive_people(years: int, now: datetime | None = None) -> list[Person]:
    """People (not already erased, not merged away, without a login) with no activity for `years` years."""
    cutoff = (now or utcnow()) - timedelta(days=round(365.25 * years))
    last = last_activity_subquery()
    stmt = (
        select(Person)
        .join(last, last.c.pid == Person.id)
        .where(
            Person.erased_at.is_(None),
            Person.merged_into_id.is_(None),
            last.c.last_at < cutoff,
            ~select(User.id).where(User.person_id == Person.id).exists(),
        )
        .options(selectinload(Person.lea))
        .order_by(Person.id)
    )
    return list(db.session.scalars(stmt))


def purge_inactive(years: int, *, now: datetime | None = None) -> int:
    """Erase the identity of everyone inactive for `years` years; returns how many. Idempotent."""
    people = inactive_people(years, now)
    for person in people:
        erase_person(person, reason=f"retention: inactive {years} years")
    return len(people)
