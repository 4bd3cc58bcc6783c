"""Rules for learning opportunities: create, edit (with sessions), publish, cancel, archive.

Pages and the API both build an OpportunityInput and call these functions, so every rule and every
message lives here. Services flush; the caller commits. Field names in ValidationFailed.fields are
those of the API (`title`, `sessions.0.ends_at`, ...); the staff form maps them onto its inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import outbox
from ..audit.services import record
from ..auth.models import USER_ROLES, User
from ..db import lock_row_for_update
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..localtime import as_aware, local_to_utc, to_local  # noqa: F401  (callers use services.<name>)
from .models import MODALITIES, OPPORTUNITY_KINDS, LearningOpportunity, OpportunityTopic, Session

FACILITATOR_ROLES = USER_ROLES  # facilitator, staff, admin may all run a session
MAX_SESSIONS = 100
MAX_TOPICS = 20
TOPIC_MAX_LENGTH = 60
PD_HOURS_MAX = Decimal("100")


@dataclass
class SessionInput:
    """One session as given by a form or the API. `id` names an existing session to edit."""

    starts_at: datetime | None
    ends_at: datetime | None
    venue: str | None = None
    virtual_url: str | None = None
    id: int | None = None


@dataclass
class OpportunityInput:
    """Every editable field. capacity and pd_hours may come as text (forms) or numbers (API)."""

    title: str
    kind: str
    modality: str
    sessions: list[SessionInput]
    summary: str = ""
    description: str = ""
    subregion: int | str | None = None
    audience: str = ""
    topics: list[str] = field(default_factory=list)
    capacity: int | str | None = None
    pd_hours: Decimal | float | int | str | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    facilitators: list[int | str] = field(default_factory=list)  # user ids or e-mails


# --- validation ----------------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(_("Please correct the fields marked below."), fields=self.fields)


def is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in value)


def _text(value: str | None) -> str:
    return (value or "").strip()


def _parse_subregion(value, errors: _Errors) -> int | None:
    if value is None or (isinstance(value, str) and value.strip() in ("", "countywide")):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if isinstance(value, bool) or number is None or str(number) != str(value).strip() or not 1 <= number <= 8:
        errors.add("subregion", _("Choose a subregion from 1 to 8, or countywide."))
        return None
    return number


def _parse_capacity(value, errors: _Errors) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    message = _("Capacity is a whole number of seats greater than zero, or empty for unlimited.")
    if isinstance(value, bool):
        errors.add("capacity", message)
        return None
    if isinstance(value, int):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value)
    ):
        number = int(value)
    else:
        errors.add("capacity", message)
        return None
    if number <= 0:
        errors.add("capacity", message)
        return None
    if number > 100000:
        errors.add("capacity", _("Capacity can be at most 100,000 seats."))
        return None
    return number


def _parse_pd_hours(value, errors: _Errors) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0")
    message = _("PD hours is a number from 0 to 100 with at most two decimals, like 2.5.")
    if isinstance(value, bool):
        errors.add("pd_hours", message)
        return Decimal("0")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors.add("pd_hours", message)
        return Decimal("0")
    if not number.is_finite() or number < 0 or number > PD_HOURS_MAX or number != number.quantize(Decimal("0.01")):
        errors.add("pd_hours", message)
        return Decimal("0")
    return number.quantize(Decimal("0.01"))


def normalize_topic(value: str) -> str:
    """Pillar codes stay as they are; a free tag is trimmed, lower-cased, single-spaced."""
    return " ".join(str(value).split()).lower()


def _parse_topics(values, errors: _Errors) -> list[str]:
    topics: list[str] = []
    for raw in values or []:
        topic = normalize_topic(raw)
        if not topic:
            continue
        if len(topic) > TOPIC_MAX_LENGTH:
            errors.add("topics", _("A tag can be at most %(n)d characters: %(t)s", n=TOPIC_MAX_LENGTH, t=topic[:30]))
            continue
        if topic not in topics:
            topics.append(topic)
    if len(topics) > MAX_TOPICS:
        errors.add("topics", _("Give at most %(n)d topics and tags.", n=MAX_TOPICS))
    return topics


def _resolve_facilitators(values, errors: _Errors) -> list[User]:
    users: list[User] = []
    ids = [v for v in values or [] if isinstance(v, int) and not isinstance(v, bool)]
    emails = [str(v).strip().lower() for v in values or [] if isinstance(v, str) and v.strip()]
    found: dict = {}
    if ids:
        found.update({u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))})
    if emails:
        found.update(
            {u.email.lower(): u for u in db.session.scalars(select(User).where(func.lower(User.email).in_(emails)))}
        )
    for key in [*ids, *emails]:
        user = found.get(key)
        if user is None:
            errors.add("facilitators", _("No account is registered as %(who)s.", who=key))
        elif user.role not in FACILITATOR_ROLES or not user.active:
            errors.add("facilitators", _("%(who)s cannot facilitate (inactive or not a facilitator).", who=user.email))
        elif user not in users:
            users.append(user)
    return users


def _validate(data: OpportunityInput, errors: _Errors) -> dict:
    """Check every field; return the cleaned values (errors collected, not raised)."""
    clean: dict = {}
    title = _text(data.title)
    if not title:
        errors.add("title", _("Give the learning opportunity a title."))
    elif len(title) > 200:
        errors.add("title", _("The title can be at most 200 characters (it has %(n)d).", n=len(title)))
    clean["title"] = title
    summary = _text(data.summary)
    if len(summary) > 500:
        errors.add("summary", _("The summary can be at most 500 characters (it has %(n)d).", n=len(summary)))
    clean["summary"] = summary
    description = (data.description or "").strip()
    if len(description) > 20000:
        errors.add("description", _("The description can be at most 20,000 characters."))
    clean["description"] = description
    audience = _text(data.audience)
    if len(audience) > 300:
        errors.add("audience", _("The audience can be at most 300 characters."))
    clean["audience"] = audience
    if data.kind not in OPPORTUNITY_KINDS:
        errors.add("kind", _("Choose a kind from the list."))
    clean["kind"] = data.kind
    if data.modality not in MODALITIES:
        errors.add("modality", _("Choose in person, virtual or hybrid."))
    clean["modality"] = data.modality
    clean["subregion"] = _parse_subregion(data.subregion, errors)
    clean["capacity"] = _parse_capacity(data.capacity, errors)
    clean["pd_hours"] = _parse_pd_hours(data.pd_hours, errors)
    clean["topics"] = _parse_topics(data.topics, errors)
    clean["facilitators"] = _resolve_facilitators(data.facilitators, errors)

    sessions: list[dict] = []
    if not data.sessions:
        errors.add("sessions", _("Add at least one session with its date and times."))
    if len(data.sessions) > MAX_SESSIONS:
        errors.add("sessions", _("An opportunity can have at most %(n)d sessions.", n=MAX_SESSIONS))
    needs_venue = data.modality in ("in_person", "hybrid")
    for index, item in enumerate(data.sessions[:MAX_SESSIONS]):
        prefix = f"sessions.{index}."
        row = {"id": item.id}
        if item.starts_at is None:
            errors.add(prefix + "starts_at", _("Give the date and time the session starts."))
        if item.ends_at is None:
            errors.add(prefix + "ends_at", _("Give the time the session ends."))
        starts = as_aware(item.starts_at) if item.starts_at else None
        ends = as_aware(item.ends_at) if item.ends_at else None
        if starts and ends and ends <= starts:
            errors.add(prefix + "ends_at", _("The session must end after it starts."))
        row["starts_at"], row["ends_at"] = starts, ends
        venue = _text(item.venue) or None
        if venue and len(venue) > 300:
            errors.add(prefix + "venue", _("The venue can be at most 300 characters."))
        if needs_venue and not venue:
            errors.add(prefix + "venue", _("An in-person or hybrid session needs a venue (a place and address)."))
        row["venue"] = venue
        url = _text(item.virtual_url) or None
        if url and (len(url) > 500 or not is_web_url(url)):
            errors.add(prefix + "virtual_url", _("The meeting link must be a web address starting with https://"))
        row["virtual_url"] = url
        sessions.append(row)
    clean["sessions"] = sessions

    opens = as_aware(data.registration_opens_at) if data.registration_opens_at else None
    closes = as_aware(data.registration_closes_at) if data.registration_closes_at else None
    if opens and closes and opens >= closes:
        errors.add("registration_opens_at", _("Registration must open before it closes."))
    ends = [s["ends_at"] for s in sessions if s["ends_at"]]
    if closes and ends and closes > max(ends):
        errors.add(
            "registration_closes_at",
            _("Registration must close no later than the end of the last session."),
        )
    clean["registration_opens_at"], clean["registration_closes_at"] = opens, closes
    return clean


# --- writes --------------------------------------------------------------------------------------


def _apply(opp: LearningOpportunity, clean: dict) -> None:
    for name in (
        "title",
        "summary",
        "description",
        "audience",
        "kind",
        "modality",
        "subregion",
        "capacity",
        "pd_hours",
        "registration_opens_at",
        "registration_closes_at",
    ):
        setattr(opp, name, clean[name])
    wanted = clean["topics"]
    opp.topic_rows = [row for row in opp.topic_rows if row.topic in wanted] + [
        OpportunityTopic(topic=t) for t in wanted if t not in {row.topic for row in opp.topic_rows}
    ]
    opp.facilitators = list(clean["facilitators"])


def validate_input(data: OpportunityInput) -> None:
    """Raise ValidationFailed with every field's message, writing nothing."""
    errors = _Errors()
    _validate(data, errors)
    errors.raise_if_any()


def create_opportunity(data: OpportunityInput, *, actor: User | None = None) -> LearningOpportunity:
    """A new draft opportunity with its sessions."""
    errors = _Errors()
    clean = _validate(data, errors)
    for index, row in enumerate(clean["sessions"]):
        if row["id"] is not None:
            errors.add(f"sessions.{index}.id", _("A new opportunity has no existing sessions to edit."))
    errors.raise_if_any()
    opp = LearningOpportunity(status="draft", created_by_id=getattr(actor, "id", None))
    _apply(opp, clean)
    opp.sessions = [
        Session(starts_at=r["starts_at"], ends_at=r["ends_at"], venue=r["venue"], virtual_url=r["virtual_url"])
        for r in clean["sessions"]
    ]
    db.session.add(opp)
    db.session.flush()
    record("opportunity_created", actor=actor, target=opp, title=opp.title)
    return opp


def _sessions_with_attendance(session_ids: list[int]) -> set[int]:
    from ..checkin.models import CheckIn, ScanAnswer

    if not session_ids:
        return set()
    used = set(db.session.scalars(select(CheckIn.session_id).where(CheckIn.session_id.in_(session_ids))))
    used |= set(db.session.scalars(select(ScanAnswer.session_id).where(ScanAnswer.session_id.in_(session_ids))))
    return used


def update_opportunity(
    opp: LearningOpportunity, data: OpportunityInput, *, actor: User | None = None
) -> LearningOpportunity:
    """Edit every field. `data.sessions` is the full list: items with an id edit that session, items
    without one are added, and sessions left out are removed (unless people checked in to them).
    Raising (or removing) the capacity confirms the first waitlisted people at once; lowering it below
    the number already confirmed is refused."""
    from ..registrations.services import confirmed_count, fill_from_waitlist

    errors = _Errors()
    clean = _validate(data, errors)
    existing = {s.id: s for s in opp.sessions}
    kept: set[int] = set()
    for index, row in enumerate(clean["sessions"]):
        if row["id"] is None:
            continue
        if row["id"] not in existing:
            errors.add(f"sessions.{index}.id", _("Session %(id)s is not part of this opportunity.", id=row["id"]))
        elif row["id"] in kept:
            errors.add(f"sessions.{index}.id", _("Session %(id)s is listed twice.", id=row["id"]))
        kept.add(row["id"])
    removed = [sid for sid in existing if sid not in kept]
    blocked = _sessions_with_attendance(removed)
    for sid in sorted(blocked):
        when = to_local(existing[sid].starts_at)
        errors.add(
            "sessions",
            _(
                "The session of %(when)s has check-ins, so it cannot be removed.",
                when=when.strftime("%Y-%m-%d %H:%M"),
            ),
        )
    errors.raise_if_any()

    old_capacity = opp.capacity
    new_capacity = clean["capacity"]
    capacity_changed = new_capacity != old_capacity
    if capacity_changed:
        lock_row_for_update(db.session, "opportunities", opp.id)
        if new_capacity is not None:
            confirmed = confirmed_count(opp.id)
            if new_capacity < confirmed:
                raise ValidationFailed(
                    _("Capacity cannot go below the %(n)d people already confirmed.", n=confirmed),
                    fields={
                        "capacity": [
                            _(
                                "%(n)d people are already confirmed: set a capacity of at least %(n)d, "
                                "or cancel registrations first.",
                                n=confirmed,
                            )
                        ]
                    },
                )

    _apply(opp, clean)
    keep_rows = []
    for row in clean["sessions"]:
        target = existing[row["id"]] if row["id"] is not None else Session()
        target.starts_at, target.ends_at = row["starts_at"], row["ends_at"]
        target.venue, target.virtual_url = row["venue"], row["virtual_url"]
        keep_rows.append(target)
    opp.sessions = sorted(keep_rows, key=lambda s: s.starts_at)
    db.session.flush()
    if capacity_changed:
        record("opportunity_capacity_changed", actor=actor, target=opp, old=old_capacity, new=new_capacity)
        if new_capacity is None or old_capacity is None or new_capacity > old_capacity:
            fill_from_waitlist(opp)
    return opp


# --- status --------------------------------------------------------------------------------------


def publish(opp: LearningOpportunity, *, actor: User | None = None) -> LearningOpportunity:
    if opp.status != "draft":
        raise Conflict(
            _("Only a draft can be published; this one is %(s)s.", s=_status_word(opp.status)),
            code="bad_transition",
        )
    if not opp.sessions:
        raise ValidationFailed(
            _("Add at least one session before publishing."), fields={"sessions": [_("Add at least one session.")]}
        )
    opp.status = "published"
    db.session.flush()
    record("opportunity_published", actor=actor, target=opp)
    return opp


def cancel(opp: LearningOpportunity, *, actor: User | None = None, reason: str = "") -> LearningOpportunity:
    if opp.status != "published":
        raise Conflict(
            _("Only a published opportunity can be cancelled; this one is %(s)s.", s=_status_word(opp.status)),
            code="bad_transition",
        )
    opp.status = "cancelled"
    db.session.flush()
    record("opportunity_cancelled", actor=actor, target=opp, reason=reason[:500])
    # Everyone confirmed or waitlisted is told by e-mail after the commit (notifications.handlers).
    outbox.enqueue(db.session, "opportunity_cancelled", opportunity_id=opp.id, reason=reason[:500])
    return opp


def archive(opp: LearningOpportunity, *, actor: User | None = None) -> LearningOpportunity:
    if opp.status == "archived":
        raise Conflict(_("This opportunity is already archived."), code="bad_transition")
    was = opp.status
    opp.status = "archived"
    db.session.flush()
    record("opportunity_archived", actor=actor, target=opp, was=was)
    return opp


TRANSITIONS = {"published": publish, "cancelled": cancel, "archived": archive}


def change_status(opp: LearningOpportunity, status: str, *, actor: User | None = None) -> LearningOpportunity:
    """Move to `status` through the one allowed transition (no-op when already there)."""
    if status == opp.status:
        return opp
    action = TRANSITIONS.get(status)
    if action is None:
        raise Conflict(
            _("An opportunity cannot go back to %(s)s.", s=_status_word(status)),
            code="bad_transition",
        )
    return action(opp, actor=actor)


def _status_word(status: str) -> str:
    from ..labels import label

    return label(status).lower()


def input_from(opp: LearningOpportunity) -> OpportunityInput:
    """The current values of an opportunity as an input (the base a partial update starts from)."""
    return OpportunityInput(
        title=opp.title,
        summary=opp.summary or "",
        description=opp.description or "",
        kind=opp.kind,
        modality=opp.modality,
        subregion=opp.subregion,
        audience=opp.audience or "",
        topics=list(opp.topics),
        capacity=opp.capacity,
        pd_hours=opp.pd_hours,
        registration_opens_at=opp.registration_opens_at,
        registration_closes_at=opp.registration_closes_at,
        facilitators=[u.id for u in opp.facilitators],
        sessions=[SessionInput(s.starts_at, s.ends_at, s.venue, s.virtual_url, id=s.id) for s in opp.sessions],
    )
