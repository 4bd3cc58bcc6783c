"""Support activity rules: validate, create, update, delete. Services flush; callers commit.

Every door (the staff form, the JSON API, the CSV import) fills a `SupportInput` and calls the functions
below, so a rule lives in one place. References may be given as ids (the form) or as codes (the API and
the import): the LEA as an id, a 7-digit CD code or its exact name; schools as ids or 14-digit CDS codes;
staff as User ids or e-mails; contacts as Person ids or e-mails.

Validation collects every problem at once and raises `ValidationFailed` with per-field messages under
the keys occurred_on, lea, schools, kind, modality, duration, staff, contacts, topics, notes. Nothing is
stored when it raises.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import localtime
from ..audit.services import record
from ..auth.models import User
from ..directory.models import Lea, School
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..opportunities.models import PILLARS
from ..people.models import Person, normalize_email
from ..registrations.people_lookup import survivor
from .models import SUPPORT_KINDS, SUPPORT_MODALITIES, SupportActivity

MAX_MINUTES = 24 * 60  # one activity is at most a day's work
EARLIEST_DATE = date(2000, 1, 1)
MAX_NOTES = 5000
MAX_TOPICS_CHARS = 300
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

Ref = int | str


@dataclass
class SupportInput:
    occurred_on: date | None
    lea: Ref | None
    kind: str | None
    modality: str | None
    duration_minutes: int | None
    schools: Sequence[Ref] = field(default_factory=list)
    staff: Sequence[Ref] = field(default_factory=list)
    contacts: Sequence[Ref] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    notes: str = ""


@dataclass
class Resolved:
    """A validated SupportInput: the rows it refers to, ready to store."""

    occurred_on: date
    lea: Lea
    schools: list[School]
    kind: str
    modality: str
    duration_minutes: int
    staff: list[User]
    contacts: list[Person]
    topics: list[str]
    notes: str


# --- small parsers shared by the form, the API and the import -------------------------------------------


local_today = localtime.local_today


def latest_allowed_date(today: date | None = None) -> date:
    """Today + 1 year (28 February when today is 29 February)."""
    today = today or local_today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def minutes_from(value, unit: str = "minutes") -> int:
    """A duration typed as minutes (whole number) or hours (decimals allowed) -> whole minutes.

    Raises ValueError with a message for people on anything else (the caller files it under "duration")."""
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValueError(_("Enter a duration."))
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation as err:
        raise ValueError(_("Enter the duration as a number.")) from err
    if not number.is_finite():
        raise ValueError(_("Enter the duration as a number."))
    if unit == "hours":
        minutes = (number * 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    elif unit == "minutes":
        if number != number.to_integral_value():
            raise ValueError(_("Enter whole minutes, or choose hours to use decimals."))
        minutes = number
    else:
        raise ValueError(_("Choose minutes or hours."))
    if minutes <= 0:
        raise ValueError(_("The duration must be more than zero."))
    if minutes > MAX_MINUTES:
        raise ValueError(_("The duration must be at most 24 hours; log longer work as several activities."))
    return int(minutes)


def hours_of(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def split_topics(text: str | None) -> list[str]:
    """Free text (spaces, commas or semicolons between topics) -> a list of raw topic words."""
    return [t for t in re.split(r"[\s,;]+", text or "") if t]


def normalize_topics(topics: list[str]) -> tuple[list[str], list[str]]:
    """-> (pillars first in their order, then free tags sorted; errors). Tags are lower-case words of
    letters, digits, '-' or '_' (at most 40 characters)."""
    errors: list[str] = []
    seen: set[str] = set()
    for raw in topics:
        value = str(raw).strip().lower()
        if not value:
            continue
        if value in PILLARS or TAG_RE.match(value):
            seen.add(value)
        else:
            errors.append(
                _(
                    "“%(t)s” is not a topic: use a pillar or a one-word tag (letters, digits, - or _).",
                    t=str(raw)[:60],
                )
            )
    ordered = [p for p in PILLARS if p in seen] + sorted(seen - set(PILLARS))
    if len(" ".join(ordered)) > MAX_TOPICS_CHARS:
        errors.append(_("Too many topics: at most %(n)d characters in all.", n=MAX_TOPICS_CHARS))
    return ordered, errors


# --- reference lookups ------------------------------------------------------------------------------------


def _is_id(ref) -> bool:
    return isinstance(ref, int) and not isinstance(ref, bool)


def find_lea(ref: Ref) -> tuple[Lea | None, str | None]:
    """An LEA by id, CD code or exact name (case-insensitive) -> (lea, error)."""
    if _is_id(ref):
        lea = db.session.get(Lea, ref)
        return (lea, None) if lea else (None, _("Unknown LEA."))
    text = str(ref).strip()
    if not text:
        return None, _("Choose the LEA.")
    if text.isdigit():
        lea = db.session.scalar(select(Lea).where(Lea.cd_code == text))
        return (lea, None) if lea else (None, _("No LEA has the CD code %(c)s.", c=text))
    matches = db.session.scalars(select(Lea).where(func.lower(Lea.name) == text.lower()).limit(2)).all()
    if len(matches) == 1:
        return matches[0], None
    if matches:
        return None, _("Several LEAs are named “%(n)s”: use the CD code.", n=text)
    return None, _("No LEA is named “%(n)s” (use its exact name or CD code).", n=text)


def _find_many(model, refs: list[Ref], code_column, *, normalize=lambda v: v.strip()) -> tuple[list, list[Ref]]:
    """Rows for ids or codes, in the order given, without repeats; -> (rows, refs not found)."""
    ids = {r for r in refs if _is_id(r)}
    codes = {normalize(str(r)) for r in refs if not _is_id(r)}
    by_id, by_code = {}, {}
    if ids:
        by_id = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}
    if codes:
        by_code = {
            getattr(row, code_column.key): row
            for row in db.session.scalars(select(model).where(code_column.in_(codes)))
        }
    rows, missing, seen = [], [], set()
    for ref in refs:
        row = by_id.get(ref) if _is_id(ref) else by_code.get(normalize(str(ref)))
        if row is None:
            missing.append(ref)
        elif row.id not in seen:
            seen.add(row.id)
            rows.append(row)
    return rows, missing


def _resolve_contacts(refs: list[Ref]) -> tuple[list[Person], list[Ref]]:
    people, missing = _find_many(Person, refs, Person.email, normalize=normalize_email)
    result, seen = [], set()
    for person in people:
        person = survivor(person)  # a merged duplicate stands for its surviving person
        if person is not None and person.id not in seen:
            seen.add(person.id)
            result.append(person)
    return result, missing


def _missing_text(refs: list[Ref]) -> str:
    return ", ".join(str(r) for r in refs[:5]) + ("…" if len(refs) > 5 else "")


# --- validation -------------------------------------------------------------------------------------------


def validate(data: SupportInput, today: date | None = None) -> Resolved:
    """Every rule at once; -> the rows to store, or ValidationFailed with a message per field."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, *messages: str | None) -> None:
        for message in messages:
            if message:
                errors.setdefault(name, []).append(message)

    fail("occurred_on", _date_problem(data.occurred_on, today or local_today()))
    lea, why = _required_lea(data.lea)
    fail("lea", why)
    schools, missing = _find_many(School, list(data.schools), School.cds_code)
    fail("schools", _missing_problem(_("Unknown school(s): %(s)s."), missing), *_schools_outside(schools, lea))
    fail("kind", None if data.kind in SUPPORT_KINDS else _("Choose one of the listed kinds."))
    fail("modality", None if data.modality in SUPPORT_MODALITIES else _("Choose on-site, virtual or phone."))
    fail("duration", _duration_problem(data.duration_minutes))
    staff, missing = _find_many(User, list(data.staff), User.email, normalize=normalize_email)
    fail("staff", _missing_problem(_("No account for: %(s)s."), missing))
    contacts, missing = _resolve_contacts(list(data.contacts))
    fail("contacts", _missing_problem(_("Not in the directory of people: %(s)s."), missing))
    topics, topic_errors = normalize_topics(list(data.topics))
    fail("topics", *topic_errors)
    notes = (data.notes or "").strip()
    fail("notes", _("Notes are limited to %(n)d characters.", n=MAX_NOTES) if len(notes) > MAX_NOTES else None)
    if errors:
        raise ValidationFailed(_("Some fields need attention."), fields=errors)
    assert data.occurred_on is not None and lea is not None and data.kind is not None  # checked above
    assert data.modality is not None and data.duration_minutes is not None
    return Resolved(
        occurred_on=data.occurred_on,
        lea=lea,
        schools=schools,
        kind=data.kind,
        modality=data.modality,
        duration_minutes=data.duration_minutes,
        staff=staff,
        contacts=contacts,
        topics=topics,
        notes=notes,
    )


def _date_problem(occurred_on: date | None, today: date) -> str | None:
    if occurred_on is None:
        return _("Enter the date of the activity.")
    if occurred_on > latest_allowed_date(today):
        return _("The date %(d)s is more than a year from today: check the year.", d=occurred_on.isoformat())
    if occurred_on < EARLIEST_DATE:
        return _("The date %(d)s is too far in the past: check the year.", d=occurred_on.isoformat())
    return None


def _required_lea(ref: Ref | None) -> tuple[Lea | None, str | None]:
    if ref is None or (isinstance(ref, str) and not ref.strip()):
        return None, _("Choose the LEA: it is required.")
    return find_lea(ref)


def _schools_outside(schools: list[School], lea: Lea | None) -> list[str]:
    """A message for each school that is not one of the LEA's (none when the LEA is unknown)."""
    if lea is None:
        return []
    return [
        _("%(s)s (%(c)s) is not a school of %(l)s.", s=school.name, c=school.cds_code, l=lea.name)
        for school in schools
        if school.lea_id != lea.id
    ]


def _duration_problem(minutes: int | None) -> str | None:
    if minutes is None:
        return _("Enter a duration.")
    if not _is_id(minutes):
        return _("Enter the duration as whole minutes.")
    if minutes <= 0:
        return _("The duration must be more than zero.")
    if minutes > MAX_MINUTES:
        return _("The duration must be at most 24 hours; log longer work as several activities.")
    return None


def _missing_problem(message: str, missing: list[Ref]) -> str | None:
    """`message` with the first of the references not found (as %(s)s), or None when all were found."""
    return message % {"s": _missing_text(missing)} if missing else None


# --- permissions ------------------------------------------------------------------------------------------


def can_log(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_staff", False))


def can_edit(user, activity: SupportActivity) -> bool:
    """Admins edit any activity; staff the ones they created or are listed on; nobody else."""
    if not can_log(user):
        return False
    if user.is_admin:
        return True
    return activity.created_by_id == user.id or any(u.id == user.id for u in activity.staff)


def _require_log(user) -> None:
    if user is not None and not can_log(user):
        raise Forbidden(_("Only R-TAC staff log support activities."))


def _require_edit(user, activity: SupportActivity) -> None:
    if not can_edit(user, activity):
        raise Forbidden(_("You may change only the support activities you logged or took part in."))


# --- writes -----------------------------------------------------------------------------------------------


def _apply(activity: SupportActivity, r: Resolved) -> None:
    activity.occurred_on = r.occurred_on
    activity.lea = r.lea
    activity.schools = r.schools
    activity.kind = r.kind
    activity.modality = r.modality
    activity.duration_minutes = r.duration_minutes
    activity.staff = r.staff
    activity.contacts = r.contacts
    activity.topics = " ".join(r.topics)
    activity.notes = r.notes


def create_activity(data: SupportInput, by: User | None, *, import_key: str | None = None) -> SupportActivity:
    """Log a new activity. `by` is the signed-in user or token owner (None only for the CLI import)."""
    _require_log(by)
    resolved = validate(data)
    activity = SupportActivity(created_by=by, import_key=import_key)
    _apply(activity, resolved)
    db.session.add(activity)
    db.session.flush()
    return activity


def update_activity(activity: SupportActivity, data: SupportInput, by: User) -> SupportActivity:
    _require_edit(by, activity)
    resolved = validate(data)
    _apply(activity, resolved)
    db.session.flush()
    return activity


def delete_activity(activity: SupportActivity, by: User) -> None:
    """Delete and record who deleted what (the audit event keeps the essentials)."""
    _require_edit(by, activity)
    record(
        "support_activity_deleted",
        actor=by,
        target=activity,
        occurred_on=activity.occurred_on.isoformat(),
        lea=activity.lea.cd_code,
        kind=activity.kind,
        modality=activity.modality,
        duration_minutes=activity.duration_minutes,
        staff=[u.email for u in activity.staff],
        created_by=activity.created_by.email if activity.created_by else None,
    )
    db.session.delete(activity)
    db.session.flush()


def input_from_activity(activity: SupportActivity) -> SupportInput:
    """The input that would store this activity again (the edit form starts from it)."""
    return SupportInput(
        occurred_on=activity.occurred_on,
        lea=activity.lea_id,
        kind=activity.kind,
        modality=activity.modality,
        duration_minutes=activity.duration_minutes,
        schools=[s.id for s in activity.schools],
        staff=[u.id for u in activity.staff],
        contacts=[p.id for p in activity.contacts],
        topics=activity.topics.split(),
        notes=activity.notes,
    )
