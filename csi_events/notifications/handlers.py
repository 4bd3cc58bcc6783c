"""Outbox handlers: the e-mails sent after a commit. Each loads what it needs by id (the objects of the
request may be expired after the commit) and skips quietly when the row changed meanwhile (for example
a registration confirmed and then cancelled before the mail went out). Raising is fine: the outbox logs
the failure and goes on with the next message, and the stored registration is not affected."""

from __future__ import annotations

import logging

from sqlalchemy import select

from .. import outbox
from ..extensions import db
from ..people.models import Person
from ..registrations.models import Registration
from . import mailer, messages

log = logging.getLogger(__name__)


def _registration(registration_id: int, *statuses: str) -> Registration | None:
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        log.warning("mail: registration %s is gone; nothing sent", registration_id)
        return None
    if statuses and registration.status not in statuses:
        log.info("mail: registration %s is %s now; nothing sent", registration_id, registration.status)
        return None
    if not registration.person.email:
        log.info("mail: the person of registration %s has no e-mail address; nothing sent", registration_id)
        return None
    return registration


@outbox.handler("registration_confirmed")
def registration_confirmed(registration_id: int) -> None:
    registration = _registration(registration_id, "confirmed")
    if registration:
        mailer.send(messages.confirmation(registration, "confirmed"))


@outbox.handler("registration_promoted")
def registration_promoted(registration_id: int) -> None:
    registration = _registration(registration_id, "confirmed")
    if registration:
        mailer.send(messages.confirmation(registration, "promoted"))


@outbox.handler("registration_resent")
def registration_resent(registration_id: int) -> None:
    """The same person registered again: their ticket (or waitlist place) again, to the stored address."""
    registration = _registration(registration_id, "confirmed", "waitlisted")
    if registration is None:
        return
    if registration.status == "confirmed":
        mailer.send(messages.confirmation(registration, "resent"))
    else:
        mailer.send(messages.waitlisted(registration, resent=True))


@outbox.handler("registration_waitlisted")
def registration_waitlisted(registration_id: int) -> None:
    registration = _registration(registration_id, "waitlisted")
    if registration:
        mailer.send(messages.waitlisted(registration))


@outbox.handler("registration_cancelled")
def registration_cancelled(registration_id: int) -> None:
    registration = _registration(registration_id, "cancelled")
    if registration:
        mailer.send(messages.cancelled(registration))


@outbox.handler("opportunity_cancelled")
def opportunity_cancelled(opportunity_id: int, reason: str = "") -> None:
    """One message to each person confirmed or waitlisted; one failed address does not stop the others."""
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.opportunity_id == opportunity_id, Registration.status.in_(("confirmed", "waitlisted")))
        .order_by(Registration.id)
    ).all()
    for registration in registrations:
        if not registration.person.email:
            continue
        try:
            mailer.send(messages.opportunity_cancelled(registration, reason))
        except mailer.MailNotSent:
            log.exception("mail: cancellation notice for registration %s not sent", registration.id)


@outbox.handler("opportunity_rescheduled")
def opportunity_rescheduled(opportunity_id: int) -> None:
    """A session's time changed: each person confirmed gets the new times and the calendar update."""
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.opportunity_id == opportunity_id, Registration.status == "confirmed")
        .order_by(Registration.id)
    ).all()
    for registration in registrations:
        if not registration.person.email:
            continue
        try:
            mailer.send(messages.rescheduled(registration))
        except mailer.MailNotSent:
            log.exception("mail: new-time notice for registration %s not sent", registration.id)


@outbox.handler("manage_link")
def manage_link(person_id: int, url: str) -> None:
    """The signed link to a person's registrations, asked for on the "find my registrations" page."""
    person = db.session.get(Person, person_id)
    if person is None or not person.email:
        log.warning("mail: person %s is gone or has no address; no manage link sent", person_id)
        return
    mailer.send(messages.manage_link(person, url))
