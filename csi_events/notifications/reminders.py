"""Session reminders, run from cron (`flask --app app notify reminders`) every few minutes.

Never twice, even when two runs overlap: for each (registration, session) that is due, a run first
*claims* it by inserting its SentReminder row (primary key = the pair) and committing that alone, and only
then builds and sends the e-mail. Two runs cannot both commit the same primary key: on PostgreSQL the
second INSERT waits for the first transaction and then fails with a unique violation; on SQLite writers
are serialized and the second INSERT fails the same way. The loser skips the pair. A claim is released
(deleted) only when the message certainly did not leave (mailer.MailNotSent: no connection, refused,
message not built), so a later run tries again; when delivery is unknown (the connection broke in the
middle of the transfer) the claim stays: a missed reminder is preferred to a duplicate.

Each claim is its own short transaction, so this module is a job runner with a commit per pair, by design.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, select
from sqlalchemy.exc import IntegrityError

from ..db import commit
from ..extensions import db
from ..opportunities.models import LearningOpportunity, Session
from ..people.models import Person
from ..registrations.models import Registration
from . import mailer, messages
from .models import SentReminder

log = logging.getLogger(__name__)


@dataclass
class ReminderRun:
    due: int = 0
    sent: int = 0
    taken: int = 0  # claimed by another run at the same time
    failed: int = 0


def due_reminders(now: datetime, hours: float) -> list[tuple[int, int]]:
    """(registration id, session id) of confirmed registrations whose session starts in (now, now + hours]
    and that have no reminder yet: published opportunities, people with an address."""
    horizon = now + timedelta(hours=hours)
    stmt = (
        select(Registration.id, Session.id)
        .join(Session, Session.opportunity_id == Registration.opportunity_id)
        .join(LearningOpportunity, LearningOpportunity.id == Registration.opportunity_id)
        .join(Person, Person.id == Registration.person_id)
        .outerjoin(
            SentReminder,
            and_(SentReminder.registration_id == Registration.id, SentReminder.session_id == Session.id),
        )
        .where(
            Session.starts_at > now,
            Session.starts_at <= horizon,
            Registration.status == "confirmed",
            LearningOpportunity.status == "published",
            Person.email.is_not(None),
            SentReminder.registration_id.is_(None),
        )
        .order_by(Session.starts_at, Registration.id)
    )
    return [(row[0], row[1]) for row in db.session.execute(stmt)]


def claim(registration_id: int, session_id: int, now: datetime) -> bool:
    """Insert and commit the SentReminder row of the pair; False when another run already has it."""
    try:
        db.session.add(SentReminder(registration_id=registration_id, session_id=session_id, sent_at=now))
        commit(db.session)
    except IntegrityError:
        return False  # commit() rolled back
    return True


def release(registration_id: int, session_id: int) -> None:
    db.session.execute(
        delete(SentReminder).where(
            SentReminder.registration_id == registration_id, SentReminder.session_id == session_id
        )
    )
    commit(db.session)


def send_one(registration_id: int, session_id: int) -> bool:
    """Send the claimed reminder of the pair. True when sent (or delivery is unknown and must not repeat)."""
    registration = db.session.get(Registration, registration_id)
    session = db.session.get(Session, session_id)
    if registration is None or session is None or registration.status != "confirmed":
        # Cancelled between the query and the claim: keep the claim, there is nothing to remind.
        return True
    try:
        message = messages.reminder(registration, session)
    except Exception:
        log.exception("reminder for registration %s, session %s could not be built", registration_id, session_id)
        release(registration_id, session_id)
        return False
    try:
        mailer.send(message)
    except mailer.MailNotSent as err:
        log.warning(
            "reminder for registration %s, session %s not sent (will retry): %s", registration_id, session_id, err
        )
        release(registration_id, session_id)
        return False
    except Exception:
        log.exception(
            "reminder for registration %s, session %s: delivery unknown, not retried", registration_id, session_id
        )
        return False
    return True


def run_reminders(now: datetime, hours: float = 24) -> ReminderRun:
    run = ReminderRun()
    pairs = due_reminders(now, hours)
    db.session.rollback()  # end the read transaction: each claim starts fresh
    run.due = len(pairs)
    for registration_id, session_id in pairs:
        if not claim(registration_id, session_id, now):
            run.taken += 1
            continue
        if send_one(registration_id, session_id):
            run.sent += 1
        else:
            run.failed += 1
    return run
