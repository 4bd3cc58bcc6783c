"""Group messages: staff and an opportunity's facilitators e-mail the confirmed, waitlisted, attended or no-show
people of one session or of the whole opportunity. The text may come with translations; each person gets the one
in their language when given, else the main text. Every message goes through the transactional outbox (one
outbox row per person) and is recorded in the audit trail. The form's idempotency key is unique in the table:
the same form sent twice (a double click) sends nothing the second time."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError

from .. import outbox
from ..audit.services import record
from ..checkin.models import CheckIn
from ..extensions import db
from ..opportunities.models import LearningOpportunity, Session
from ..people.models import Person
from ..registrations.models import Registration
from .models import GroupMessage, GroupMessageRecipient


class Audience(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    ATTENDED = "attended"
    NO_SHOWS = "no_shows"


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


@dataclass
class Draft:
    opportunity: LearningOpportunity
    session: Session | None
    audience: Audience
    text: Text
    translations: dict[str, Text] = field(default_factory=dict)  # language -> text

    def text_for(self, language: str) -> Text:
        return self.translations.get(language, self.text)

    def language_for(self, person_language: str | None) -> str:
        """The language a person gets: theirs when a translation is given, else the main text's."""
        if person_language and person_language in self.translations:
            return person_language
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


@dataclass(frozen=True)
class Recipient:
    person_id: int
    name: str
    email: str
    language: str


@dataclass
class SendOutcome:
    message: GroupMessage
    created: bool  # False: this form was sent already (same idempotency key); nothing was sent again


def _session_ids(draft: Draft) -> list[int]:
    if draft.session is not None:
        return [draft.session.id]
    return [s.id for s in draft.opportunity.sessions]


def recipients(draft: Draft) -> list[Recipient]:
    """The people of the group who have an e-mail address, sorted by last name."""
    attended = exists().where(
        and_(
            CheckIn.person_id == Person.id,
            CheckIn.session_id.in_(_session_ids(draft)),
            CheckIn.undone_at.is_(None),
        )
    )
    status = {Audience.WAITLISTED: "waitlisted", Audience.ATTENDED: None}.get(draft.audience, "confirmed")
    stmt = (
        select(Person.id, Person.first_name, Person.last_name, Person.email, Person.preferred_language)
        .join(Registration, Registration.person_id == Person.id)
        .where(Registration.opportunity_id == draft.opportunity.id, Person.email.is_not(None))
        .order_by(func.lower(Person.last_name), func.lower(Person.first_name), Person.id)
    )
    if status is not None:
        stmt = stmt.where(Registration.status == status)
    if draft.audience is Audience.ATTENDED:
        stmt = stmt.where(attended)
    elif draft.audience is Audience.NO_SHOWS:
        stmt = stmt.where(~attended)
    return [
        Recipient(pid, f"{first} {last}".strip(), email, draft.language_for(language))
        for pid, first, last, email, language in db.session.execute(stmt)
    ]


def find_sent(key: str) -> GroupMessage | None:
    return db.session.scalar(select(GroupMessage).where(GroupMessage.idempotency_key == key))


def send_group_message(draft: Draft, key: str, sender) -> SendOutcome:
    """Store the message, one recipient row and one outbox e-mail per person, and an audit event. The same key
    again (sent before, or at this moment by another request) sends nothing. Flush only."""
    earlier = find_sent(key)
    if earlier is not None:
        return SendOutcome(earlier, created=False)
    people = recipients(draft)
    message = GroupMessage(
        idempotency_key=key,
        opportunity_id=draft.opportunity.id,
        session_id=draft.session.id if draft.session else None,
        audience=draft.audience.value,
        subject=draft.text.subject,
        body=draft.text.body,
        translations={lang: {"subject": t.subject, "body": t.body} for lang, t in draft.translations.items()},
        sender_id=getattr(sender, "id", None),
        recipient_count=len(people),
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        # Another request with the same key committed first (a double click): its message is the one sent.
        winner = find_sent(key)
        assert winner is not None  # the row the unique key ran into
        return SendOutcome(winner, created=False)
    for person in people:
        row = GroupMessageRecipient(message_id=message.id, person_id=person.person_id, language=person.language)
        db.session.add(row)
    db.session.flush()
    for person in people:
        outbox.enqueue(db.session, "group_message", message_id=message.id, person_id=person.person_id)
    record(
        "group_message_sent",
        actor=sender,
        target=message,
        opportunity_id=draft.opportunity.id,
        session_id=message.session_id,
        audience=message.audience,
        recipients=len(people),
        languages=sorted({p.language for p in people}),
    )
    return SendOutcome(message, created=True)
