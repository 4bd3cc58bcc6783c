"""Input for learning opportunities and its validation: the dataclasses pages and the API fill in, and the
checks that turn them into clean values. Field names in the error messages' keys are those of the API
(`title`, `sessions.0.ends_at`, ...); the staff form maps them onto its inputs. Nothing here writes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..auth.models import USER_ROLES, User
from ..errors import ValidationFailed
from ..extensions import db
from ..localtime import DateOutOfRange, as_aware
from .models import MODALITIES, OPPORTUNITY_KINDS, LearningOpportunity

FACILITATOR_ROLES = USER_ROLES  # facilitator, staff, admin may all run a session
MAX_SESSIONS = 100
TITLE_MAX_LENGTH = 200
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


class FieldErrors:
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


def _parse_subregion(value, errors: FieldErrors) -> int | None:
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


def _parse_capacity(value, errors: FieldErrors) -> int | None:
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


def _parse_pd_hours(value, errors: FieldErrors) -> Decimal:
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


def _parse_topics(values, errors: FieldErrors) -> list[str]:
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


def _resolve_facilitators(values, errors: FieldErrors) -> list[User]:
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


def clean_input(data: OpportunityInput, errors: FieldErrors) -> dict:
    """Check every field; return the cleaned values (errors collected, not raised)."""
    clean: dict = _clean_texts(data, errors)
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
    clean["sessions"] = _clean_sessions(data, errors)
    clean["registration_opens_at"], clean["registration_closes_at"] = _registration_window(
        data, clean["sessions"], errors
    )
    return clean


def _clean_texts(data: OpportunityInput, errors: FieldErrors) -> dict:
    """Title, summary, description and audience, trimmed and within their lengths."""
    title = _text(data.title)
    if not title:
        errors.add("title", _("Give the learning opportunity a title."))
    elif len(title) > TITLE_MAX_LENGTH:
        errors.add("title", _("The title can be at most 200 characters (it has %(n)d).", n=len(title)))
    elif any(unicodedata.category(char) == "Cc" for char in title):
        # A line break or another control character would break e-mail subjects and calendar titles.
        errors.add("title", _("The title must be one line, without line breaks, tabs or other control characters."))
    summary = _text(data.summary)
    if len(summary) > 500:
        errors.add("summary", _("The summary can be at most 500 characters (it has %(n)d).", n=len(summary)))
    description = (data.description or "").strip()
    if len(description) > 20000:
        errors.add("description", _("The description can be at most 20,000 characters."))
    audience = _text(data.audience)
    if len(audience) > 300:
        errors.add("audience", _("The audience can be at most 300 characters."))
    return {"title": title, "summary": summary, "description": description, "audience": audience}


def _clean_sessions(data: OpportunityInput, errors: FieldErrors) -> list[dict]:
    if not data.sessions:
        errors.add("sessions", _("Add at least one session with its date and times."))
    if len(data.sessions) > MAX_SESSIONS:
        errors.add("sessions", _("An opportunity can have at most %(n)d sessions.", n=MAX_SESSIONS))
    needs_venue = data.modality in ("in_person", "hybrid")
    return [
        _clean_session(item, f"sessions.{index}.", needs_venue, errors)
        for index, item in enumerate(data.sessions[:MAX_SESSIONS])
    ]


def _clean_session(item: SessionInput, prefix: str, needs_venue: bool, errors: FieldErrors) -> dict:
    """One session's times (aware UTC), venue and link; errors under `prefix` + field."""
    if item.starts_at is None:
        errors.add(prefix + "starts_at", _("Give the date and time the session starts."))
    if item.ends_at is None:
        errors.add(prefix + "ends_at", _("Give the time the session ends."))
    starts = _aware(item.starts_at, errors, prefix + "starts_at")
    ends = _aware(item.ends_at, errors, prefix + "ends_at")
    if starts and ends and ends <= starts:
        errors.add(prefix + "ends_at", _("The session must end after it starts."))
    venue = _text(item.venue) or None
    if venue and len(venue) > 300:
        errors.add(prefix + "venue", _("The venue can be at most 300 characters."))
    if needs_venue and not venue:
        errors.add(prefix + "venue", _("An in-person or hybrid session needs a venue (a place and address)."))
    url = _text(item.virtual_url) or None
    if url and (len(url) > 500 or not is_web_url(url)):
        errors.add(prefix + "virtual_url", _("The meeting link must be a web address starting with https://"))
    return {"id": item.id, "starts_at": starts, "ends_at": ends, "venue": venue, "virtual_url": url}


def _registration_window(
    data: OpportunityInput, sessions: list[dict], errors: FieldErrors
) -> tuple[datetime | None, datetime | None]:
    """When registration opens and closes (aware UTC): opens before it closes, closes by the last session's end."""
    opens = _aware(data.registration_opens_at, errors, "registration_opens_at")
    closes = _aware(data.registration_closes_at, errors, "registration_closes_at")
    if opens and closes and opens >= closes:
        errors.add("registration_opens_at", _("Registration must open before it closes."))
    ends = [s["ends_at"] for s in sessions if s["ends_at"]]
    if closes and ends and closes > max(ends):
        errors.add(
            "registration_closes_at",
            _("Registration must close no later than the end of the last session."),
        )
    return opens, closes


def _aware(value: datetime | None, errors: FieldErrors, name: str) -> datetime | None:
    """The moment in UTC; None (with the field's message) when absent or outside the dates accepted."""
    if value is None:
        return None
    try:
        return as_aware(value)
    except DateOutOfRange as err:
        errors.add(name, err.message)
        return None


def validate_input(data: OpportunityInput) -> None:
    """Raise ValidationFailed with every field's message, writing nothing."""
    errors = FieldErrors()
    clean_input(data, errors)
    errors.raise_if_any()


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
